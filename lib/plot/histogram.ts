/**
 * facetedHistogram — one small-multiple histogram per facet value, wrapped into a grid.
 *
 * Made for "prompt length by capability" (facet = capability) and "advantage distribution per task
 * under each estimator" (facet = task, fill = estimator). With a fill series the histograms are
 * overlaid by default — every series' bars start at zero (`binX({y2: …})`) and blend with
 * `mix-blend-mode: multiply`, as in Plot's own overlapping-histogram example — instead of stacked.
 * Bins are computed once over all rows, so bars line up across facets and series.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { plotFigure, type Figure } from './figure.js';
import { distinct, facetGrid, facetLabels, getter, gridScales, labelOf, xTickCount, type Field } from './facets.js';

export interface FacetedHistogramOptions<T> {
  /** The binned value (rows where it is not a finite number are skipped). */
  x: Field<T>;
  /** One panel per distinct value, in first-appearance order (or `facetOrder`). */
  facet: Field<T>;
  /** Optional series within each panel (e.g. the estimator), coloured with a legend. */
  fill?: Field<T>;
  /** Plot's `thresholds`: an approximate bin count (default 20) or explicit bin edges. */
  thresholds?: number | readonly number[];
  title?: string;
  subtitle?: string;
  xLabel?: string;
  /** Defaults to "Count", or "Share" when `normalize`. */
  yLabel?: string;
  /** Panels per row (default 3). */
  columns?: number;
  /** With `fill`: overlay the series (default true) or stack them (false). */
  overlay?: boolean;
  /** Scale each facet × series to sum to 1, so series of different sizes compare. */
  normalize?: boolean;
  facetOrder?: readonly unknown[];
  fillOrder?: readonly unknown[];
  /** Total width in px (default 760). */
  width?: number;
  /** Height of one panel row in px (default 150). */
  panelHeight?: number;
}

interface Binned {
  x: number;
  fill: unknown;
  fx: number;
  fy: number;
  w: number;
}

export function facetedHistogram<T>(rows: readonly T[], options: FacetedHistogramOptions<T>): Figure {
  const getX = getter(options.x);
  const getFacet = getter(options.facet);
  const getFill = options.fill === undefined ? undefined : getter(options.fill);
  const kept = rows.map((d, i) => ({ d, i, x: Number(getX(d, i)) })).filter((r) => Number.isFinite(r.x));
  const grid = facetGrid(distinct(kept.map((r) => getFacet(r.d, r.i)), options.facetOrder), options.columns ?? 3);

  const data: Binned[] = kept.map(({ d, i, x }) => {
    const cell = grid.cellOf.get(getFacet(d, i))!;
    return { x, fill: getFill?.(d, i), fx: cell.fx, fy: cell.fy, w: 1 };
  });
  if (options.normalize) {
    const counts = new Map<string, number>();
    const key = (b: Binned) => `${b.fx},${b.fy}\u0000${String(b.fill)}`;
    for (const b of data) counts.set(key(b), (counts.get(key(b)) ?? 0) + 1);
    for (const b of data) b.w = 1 / counts.get(key(b))!;
  }

  const overlay = getFill !== undefined && (options.overlay ?? true);
  const reducer = options.normalize ? 'sum' : 'count';
  const binOptions = {
    x: 'x',
    // The reducer's input channel is named after its output (y2 when overlaid, y when stacked).
    ...(options.normalize ? (overlay ? { y2: 'w' } : { y: 'w' }) : {}),
    ...(getFill ? { fill: 'fill' } : { fill: '#4269d0' }),
    fx: 'fx',
    fy: 'fy',
    thresholds: (options.thresholds ?? 20) as PlotTypes.BinOptions['thresholds'],
    insetLeft: 0.5,
    insetRight: 0.5,
    ...(overlay ? { mixBlendMode: 'multiply', fillOpacity: 0.85 } : {}),
  };
  const bars = overlay
    ? Plot.rectY(data, Plot.binX({ y2: reducer }, binOptions))
    : Plot.rectY(data, Plot.binX({ y: reducer }, binOptions));

  const panelHeight = options.panelHeight ?? 150;
  const marginTop = 26;
  const marginBottom = 38;
  const marginLeft = 56;
  const marginRight = 16;
  const width = options.width ?? 760;
  const fillDomain = getFill ? distinct(data.map((b) => b.fill), options.fillOrder) : undefined;
  return plotFigure(
    {
      width,
      height: Math.round(marginTop + marginBottom + grid.rows * panelHeight + (grid.rows - 1) * 0.22 * panelHeight),
      marginTop,
      marginBottom,
      marginLeft,
      marginRight,
      ...gridScales(grid),
      x: { label: labelOf(options.x, options.xLabel) ?? null, labelAnchor: 'center', labelArrow: 'none', ticks: xTickCount((width - marginLeft - marginRight) / grid.columns) },
      y: { label: options.yLabel ?? (options.normalize ? 'Share' : 'Count'), labelAnchor: 'center', labelArrow: 'none', grid: true, nice: true, ticks: 4 },
      ...(fillDomain ? { color: { type: 'categorical', domain: fillDomain, legend: true } } : {}),
      marks: [Plot.frame({ stroke: '#ddd' }), bars, Plot.ruleY([0]), facetLabels(grid)],
    },
    { title: options.title, subtitle: options.subtitle, legendLabel: labelOf(options.fill) },
  );
}

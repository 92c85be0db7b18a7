/**
 * smoothedCurves — training curves: each series as a faint raw line plus a moving-mean line
 * (`Plot.windowY({k, reduce: "mean"})`), optionally one wrapped panel per facet (e.g. per task).
 *
 * The moving mean is centred (`anchor: "middle"`) and not strict, so the smoothed line spans the
 * whole run: near the ends it averages the points that exist. Missing y values (NaN, null) break
 * the raw line and are ignored by the mean; rows whose x is not a finite number are skipped.
 * `dots: true` also marks every raw point, so a series with isolated points (a task whose groups were
 * rarely kept) is visible rather than a one-pixel line. The series channel is passed as Plot's `z`
 * explicitly: with sparse facets Plot's implicit-z cardinality heuristic would otherwise warn (⚠).
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { plotFigure, type Figure } from './figure.js';
import { distinct, facetGrid, facetLabels, getter, gridScales, labelOf, xTickCount, type Field } from './facets.js';

export interface SmoothedCurvesOptions<T> {
  /** Usually the training step. */
  x: Field<T>;
  y: Field<T>;
  /** The series (run, estimator); one colour each, with a legend. */
  stroke?: Field<T>;
  /** Optional: one panel per value (wrapped into `columns`). */
  facet?: Field<T>;
  /** Moving-mean window k in points (default 10; 1 = no smoothing). */
  window?: number;
  /** Where the window sits relative to each point (default "middle"; "end" = trailing). */
  anchor?: 'start' | 'middle' | 'end';
  /** Draw the raw series faintly under the smoothed one (default true). */
  raw?: boolean;
  /** Mark every raw point with a small dot (default false). */
  dots?: boolean;
  title?: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  columns?: number;
  strokeOrder?: readonly unknown[];
  facetOrder?: readonly unknown[];
  /** Total width in px (default 760). */
  width?: number;
  /** Height of one panel row in px (default 180 with facets, 320 without). */
  panelHeight?: number;
}

interface Point {
  x: number;
  y: number;
  s: unknown;
  fx?: number;
  fy?: number;
}

export function smoothedCurves<T>(rows: readonly T[], options: SmoothedCurvesOptions<T>): Figure {
  const getX = getter(options.x);
  const getY = getter(options.y);
  const getS = options.stroke === undefined ? undefined : getter(options.stroke);
  const getFacet = options.facet === undefined ? undefined : getter(options.facet);
  const kept = rows.map((d, i) => ({ d, i, x: Number(getX(d, i)) })).filter((r) => Number.isFinite(r.x));
  const grid = getFacet ? facetGrid(distinct(kept.map((r) => getFacet(r.d, r.i)), options.facetOrder), options.columns ?? 3) : undefined;

  const data: Point[] = kept
    .map(({ d, i, x }) => {
      const yv = getY(d, i);
      const p: Point = { x, y: yv === null || yv === undefined ? NaN : Number(yv), s: getS?.(d, i) };
      if (grid) {
        const cell = grid.cellOf.get(getFacet!(d, i))!;
        p.fx = cell.fx;
        p.fy = cell.fy;
      }
      return p;
    })
    .sort((a, b) => a.x - b.x); // stable: the window slides along x within each series

  const channels = {
    x: 'x',
    y: 'y',
    ...(getS ? { stroke: 's', z: 's' } : { stroke: '#4269d0', z: null }),
    ...(grid ? { fx: 'fx', fy: 'fy' } : {}),
  };
  const k = Math.max(1, Math.round(options.window ?? 10));
  const marks: PlotTypes.Markish[] = [Plot.frame({ stroke: '#ddd' })];
  if (options.raw ?? true) marks.push(Plot.lineY(data, { ...channels, strokeOpacity: 0.22, strokeWidth: 1 }));
  if (options.dots) marks.push(Plot.dot(data.filter((p) => Number.isFinite(p.y)), { ...channels, r: 1.8, strokeWidth: 1.2 }));
  marks.push(Plot.lineY(data, Plot.windowY({ k, reduce: 'mean', anchor: options.anchor ?? 'middle', strict: false }, { ...channels, strokeWidth: 2 })));
  const rowsN = grid?.rows ?? 1;
  const panelHeight = options.panelHeight ?? (grid ? 180 : 320);
  const marginTop = grid ? 26 : 12;
  const marginBottom = 38;
  const marginLeft = 56;
  const marginRight = 16;
  const width = options.width ?? 760;
  // a long facet title is fitted to its panel (fx paddingInner 0.1) rather than running into the next one
  if (grid) marks.push(facetLabels(grid, ((width - marginLeft - marginRight) / grid.columns) * 0.9));
  const strokeDomain = getS ? distinct(data.map((p) => p.s), options.strokeOrder) : undefined;
  return plotFigure(
    {
      width,
      height: Math.round(marginTop + marginBottom + rowsN * panelHeight + (rowsN - 1) * 0.22 * panelHeight),
      marginTop,
      marginBottom,
      marginLeft,
      marginRight,
      ...(grid ? gridScales(grid) : {}),
      x: { label: labelOf(options.x, options.xLabel) ?? null, labelAnchor: 'center', labelArrow: 'none', ticks: xTickCount((width - marginLeft - marginRight) / (grid?.columns ?? 1)) },
      y: { label: labelOf(options.y, options.yLabel) ?? null, labelAnchor: 'center', labelArrow: 'none', grid: true, nice: true, ticks: 5 },
      ...(strokeDomain ? { color: { type: 'categorical', domain: strokeDomain, legend: true } } : {}),
      marks,
    },
    { title: options.title, subtitle: options.subtitle, legendLabel: labelOf(options.stroke) },
  );
}

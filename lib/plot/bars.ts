/**
 * groupedBars — side-by-side bars: one cluster per x category (e.g. task), one bar per group
 * (e.g. estimator) inside it, optional error bars, optionally one row of clusters per facet
 * (e.g. per metric).
 *
 * Plot has no "dodge" for bars; the idiom is to facet horizontally by the category (`fx`) and use
 * the group as the x band within each cluster. Facets therefore stack vertically (`fy`), one full
 * row each, with the facet name above the row. Negative values grow down from a rule at zero.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { plotFigure, textWidth, type Figure } from './figure.js';
import { distinct, getter, labelOf, type Field } from './facets.js';

export interface GroupedBarsOptions<T> {
  /** The cluster (category on the x axis). */
  x: Field<T>;
  /** The bar height. */
  y: Field<T>;
  /** The bar within each cluster; one colour each, with a legend. */
  group: Field<T>;
  /** Optional: one row of clusters per value, stacked vertically. */
  facet?: Field<T>;
  /** Lower and upper ends of an error bar (both needed; rows without them get none). */
  errorLow?: Field<T>;
  errorHigh?: Field<T>;
  title?: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  xOrder?: readonly unknown[];
  groupOrder?: readonly unknown[];
  facetOrder?: readonly unknown[];
  /** Total width in px (default 760). */
  width?: number;
  /** Height of one facet row in px (default 220; 300 without facets). */
  panelHeight?: number;
}

interface Bar {
  x: unknown;
  g: unknown;
  y: number;
  lo: number;
  hi: number;
  f: unknown;
}

const num = (v: unknown) => (v === null || v === undefined || v === '' ? NaN : Number(v));

export function groupedBars<T>(rows: readonly T[], options: GroupedBarsOptions<T>): Figure {
  const getX = getter(options.x);
  const getY = getter(options.y);
  const getG = getter(options.group);
  const getF = options.facet === undefined ? undefined : getter(options.facet);
  const getLo = options.errorLow === undefined ? undefined : getter(options.errorLow);
  const getHi = options.errorHigh === undefined ? undefined : getter(options.errorHigh);
  const data: Bar[] = rows.map((d, i) => ({
    x: getX(d, i),
    g: getG(d, i),
    y: num(getY(d, i)),
    lo: getLo ? num(getLo(d, i)) : NaN,
    hi: getHi ? num(getHi(d, i)) : NaN,
    f: getF?.(d, i),
  }));
  const xDomain = distinct(data.map((b) => b.x), options.xOrder);
  const groups = distinct(data.map((b) => b.g), options.groupOrder);
  const facets = getF ? distinct(data.map((b) => b.f), options.facetOrder) : undefined;
  const facetCh = facets ? { fy: 'f' } : {};

  // Category labels under each cluster; tilt them (-30°) when they would not fit the cluster width,
  // and make room below (and on the left, for the first label) for the tilted text.
  const width = options.width ?? 760;
  const marginRight = 12;
  const labelWidths = xDomain.map((v) => textWidth(String(v), 10));
  const longest = Math.max(0, ...labelWidths);
  const step0 = (width - 56 - marginRight) / Math.max(1, xDomain.length);
  const tilt = longest > step0 * 0.92;
  const cos30 = Math.cos(Math.PI / 6);
  const marginLeft = tilt ? Math.max(56, Math.ceil((labelWidths[0] ?? 0) * cos30 + 10 - step0 / 2)) : 56;
  const marginBottom = tilt ? Math.ceil(42 + longest / 2) : 38;
  const marginTop = facets ? 26 : 12;
  const rowsN = facets?.length ?? 1;
  const panelHeight = options.panelHeight ?? (facets ? 220 : 300);

  const marks: PlotTypes.Markish[] = [
    Plot.barY(data, { fx: 'x', x: 'g', y: 'y', fill: 'g', ...facetCh }),
    Plot.ruleY([0]),
  ];
  if (getLo && getHi) {
    const withErr = data.filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi));
    marks.push(Plot.ruleX(withErr, { fx: 'x', x: 'g', y1: 'lo', y2: 'hi', stroke: '#222', strokeWidth: 1.5, ...facetCh }));
    marks.push(Plot.tickY(withErr, { fx: 'x', x: 'g', y: 'lo', stroke: '#222', inset: 3, ...facetCh }));
    marks.push(Plot.tickY(withErr, { fx: 'x', x: 'g', y: 'hi', stroke: '#222', inset: 3, ...facetCh }));
  }
  if (facets) {
    // Facet title above each row, over the first cluster.
    marks.push(
      Plot.text(facets, { fx: () => xDomain[0], fy: (f: unknown) => f, text: (f: unknown) => String(f), frameAnchor: 'top-left', lineAnchor: 'bottom', dy: -8, fontWeight: 'bold', fontSize: 11 }),
    );
  }

  return plotFigure(
    {
      width,
      height: Math.round(marginTop + marginBottom + rowsN * panelHeight + (rowsN - 1) * 0.2 * panelHeight),
      marginTop,
      marginBottom,
      marginLeft,
      marginRight,
      fx: { domain: xDomain, label: labelOf(options.x, options.xLabel) ?? null, labelAnchor: 'center', padding: 0.12, ...(tilt ? { tickRotate: -30 } : {}) },
      ...(facets ? { fy: { domain: facets, axis: null, paddingInner: 0.2 } } : {}),
      facet: { label: null },
      x: { domain: groups, axis: null, paddingInner: 0.08 },
      y: { label: labelOf(options.y, options.yLabel) ?? null, labelAnchor: 'center', labelArrow: 'none', grid: true, nice: true, ticks: 5 },
      color: { type: 'categorical', domain: groups, legend: true },
      marks,
    },
    { title: options.title, subtitle: options.subtitle, legendLabel: labelOf(options.group) },
  );
}

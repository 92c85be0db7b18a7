/**
 * bandCurves — curves with an uncertainty band (e.g. mean ± std across seeds), one panel per facet
 * (e.g. per metric), EACH PANEL WITH ITS OWN y SCALE. `smoothedCurves` facets share one y scale,
 * which flattens metrics of different magnitude (a learning rate next to a reward); here every
 * panel is its own Plot figure and `gridOfFigures` stitches them into one SVG (nested <svg>
 * elements, which resvg draws).
 *
 * The y values are drawn as given: smooth them beforehand (lib/logs/runs.ts `aggregateRuns` with
 * TensorBoard's EMA). Rows whose x or y is not finite are skipped; a band is drawn only where both
 * ends are finite.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { escapeXml, FONT_FAMILY, plotFigure, type Figure } from './figure.js';
import { distinct, getter, labelOf, xTickCount, type Field } from './facets.js';

export interface BandCurvesOptions<T> {
  x: Field<T>;
  y: Field<T>;
  low?: Field<T>;
  high?: Field<T>;
  stroke?: Field<T>;
  facet?: Field<T>;
  columns?: number;
  title?: string;
  subtitle?: string;
  xLabel?: string;
  /** Panel width in px (default: 760 / columns). */
  panelWidth?: number;
  panelHeight?: number;
  strokeOrder?: readonly unknown[];
  facetOrder?: readonly unknown[];
}

interface P {
  x: number;
  y: number;
  lo: number;
  hi: number;
  s: unknown;
}

export function bandCurves<T>(rows: readonly T[], options: BandCurvesOptions<T>): Figure {
  const gx = getter(options.x);
  const gy = getter(options.y);
  const glo = options.low === undefined ? undefined : getter(options.low);
  const ghi = options.high === undefined ? undefined : getter(options.high);
  const gs = options.stroke === undefined ? undefined : getter(options.stroke);
  const gf = options.facet === undefined ? undefined : getter(options.facet);
  const facets = gf ? distinct(rows.map((d, i) => gf(d, i)), options.facetOrder) : [undefined];
  const strokeDomain = gs ? distinct(rows.map((d, i) => gs(d, i)), options.strokeOrder) : undefined;
  const columns = Math.max(1, Math.min(options.columns ?? 3, facets.length));
  const panelWidth = options.panelWidth ?? Math.floor(760 / columns);
  const panelHeight = options.panelHeight ?? 200;
  const panels = facets.map((f) => {
    const pts: P[] = [];
    rows.forEach((d, i) => {
      if (gf && gf(d, i) !== f) return;
      const x = Number(gx(d, i));
      const y = Number(gy(d, i));
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      pts.push({ x, y, lo: glo ? Number(glo(d, i)) : NaN, hi: ghi ? Number(ghi(d, i)) : NaN, s: gs?.(d, i) ?? '' });
    });
    pts.sort((a, b) => a.x - b.x);
    const band = pts.filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi));
    const marks: PlotTypes.Markish[] = [Plot.frame({ stroke: '#ddd' })];
    const color = gs ? { stroke: 's' } : { stroke: '#4269d0' };
    if (band.length > 0) marks.push(Plot.areaY(band, { x: 'x', y1: 'lo', y2: 'hi', ...(gs ? { fill: 's' } : { fill: '#4269d0' }), fillOpacity: 0.18 }));
    marks.push(Plot.lineY(pts, { x: 'x', y: 'y', ...color, strokeWidth: 2 }));
    return plotFigure(
      {
        width: panelWidth,
        height: panelHeight,
        marginLeft: 56,
        marginRight: 12,
        marginBottom: 36,
        x: { label: labelOf(options.x, options.xLabel) ?? null, labelAnchor: 'center', labelArrow: 'none', ticks: xTickCount(panelWidth - 68) },
        y: { label: null, grid: true, nice: true, ticks: 5, tickFormat: '~g' },
        ...(strokeDomain ? { color: { type: 'categorical', domain: strokeDomain, legend: true } } : {}),
        marks,
      },
      { title: f === undefined ? undefined : String(f), legendLabel: labelOf(options.stroke) },
    );
  });
  return gridOfFigures(panels, columns, { title: options.title, subtitle: options.subtitle });
}

/** Place figures in a grid (row-major), each as a nested <svg>, under an optional title. */
export function gridOfFigures(figs: readonly Figure[], columns: number, text: { title?: string; subtitle?: string } = {}): Figure {
  const cols = Math.max(1, Math.min(columns, figs.length));
  const cellW = Math.max(...figs.map((f) => f.width));
  const cellH = Math.max(...figs.map((f) => f.height));
  let top = 0;
  const parts: string[] = [];
  if (text.title) {
    top += 26;
    parts.push(`<text x="8" y="${top - 6}" font-size="16" font-weight="bold">${escapeXml(text.title)}</text>`);
  }
  if (text.subtitle) {
    top += 20;
    parts.push(`<text x="8" y="${top - 6}" font-size="12" fill="#555">${escapeXml(text.subtitle)}</text>`);
  }
  figs.forEach((f, i) => {
    const x = (i % cols) * cellW;
    const y = top + Math.floor(i / cols) * cellH;
    const inner = f.svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<svg /, `<svg x="${x}" y="${y}" `);
    parts.push(inner);
  });
  const width = cols * cellW;
  const height = top + Math.ceil(figs.length / cols) * cellH;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
  return { svg, width, height, title: text.title };
}

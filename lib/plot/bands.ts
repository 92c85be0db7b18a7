/**
 * bandCurves — curves with an uncertainty band (e.g. mean ± std across seeds), one panel per facet
 * (e.g. per metric), EACH PANEL WITH ITS OWN y SCALE. `smoothedCurves` facets share one y scale,
 * which flattens metrics of different magnitude (a learning rate next to a reward); here every
 * panel is its own Plot figure and `gridOfFigures` stitches them into one SVG (nested <svg>
 * elements, which resvg draws).
 *
 * The y values are drawn as given: smooth them beforehand (lib/logs/runs.ts `aggregateRuns` with
 * TensorBoard's EMA). Rows whose x or y is not finite are skipped; a band is drawn only where both
 * ends are finite. One legend for the whole grid (`legend: 'each'` restores one per panel); panel
 * titles shrink and wrap to fit; `markers` flag x positions (NaN/inf steps), `notes` explain a panel;
 * a panel with nothing finite says so instead of drawing an empty frame.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { composeFigure, escapeXml, FONT_FAMILY, plotFigure, textWidth, type Figure, type Legend } from './figure.js';
import { distinct, fitTitle, getter, labelOf, xTickCount, type Field } from './facets.js';

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
  /** 'once' (default): one colour legend above the grid, panel titles fitted to the panel; 'each': a legend per panel. */
  legend?: 'once' | 'each';
  /** x positions to flag in a panel (e.g. steps where a run logged NaN/inf): a dashed rule and a ✕ on the axis, in the series colour. */
  markers?: readonly { facet?: unknown; x: number; stroke?: unknown }[];
  /** A note per facet, drawn in red under the panel title (e.g. why a panel is empty or how it was aligned). */
  notes?: ReadonlyMap<unknown, string>;
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
  const markers = options.markers ?? [];
  const facets = gf ? distinct([...rows.map((d, i) => gf(d, i)), ...markers.map((m) => m.facet), ...(options.notes?.keys() ?? [])], options.facetOrder) : [undefined];
  const strokeDomain = gs ? distinct([...rows.map((d, i) => gs(d, i)), ...markers.map((m) => m.stroke)].filter((v) => v !== undefined), options.strokeOrder) : undefined;
  const colorScale = strokeDomain ? (Plot as unknown as { scale(o: object): { apply(v: unknown): unknown } }).scale({ color: { type: 'categorical', domain: strokeDomain } }) : undefined;
  const legendOnce = (options.legend ?? 'once') === 'once';
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
    const ms = markers.filter((m) => !gf || m.facet === f).map((m) => ({ x: m.x, s: m.stroke ?? '' }));
    const marks: PlotTypes.Markish[] = [Plot.frame({ stroke: '#ddd' })];
    const color = gs ? { stroke: 's' } : { stroke: '#4269d0' };
    if (band.length > 0) marks.push(Plot.areaY(band, { x: 'x', y1: 'lo', y2: 'hi', ...(gs ? { fill: 's' } : { fill: '#4269d0' }), fillOpacity: 0.18 }));
    marks.push(Plot.lineY(pts, { x: 'x', y: 'y', ...color, strokeWidth: 2 }));
    if (ms.length > 0) {
      // Steps flagged by the caller (e.g. a run logged NaN/inf there): a dashed rule and a ✕ on the x axis.
      const mc = gs ? { stroke: 's' } : { stroke: '#d62728' };
      marks.push(Plot.ruleX(ms, { x: 'x', ...mc, strokeDasharray: '3,3', strokeOpacity: 0.8 }));
      // one row of ✕ per series, stacked upwards, so coinciding steps of two series stay visible
      const series = distinct(ms.map((m) => m.s));
      series.forEach((sv, k) => marks.push(Plot.dot(ms.filter((m) => m.s === sv), { x: 'x', ...mc, symbol: 'times', r: 4, strokeWidth: 2, frameAnchor: 'bottom', dy: -9 * k })));
    }
    if (pts.length === 0) marks.push(Plot.text(['no finite values to draw'], { frameAnchor: 'middle', fill: '#888', fontSize: 11 }));
    const fig = plotFigure(
      {
        width: panelWidth,
        height: panelHeight,
        marginLeft: 56,
        marginRight: 12,
        marginBottom: 36,
        x: { label: labelOf(options.x, options.xLabel) ?? null, labelAnchor: 'center', labelArrow: 'none', ticks: xTickCount(panelWidth - 68) },
        y: { label: null, grid: true, nice: true, ticks: 5, tickFormat: '~g', ...(pts.length === 0 ? { domain: [0, 1], axis: null } : {}) },
        ...(strokeDomain ? { color: { type: 'categorical', domain: strokeDomain, legend: !legendOnce } } : {}),
        marks,
      },
      legendOnce ? {} : { title: f === undefined ? undefined : String(f), legendLabel: labelOf(options.stroke) },
    );
    return fig;
  });
  if (legendOnce) {
    const headers = facets.map((f, i) => panelHeader(f === undefined ? undefined : String(f), options.notes?.get(f), panels[i]!.width));
    const h = Math.max(...headers.map((x) => x.height));
    panels.forEach((fig, i) => (panels[i] = withHeader(fig, headers[i]!.svg, h)));
  }
  const legend: Legend | undefined =
    legendOnce && strokeDomain && colorScale ? { kind: 'swatches', label: labelOf(options.stroke), items: strokeDomain.map((v) => ({ label: String(v), color: String(colorScale.apply(v)) })) } : undefined;
  return gridOfFigures(panels, columns, { title: options.title, subtitle: options.subtitle }, legend);
}

/** A panel's title (fitted to its width: smaller font, wrapped after '/', never cut off) and an optional note in red under it. */
function panelHeader(title: string | undefined, note: string | undefined, width: number): { svg: string; height: number } {
  const parts: string[] = [];
  let y = 4;
  if (title) {
    const t = fitTitle(title, width - 16);
    for (const line of t.lines) {
      y += t.fontSize + 2;
      parts.push(`<text x="8" y="${y}" font-size="${t.fontSize}" font-weight="bold">${escapeXml(line)}</text>`);
    }
  }
  if (note) {
    for (const line of wrapWords(note, width - 16, 9)) {
      y += 11;
      parts.push(`<text x="8" y="${y}" font-size="9" fill="#b3261e">${escapeXml(line)}</text>`);
    }
  }
  return { svg: parts.join(''), height: y + 4 };
}

/** The panel under a header of `height` px (the same for every panel, so plot areas line up). */
function withHeader(fig: Figure, header: string, height: number): Figure {
  const inner = fig.svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<svg /, `<svg x="0" y="${height}" `);
  const total = height + fig.height;
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${fig.width}" height="${total}" viewBox="0 0 ${fig.width} ${total}" font-family="${FONT_FAMILY}">${header}${inner}</svg>`, width: fig.width, height: total };
}

function wrapWords(text: string, width: number, fontSize: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && textWidth(next, fontSize) > width) {
      lines.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Place figures in a grid (row-major), each as a nested <svg>, under an optional title and one legend. */
export function gridOfFigures(figs: readonly Figure[], columns: number, text: { title?: string; subtitle?: string } = {}, legend?: Legend): Figure {
  const cols = Math.max(1, Math.min(columns, figs.length));
  const cellW = Math.max(...figs.map((f) => f.width));
  const cellH = Math.max(...figs.map((f) => f.height));
  const parts: string[] = [];
  figs.forEach((f, i) => {
    const x = (i % cols) * cellW;
    const y = Math.floor(i / cols) * cellH;
    const inner = f.svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<svg /, `<svg x="${x}" y="${y}" `);
    parts.push(inner);
  });
  return composeFigure(parts.join(''), cols * cellW, Math.ceil(figs.length / cols) * cellH, text, legend);
}

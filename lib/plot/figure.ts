/**
 * Figures: Observable Plot rendered in Node into one standalone, deterministic SVG.
 *
 * Observable Plot needs a DOM, so we hand it a jsdom document (Plot's "Plot in Node.js" recipe) and
 * serialise the result with jsdom's XMLSerializer (well-formed XML, `xmlns` on the root — what
 * `tslab.display.svg`, browsers and resvg all accept). When Plot would return an HTML `<figure>`
 * (title, subtitle, caption, legends), we instead draw those ourselves as SVG around the plot's
 * `<svg>`, so the very same `Figure` also rasterises to PNG (resvg renders SVG only, no HTML).
 *
 * Determinism: Plot's root class (`plot-d6a7b5`) is a constant per Plot version, not random; the
 * only counters Plot keeps across calls are its clip-path, pattern and marker ids (`plot-clip-3`),
 * which `normalizeSvg` renumbers from 1 within each figure. Fonts are pinned to DejaVu Sans (with a
 * sans-serif fallback for notebook viewers), sizes are explicit, so snapshots are byte-stable.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { JSDOM } from 'jsdom';

/** A rendered chart: a standalone SVG document plus its size in CSS pixels. */
export interface Figure {
  /** Standalone SVG (root `<svg xmlns="http://www.w3.org/2000/svg" …>`), deterministic. */
  svg: string;
  width: number;
  height: number;
  title?: string;
}

/** Title, subtitle and caption drawn as SVG text around the plot (Plot would make HTML of them). */
export interface FigureText {
  title?: string;
  subtitle?: string;
  caption?: string;
}

/** The font every figure uses; DejaVu Sans is what resvg finds on Debian (`fonts-dejavu-core`). */
export const FONT_FAMILY = 'DejaVu Sans, sans-serif';
const SVG_NS = 'http://www.w3.org/2000/svg';
const TITLE_SIZE = 14;
const SUBTITLE_SIZE = 11;
const LEGEND_SIZE = 10;
const PAD = 10;
const round = (v: number) => Math.round(v * 100) / 100;

type JsdomWindow = { document: Document; XMLSerializer: { new (): XMLSerializer } };
let jsdomWindow: JsdomWindow | undefined;
function window(): JsdomWindow {
  return (jsdomWindow ??= new JSDOM('').window as unknown as JsdomWindow);
}

/** The shared jsdom document Plot renders into (pass it as `document` to your own `Plot.plot`). */
export function plotDocument(): Document {
  return window().document;
}

function serialize(node: Node): string {
  return new (window().XMLSerializer)().serializeToString(node);
}

/** XML-escape text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Renumber Plot's per-process counters (`plot-clip-7`, `plot-pattern-2`, …) in order of first
 * appearance, so a figure's bytes do not depend on how many figures were drawn before it; then
 * suffix them with a hash of the figure, so two different figures inlined in one HTML page do not
 * share ids.
 */
export function normalizeSvg(svg: string): string {
  const counter = /\b(plot-[a-z]+(?:-[a-z]+)*-)(\d+)\b/g;
  const seen = new Map<string, string>();
  const next = new Map<string, number>();
  const renumbered = svg.replace(counter, (token, prefix: string) => {
    let out = seen.get(token);
    if (out === undefined) {
      const k = (next.get(prefix) ?? 0) + 1;
      next.set(prefix, k);
      out = `${prefix}${k}`;
      seen.set(token, out);
    }
    return out;
  });
  if (seen.size === 0) return svg;
  const suffix = hashString(renumbered);
  return renumbered.replace(counter, (token) => `${token}-${suffix}`);
}

/** Standalone SVG for a figure (for `tslab.display.svg`, an `<img>`, a file or resvg). */
export function toSvg(fig: Figure): string {
  return fig.svg;
}

/** Rough width of a string in DejaVu Sans (average advance ≈ 0.62 em); used only for legend layout. */
export function textWidth(s: string, fontSize: number): number {
  let w = 0;
  for (const ch of s) w += /[A-Z@%MW]/.test(ch) ? 0.72 : /[ il.,:;'|!()[\]]/.test(ch) ? 0.34 : 0.62;
  return w * fontSize;
}

/** A colour legend: swatches for categorical (and threshold) scales, a gradient ramp for continuous ones. */
export type Legend =
  | { kind: 'swatches'; label?: string; items: readonly { label: string; color: string }[] }
  | { kind: 'ramp'; label?: string; stops: readonly { offset: number; color: string }[]; ticks: readonly { offset: number; label: string }[] };

/** Lay swatches out left to right, wrapping at `width`; returns the SVG group and its height. */
function swatchesSvg(legend: Extract<Legend, { kind: 'swatches' }>, x0: number, y0: number, width: number): { svg: string; height: number } {
  const rowH = 16;
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  if (legend.label) {
    parts.push(`<text x="${x}" y="${y + 9}" font-weight="bold" text-anchor="start">${escapeXml(legend.label)}</text>`);
    x = round(x + textWidth(legend.label, LEGEND_SIZE) + 10);
  }
  for (const { label, color } of legend.items) {
    const w = 14 + textWidth(label, LEGEND_SIZE) + 14;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      y += rowH;
    }
    parts.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${escapeXml(color)}"/>`);
    parts.push(`<text x="${round(x + 14)}" y="${y + 9}" text-anchor="start">${escapeXml(label)}</text>`);
    x = round(x + w);
  }
  return { svg: `<g font-size="${LEGEND_SIZE}">${parts.join('')}</g>`, height: y - y0 + rowH };
}

/** A 240 px gradient bar with ticks at the scale's breakpoints; returns the SVG group and its height. */
function rampSvg(legend: Extract<Legend, { kind: 'ramp' }>, xLeft: number, y0: number): { svg: string; height: number } {
  const w = 240;
  // Indent the bar so the first tick label (centred on the bar's left end) stays inside the figure.
  const x0 = round(xLeft + Math.max(0, textWidth(legend.ticks[0]?.label ?? '', LEGEND_SIZE) / 2 - 2));
  const barY = y0 + (legend.label ? 14 : 0);
  const id = `golongrl-ramp-${hashString(JSON.stringify(legend.stops))}`;
  const stops = legend.stops.map((s) => `<stop offset="${s.offset}" stop-color="${escapeXml(s.color)}"/>`).join('');
  const parts = [`<defs><linearGradient id="${id}" x1="0" x2="1" y1="0" y2="0">${stops}</linearGradient></defs>`];
  if (legend.label) parts.push(`<text x="${xLeft}" y="${y0 + 9}" font-weight="bold" text-anchor="start">${escapeXml(legend.label)}</text>`);
  parts.push(`<rect x="${x0}" y="${barY}" width="${w}" height="10" fill="url(#${id})"/>`);
  for (const t of legend.ticks) {
    const x = round(x0 + t.offset * w);
    parts.push(`<line x1="${x}" x2="${x}" y1="${barY}" y2="${barY + 13}" stroke="currentColor"/>`);
    parts.push(`<text x="${x}" y="${barY + 23}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  return { svg: `<g font-size="${LEGEND_SIZE}">${parts.join('')}</g>`, height: barY - y0 + 26 };
}

/**
 * Compose a figure: title and subtitle on top, then the legend, then the plot body (SVG markup of
 * known size, drawn from its own origin — a `<g>`), then the caption; all SVG, on a white background.
 */
export function composeFigure(body: string, plotWidth: number, plotHeight: number, text: FigureText = {}, legend?: Legend): Figure {
  const width = plotWidth;
  const parts: string[] = [];
  let y = 0;
  if (text.title) {
    y += PAD + TITLE_SIZE;
    parts.push(`<text x="${PAD}" y="${y}" font-size="${TITLE_SIZE}" font-weight="bold" text-anchor="start">${escapeXml(text.title)}</text>`);
  }
  if (text.subtitle) {
    y += (text.title ? 6 : PAD) + SUBTITLE_SIZE;
    parts.push(`<text x="${PAD}" y="${y}" font-size="${SUBTITLE_SIZE}" fill="#555" text-anchor="start">${escapeXml(text.subtitle)}</text>`);
  }
  if (legend) {
    y += y > 0 ? 10 : PAD;
    if (legend.kind === 'swatches') {
      const sw = swatchesSvg(legend, PAD, y, width - 2 * PAD);
      parts.push(sw.svg);
      y += sw.height;
    } else {
      const ramp = rampSvg(legend, PAD, y);
      parts.push(ramp.svg);
      y += ramp.height;
    }
  }
  if (y > 0) y += 4;
  parts.push(`<g transform="translate(0,${y})">${body}</g>`);
  y += plotHeight;
  if (text.caption) {
    y += 4 + LEGEND_SIZE;
    parts.push(`<text x="${PAD}" y="${y}" font-size="${LEGEND_SIZE}" fill="#555" text-anchor="start">${escapeXml(text.caption)}</text>`);
    y += 6;
  }
  const height = Math.ceil(y);
  const svg =
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${FONT_FAMILY}" font-size="10" fill="currentColor" style="color: black">` +
    `<rect width="${width}" height="${height}" fill="white"/>${parts.join('')}</svg>`;
  return { svg: normalizeSvg(svg), width, height, ...(text.title ? { title: text.title } : {}) };
}

/**
 * Turn Plot's root `<svg>` into a `<g>` carrying the same presentation attributes and class. A nested
 * `<svg>` would not do: Plot's stylesheet sets `height: auto; max-width: 100%` on its root class,
 * which browsers apply to an inner `<svg>` (stretching it to the outer height) but not to a `<g>`.
 */
function svgToGroup(svgEl: Element): string {
  const g = svgEl.ownerDocument.createElementNS(SVG_NS, 'g');
  for (const { name, value } of [...svgEl.attributes]) {
    if (!['width', 'height', 'viewBox', 'xmlns'].includes(name)) g.setAttribute(name, value);
  }
  while (svgEl.firstChild) g.appendChild(svgEl.firstChild);
  return serialize(g).replace(/^<g xmlns="[^"]*"/, '<g');
}

/** The `<svg>` a Plot call produced: the element itself, or the last `<svg>` child of a `<figure>`. */
function plotSvgElement(el: Element): Element {
  if (el.tagName.toLowerCase() === 'svg') return el;
  const svgs = [...el.children].filter((c) => c.tagName.toLowerCase() === 'svg');
  if (svgs.length === 0) throw new Error('Observable Plot returned a figure without an <svg> child');
  return svgs[svgs.length - 1];
}

function legendFromScale(plot: PlotTypes.Plot, label: string | undefined): Legend | undefined {
  const scale = plot.scale('color');
  if (!scale) return undefined;
  const domain = [...(scale.domain ?? [])] as unknown[];
  if (scale.type === 'ordinal' || scale.type === 'categorical') {
    return { kind: 'swatches', label, items: domain.map((v) => ({ label: String(v), color: String(scale.apply(v)) })) };
  }
  const colors = [...(scale.range ?? [])].map(String);
  if (scale.type === 'threshold' || scale.type === 'quantile' || scale.type === 'quantize') {
    // Discrete bins: one swatch per colour, labelled with its interval.
    const t = (scale.type === 'quantize' ? (scale as { thresholds?: number[] }).thresholds ?? domain : domain).map(Number);
    const items = colors.map((color, i) => ({
      color,
      label: i === 0 ? `< ${formatTick(t[0])}` : i >= t.length ? `≥ ${formatTick(t[t.length - 1])}` : `${formatTick(t[i - 1])} – ${formatTick(t[i])}`,
    }));
    return { kind: 'swatches', label, items };
  }
  // Continuous: a gradient sampled from the scale itself (Plot's own ramp legend needs a canvas).
  const breaks = domain.map(Number);
  const segments = Math.max(1, breaks.length - 1);
  const stops: { offset: number; color: string }[] = [];
  const perSegment = 16;
  for (let s = 0; s < segments; s++) {
    for (let j = s === 0 ? 0 : 1; j <= perSegment; j++) {
      const f = j / perSegment;
      const v = breaks[s] + (breaks[Math.min(s + 1, breaks.length - 1)] - breaks[s]) * f;
      stops.push({ offset: round((s + f) / segments), color: String(scale.apply(v)) });
    }
  }
  const ticks = breaks.map((v, i) => ({ offset: i / segments, label: formatTick(v) }));
  if (breaks.length === 2) ticks.splice(1, 0, { offset: 0.5, label: formatTick((breaks[0] + breaks[1]) / 2) });
  return { kind: 'ramp', label: label ?? (typeof scale.label === 'string' ? scale.label : undefined), stops, ticks };
}

/** Tick text for legends: up to 3 significant digits, U+2212 minus as Plot's axes use. */
function formatTick(v: number): string {
  const s = Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
  return s.replace('-', '\u2212');
}

/** FNV-1a, for ids that are unique per content yet identical from run to run. */
export function hashString(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Render any Observable Plot specification to a `Figure`. Use this for charts the helpers do not
 * cover; it adds the jsdom `document`, pins the font, and turns `title`/`subtitle`/`caption` and a
 * colour legend (`color: {legend: true}`) into SVG instead of Plot's HTML `<figure>`.
 */
export function plotFigure(options: PlotTypes.PlotOptions, extra: FigureText & { legendLabel?: string } = {}): Figure {
  const { title, subtitle, caption, color, ...rest } = options;
  const text: FigureText = {
    title: extra.title ?? (typeof title === 'string' ? title : undefined),
    subtitle: extra.subtitle ?? (typeof subtitle === 'string' ? subtitle : undefined),
    caption: extra.caption ?? (typeof caption === 'string' ? caption : undefined),
  };
  const wantLegend = !!color?.legend;
  const plot = Plot.plot({ ...rest, ...(color ? { color: { ...color, legend: false } } : {}), document: plotDocument() });
  const svgEl = plotSvgElement(plot);
  svgEl.setAttribute('font-family', FONT_FAMILY);
  const width = Number(svgEl.getAttribute('width'));
  const height = Number(svgEl.getAttribute('height'));
  const legend = wantLegend ? legendFromScale(plot, extra.legendLabel ?? (typeof color?.label === 'string' ? color.label : undefined)) : undefined;
  return composeFigure(svgToGroup(svgEl), width, height, text, legend);
}

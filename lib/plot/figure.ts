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
 * only counters Plot keeps across calls are clip-path / pattern ids (`plot-clip-3`), which
 * `normalizeSvg` renumbers from 1 within each figure. Fonts are pinned to DejaVu Sans (with a
 * sans-serif fallback for notebook viewers), sizes are explicit, so snapshots are byte-stable.
 */
import { createRequire } from 'node:module';
import * as Plot from '@observablehq/plot';

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

// jsdom costs ~1 s to import, so it is loaded on the first render, not when lib/plot is imported.
type JsdomWindow = { document: Document; XMLSerializer: { new (): XMLSerializer } };
let jsdomWindow: JsdomWindow | undefined;
function window(): JsdomWindow {
  if (!jsdomWindow) {
    const { JSDOM } = createRequire(import.meta.url)('jsdom') as typeof import('jsdom');
    jsdomWindow = new JSDOM('').window as unknown as JsdomWindow;
  }
  return jsdomWindow;
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
 * appearance, so a figure's bytes do not depend on how many figures were drawn before it.
 */
export function normalizeSvg(svg: string): string {
  const seen = new Map<string, string>();
  const next = new Map<string, number>();
  return svg.replace(/\b(plot-[a-z]+(?:-[a-z]+)*-)(\d+)\b/g, (token, prefix: string) => {
    let out = seen.get(token);
    if (out === undefined) {
      const k = (next.get(prefix) ?? 0) + 1;
      next.set(prefix, k);
      out = `${prefix}${k}`;
      seen.set(token, out);
    }
    return out;
  });
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

/** A colour legend: swatches for a categorical scale, or Plot's own ramp (an SVG) for a continuous one. */
export type Legend =
  | { kind: 'swatches'; label?: string; items: readonly { label: string; color: string }[] }
  | { kind: 'svg'; svg: string; width: number; height: number };

/** Lay swatches out left to right, wrapping at `width`; returns the SVG group and its height. */
function swatchesSvg(legend: Extract<Legend, { kind: 'swatches' }>, x0: number, y0: number, width: number): { svg: string; height: number } {
  const rowH = 16;
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  if (legend.label) {
    parts.push(`<text x="${x}" y="${y + 9}" font-weight="bold" text-anchor="start">${escapeXml(legend.label)}</text>`);
    x += textWidth(legend.label, LEGEND_SIZE) + 10;
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

const round = (v: number) => Math.round(v * 100) / 100;

/**
 * Compose a figure: title and subtitle on top, then the legend, then the plot (an SVG string of
 * known size), then the caption — all as SVG, on a white background.
 */
export function composeFigure(plotSvg: string, plotWidth: number, plotHeight: number, text: FigureText = {}, legend?: Legend): Figure {
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
      parts.push(nestSvg(legend.svg, PAD, y));
      y += legend.height;
    }
  }
  if (y > 0) y += 4;
  parts.push(nestSvg(plotSvg, 0, y));
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

/** Place a standalone SVG at (x, y) inside another (drops its xmlns: the parent declares it). */
function nestSvg(svg: string, x: number, y: number): string {
  return svg.replace(/^<svg\b([^>]*?)\sxmlns="[^"]*"/, '<svg$1').replace(/^<svg\b/, `<svg x="${x}" y="${y}"`);
}

/** The `<svg>` a Plot call produced: the element itself, or the last `<svg>` child of a `<figure>`. */
function plotSvgElement(el: Element): Element {
  if (el.tagName.toLowerCase() === 'svg') return el;
  const svgs = [...el.children].filter((c) => c.tagName.toLowerCase() === 'svg');
  if (svgs.length === 0) throw new Error('Observable Plot returned a figure without an <svg> child');
  return svgs[svgs.length - 1];
}

function legendFromScale(plot: Plot.Plot, label: string | undefined): Legend | undefined {
  const scale = plot.scale('color');
  if (!scale) return undefined;
  if (scale.type === 'ordinal' || scale.type === 'categorical') {
    const items = (scale.domain as unknown[]).map((v) => ({ label: String(v), color: String(scale.apply(v)) }));
    return { kind: 'swatches', label, items };
  }
  const ramp = Plot.legend({ color: { ...scale, label: label ?? scale.label }, legend: 'ramp', document: plotDocument() } as Plot.LegendOptions);
  const el = plotSvgElement(ramp);
  el.setAttribute('font-family', FONT_FAMILY);
  return { kind: 'svg', svg: serialize(el), width: Number(el.getAttribute('width')), height: Number(el.getAttribute('height')) };
}

/**
 * Render any Observable Plot specification to a `Figure`. Use this for charts the helpers do not
 * cover; it adds the jsdom `document`, pins the font, and turns `title`/`subtitle`/`caption` and a
 * colour legend (`color: {legend: true}`) into SVG instead of Plot's HTML `<figure>`.
 */
export function plotFigure(options: Plot.PlotOptions, extra: FigureText & { legendLabel?: string } = {}): Figure {
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
  return composeFigure(serialize(svgEl), width, height, text, legend);
}

/**
 * Shared plumbing for the chart helpers: field accessors and wrapped facet grids.
 *
 * Observable Plot has no automatic facet wrapping (observablehq/plot#277), so a facet value `v`
 * at position i (first-appearance order) goes to column `fx = i % columns`, row
 * `fy = floor(i / columns)`; the facet name is drawn as a text mark above its panel and Plot's
 * own fx/fy axes are turned off.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './plot_runtime.cjs';
import { textWidth } from './figure.js';

/** A column of a row: a property name, or a function of the row. */
export type Field<T> = (keyof T & string) | ((d: T, i: number) => unknown);

export function getter<T>(field: Field<T>): (d: T, i: number) => unknown {
  return typeof field === 'function' ? field : (d: T) => (d as Record<string, unknown>)[field];
}

/** The label for an axis or legend: the given one, else the field's name, else nothing. */
export function labelOf<T>(field: Field<T> | undefined, given?: string): string | undefined {
  return given ?? (typeof field === 'string' ? field : undefined);
}

/** Distinct values in order of first appearance (or in `order`, then any others in appearance order). */
export function distinct(values: Iterable<unknown>, order?: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>(order ?? []);
  const out = [...(order ?? [])];
  for (const v of values) {
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

export interface FacetCell {
  key: unknown;
  label: string;
  fx: number;
  fy: number;
}

export interface FacetGrid {
  cells: FacetCell[];
  /** The cell of each facet value. */
  cellOf: Map<unknown, FacetCell>;
  columns: number;
  rows: number;
}

/** Wrap facet values into a grid of `columns` columns (at most as many as there are values). */
export function facetGrid(keys: readonly unknown[], columns: number): FacetGrid {
  const cols = Math.max(1, Math.min(Math.floor(columns), keys.length));
  const cells = keys.map((key, i) => ({ key, label: String(key), fx: i % cols, fy: Math.floor(i / cols) }));
  return { cells, cellOf: new Map(cells.map((c) => [c.key, c])), columns: cols, rows: Math.max(1, Math.ceil(keys.length / cols)) };
}

/**
 * Facet titles: one bold text mark above each panel (left-aligned). Given `panelWidth`, a title too
 * wide for its panel is fitted (`fitTitle`: smaller font, then wrapped after '/') instead of running
 * into the next panel; titles that fit are drawn exactly as without it.
 */
export function facetLabels(grid: FacetGrid, panelWidth?: number): PlotTypes.Markish {
  const base = { fx: 'fx', fy: 'fy', text: 'label', frameAnchor: 'top-left', lineAnchor: 'bottom', dy: -8, fontWeight: 'bold' } as const;
  const fitted = panelWidth === undefined ? undefined : grid.cells.map((c) => fitTitle(c.label, panelWidth - 4, { size: 11, minSize: 8 }));
  if (!fitted || fitted.every((f) => f.fontSize === 11 && f.lines.length === 1)) return Plot.text(grid.cells, { ...base, fontSize: 11 });
  const cells = grid.cells.map((c, i) => ({ ...c, label: fitted[i]!.lines.join('\n'), size: fitted[i]!.fontSize }));
  return Plot.text(cells, { ...base, fontSize: (d: { size: number }) => d.size });
}

/** Plot options for a wrapped grid: hide Plot's fx/fy axes, leave room for the facet titles. */
export function gridScales(grid: FacetGrid): Pick<PlotTypes.PlotOptions, 'fx' | 'fy' | 'facet'> {
  return {
    fx: { axis: null, domain: range(grid.columns), paddingInner: 0.1 },
    fy: { axis: null, domain: range(grid.rows), paddingInner: grid.rows > 1 ? 0.22 : 0 },
    facet: { label: null },
  };
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * A tick count for an x axis `panelWidth` px wide: about one tick per 60 px, at least 3. Plot's own
 * default (width / 80, computed from the whole figure's width) leaves a single tick on narrow facets.
 */
export function xTickCount(panelWidth: number): number {
  return Math.max(3, Math.round(panelWidth / 60));
}

/**
 * Fit a panel title into `width` px (bold DejaVu Sans): the font shrinks from `size` to `minSize`;
 * if still too wide the title wraps after '/' (metric keys are paths) onto at most `maxLines` lines;
 * a line still too wide is shortened in the middle with '…' (so both ends of a key stay readable).
 */
export function fitTitle(title: string, width: number, opts: { size?: number; minSize?: number; maxLines?: number } = {}): { lines: string[]; fontSize: number } {
  const size = opts.size ?? 12;
  const minSize = opts.minSize ?? 9;
  const maxLines = opts.maxLines ?? 2;
  const w = (s: string, fs: number) => textWidth(s, fs) * 1.08; // bold is ~8% wider
  for (let fs = size; fs >= minSize; fs--) if (w(title, fs) <= width) return { lines: [title], fontSize: fs };
  const fs = minSize;
  const parts = title.split(/(?<=\/)/);
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur && w(cur + p, fs) > width && lines.length < maxLines - 1) {
      lines.push(cur);
      cur = p;
    } else cur += p;
  }
  lines.push(cur);
  return { lines: lines.map((l) => (w(l, fs) <= width ? l : middleEllipsis(l, (s) => w(s, fs) <= width))), fontSize: fs };
}

function middleEllipsis(s: string, fits: (s: string) => boolean): string {
  for (let keep = s.length - 1; keep > 1; keep--) {
    const head = Math.ceil(keep / 2);
    const t = `${s.slice(0, head)}\u2026${s.slice(s.length - (keep - head))}`;
    if (fits(t)) return t;
  }
  return '\u2026';
}

/**
 * Showing figures and tables in a notebook, without breaking anywhere else.
 *
 * Inside a tslab kernel, `show(fig)` sends ONE display output carrying a bundle of representations:
 * `image/png` (rendered by resvg at twice the figure's size, with `width`/`height` metadata so it
 * displays at the figure's own size) and `text/plain` (a one-line description). PNG is what survives
 * everywhere notebooks are read: nbconvert's HTML export, GitHub and other viewers. The SVG is left
 * out of the bundle by default on purpose: nbconvert ranks `image/svg+xml` above `image/png`, and
 * Debian's nbconvert 6.5 then strips the inline SVG in its HTML sanitiser, so a bundle with both
 * exports as a blank figure (checked by test/notebook/html_export.test.ts). `show(fig, { svg: true })`
 * adds it for front ends that render SVG (JupyterLab). `showTable(rows)` sends an HTML table
 * (`text/html` + a `text/plain` copy); it takes an array of objects or an arquero table.
 * Outside a kernel (tests, CLI, plain Node) there is no display — tslab's own `display.raw` throws
 * `Error("Not ready")` there — and we return the SVG / a plain-text table instead, so the same
 * notebook code runs as a script.
 *
 * Finding tslab: the kernel evaluates code with `globalThis.__tslab__.require`, a `require` that
 * maps `"tslab"` to the running kernel's own module (whichever tslab install started the kernel);
 * that global exists only inside a kernel. A bundle needs tslab's message writer
 * (`tslab/dist/jupyter`'s `lastWriteDisplayData`, what its `display.raw` calls with one MIME type):
 * the kernelspec starts this project's own tslab, so requiring that module file from the repository
 * returns the running instance. If it cannot be found, the PNG alone goes through `display.png`.
 * We do not import this project's `tslab` package statically: its display would not be connected
 * unless it is the very instance running the kernel, and loading it costs ~0.4 s (it bundles a
 * TypeScript compiler). `useDisplay(display)` hands a display over explicitly. A display that
 * throws "Not ready" is skipped; any other error propagates.
 */
import { escapeXml, toSvg, type Figure } from './figure.js';
import { toPng } from './output.js';

/** The part of `tslab.display` we use (`png` and `bundle` are optional; `svg` is the last resort). */
export interface Display {
  svg(s: string): void;
  html(s: string): void;
  png?(b: Uint8Array): void;
  /** One display output with several MIME representations (values: strings; images base64). */
  bundle?(data: Record<string, string>, metadata: Record<string, unknown>): void;
}

let injected: Display | null = null;

/** Route `show`/`showTable` to this display (e.g. `tslab.display` from a cell); `null` to undo. */
export function useDisplay(display: Display | null): void {
  injected = display;
}

function candidates(): Display[] {
  const out: Display[] = [];
  if (injected) out.push(injected);
  const hook = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  const fromKernel = tryDisplay(() => hook?.require?.('tslab'));
  if (fromKernel) {
    const writer = tryWriter(() => hook?.require?.('tslab/dist/jupyter'));
    out.push(writer && !fromKernel.bundle ? { ...bindDisplay(fromKernel), bundle: writer } : fromKernel);
  }
  return out;
}

function bindDisplay(d: Display): Display {
  return { svg: (s) => d.svg(s), html: (s) => d.html(s), png: d.png ? (b) => d.png!(b) : undefined };
}

type WriteDisplayData = (content: { data: Record<string, string>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** tslab's display_data writer, read at call time (it is set while a cell executes, null otherwise). */
function tryWriter(load: () => unknown): Display['bundle'] | undefined {
  let mod: { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
  try {
    mod = load() as typeof mod;
  } catch {
    return undefined;
  }
  if (!mod || !('lastWriteDisplayData' in mod)) return undefined;
  return (data, metadata) => {
    const write = mod!.lastWriteDisplayData;
    if (typeof write !== 'function') throw new Error('Not ready');
    write({ data, metadata, transient: {} }, false);
  };
}

function tryDisplay(load: () => unknown): Display | undefined {
  try {
    const mod = load() as { display?: Display } | undefined;
    return mod?.display && typeof mod.display.svg === 'function' ? mod.display : undefined;
  } catch {
    return undefined;
  }
}

const notReady = (e: unknown) => e instanceof Error && e.message === 'Not ready';

/** Try each display in turn; true when one took the output. Errors other than "Not ready" propagate. */
function emit(send: (d: Display) => void): boolean {
  for (const d of candidates()) {
    try {
      send(d);
      return true;
    } catch (e) {
      if (!notReady(e)) throw e;
    }
  }
  return false;
}

export interface ShowOptions {
  /** Also put the SVG in the bundle (front ends that prefer SVG show it; nbconvert 6.5's HTML export then blanks the figure). */
  svg?: boolean;
  /** PNG pixels per figure pixel (default 2, sharp on high-density screens). */
  scale?: number;
}

/** The display bundle of a figure: PNG (+ SVG on request) and a text description, with size metadata. */
export function figureBundle(fig: Figure, options: ShowOptions = {}): { data: Record<string, string>; metadata: Record<string, unknown>; png: Uint8Array } {
  const png = toPng(fig, { width: Math.round(fig.width * (options.scale ?? 2)) });
  const title = fig.title ? `: ${fig.title}` : '';
  const data: Record<string, string> = { 'image/png': Buffer.from(png).toString('base64'), 'text/plain': `<Figure ${fig.width}×${fig.height}${title}>` };
  if (options.svg) data['image/svg+xml'] = toSvg(fig);
  return { data, metadata: { 'image/png': { width: fig.width, height: fig.height } }, png };
}

/**
 * Show a figure in the notebook. In a tslab kernel it displays the bundle (PNG, text; SVG when asked)
 * and returns `undefined` (so the cell does not also print markup); elsewhere it returns the standalone
 * SVG string.
 */
export function show(fig: Figure, options: ShowOptions = {}): string | undefined {
  let bundle: ReturnType<typeof figureBundle> | undefined;
  const shown = emit((d) => {
    if (d.bundle) {
      bundle ??= figureBundle(fig, options);
      d.bundle(bundle.data, bundle.metadata);
    } else if (d.png) {
      bundle ??= figureBundle(fig, options);
      d.png(bundle.png);
    } else d.svg(toSvg(fig));
  });
  return shown ? undefined : toSvg(fig);
}

export interface TableOptions {
  /** Columns to show, in order (default: keys of all rows, in first-appearance order). */
  columns?: readonly string[];
  /** Rows to show before "… N more rows" (default 50). */
  maxRows?: number;
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
  /** How many rows the whole table has when `rows` is only its head (for the "… N more rows" line). */
  totalRows?: number;
}

/** A cell as text: integers as is, other numbers to `digits` significant digits, objects as JSON. */
export function formatCell(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    return String(Number(v.toPrecision(digits)));
  }
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function layout(rows: readonly object[], options: TableOptions) {
  const columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const maxRows = options.maxRows ?? 50;
  const shown = rows.slice(0, maxRows);
  const cells = shown.map((r) => columns.map((c) => formatCell((r as Record<string, unknown>)[c], options.digits)));
  const numeric = columns.map((c) => shown.length > 0 && shown.every((r) => {
    const v = (r as Record<string, unknown>)[c];
    return v === null || v === undefined || typeof v === 'number' || typeof v === 'bigint';
  }));
  return { columns, cells, numeric, more: Math.max(rows.length, options.totalRows ?? 0) - shown.length };
}

/** An HTML `<table>` of rows (numbers right-aligned). */
export function tableHtml(rows: readonly object[], options: TableOptions = {}): string {
  const { columns, cells, numeric, more } = layout(rows, options);
  const align = (j: number) => (numeric[j] ? ' style="text-align:right"' : ' style="text-align:left"');
  const head = columns.map((c, j) => `<th${align(j)}>${escapeXml(c)}</th>`).join('');
  const body = cells.map((r) => `<tr>${r.map((v, j) => `<td${align(j)}>${escapeXml(v)}</td>`).join('')}</tr>`).join('\n');
  const foot = more > 0 ? `\n<tr><td colspan="${columns.length}" style="text-align:left">… ${more} more rows</td></tr>` : '';
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}${foot}\n</tbody>\n</table>`;
}

/** A plain-text table (columns padded, numbers right-aligned), for terminals and logs. */
export function tableText(rows: readonly object[], options: TableOptions = {}): string {
  const { columns, cells, numeric, more } = layout(rows, options);
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const pad = (s: string, j: number) => (numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]));
  const line = (r: readonly string[]) => r.map(pad).join('  ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  if (more > 0) out.push(`… ${more} more rows`);
  return out.join('\n');
}

/** The part of an arquero table `showTable` reads (its rows as objects, and its column names in order). */
export interface TableLike {
  objects(options?: { limit?: number }): object[];
  columnNames(): string[];
  numRows(): number;
}

function isTableLike(x: unknown): x is TableLike {
  return typeof x === 'object' && x !== null && typeof (x as TableLike).objects === 'function' && typeof (x as TableLike).columnNames === 'function';
}

/** Rows of an array or an arquero table (its column order kept; only the rows shown are materialised, plus a count). */
function asRows(t: readonly object[] | TableLike, options: TableOptions): { rows: readonly object[]; options: TableOptions } {
  if (!isTableLike(t)) return { rows: t, options };
  const maxRows = options.maxRows ?? 50;
  const shown = t.objects({ limit: maxRows });
  return { rows: shown, options: { columns: t.columnNames(), ...options, maxRows, totalRows: t.numRows() } };
}

/**
 * Show rows (an array of objects or an arquero table) as a table. In a tslab kernel it displays an
 * HTML table and returns `undefined`; elsewhere it returns the plain-text table.
 */
export function showTable(table: readonly object[] | TableLike, options: TableOptions = {}): string | undefined {
  const { rows, options: o } = asRows(table, options);
  const html = tableHtml(rows, o);
  return emit((d) => (d.bundle ? d.bundle({ 'text/html': html, 'text/plain': tableText(rows, o) }, {}) : d.html(html))) ? undefined : tableText(rows, o);
}

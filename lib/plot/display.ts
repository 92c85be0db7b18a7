/**
 * Showing figures and tables in a notebook, without breaking anywhere else.
 *
 * Inside a tslab kernel, `show(fig)` sends the SVG to the cell output (`tslab.display.svg`) and
 * `showTable(rows)` an HTML table (`tslab.display.html`). Outside a kernel (tests, CLI, plain
 * Node) there is no display — tslab's own `display.raw` throws `Error("Not ready")` there — and we
 * return the SVG / a plain-text table instead, so the same notebook code runs as a script.
 *
 * Finding tslab: the kernel evaluates code with `globalThis.__tslab__.require`, a `require` that
 * maps `"tslab"` to the running kernel's own module (whichever tslab install started the kernel);
 * that global exists only inside a kernel. We do not import this project's `tslab` package: its
 * display would not be connected unless it is the very instance running the kernel, and loading it
 * costs ~0.4 s (it bundles a TypeScript compiler). `useDisplay(tslab.display)` hands a display
 * over explicitly. A display that throws "Not ready" is skipped; any other error propagates.
 */
import { escapeXml, toSvg, type Figure } from './figure.js';

/** The part of `tslab.display` we use. */
export interface Display {
  svg(s: string): void;
  html(s: string): void;
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
  if (fromKernel) out.push(fromKernel);
  return out;
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

/**
 * Show a figure in the notebook. In a tslab kernel it displays the SVG and returns `undefined`
 * (so the cell does not also print the markup); elsewhere it returns the standalone SVG string.
 */
export function show(fig: Figure): string | undefined {
  const svg = toSvg(fig);
  return emit((d) => d.svg(svg)) ? undefined : svg;
}

export interface TableOptions {
  /** Columns to show, in order (default: keys of all rows, in first-appearance order). */
  columns?: readonly string[];
  /** Rows to show before "… N more rows" (default 50). */
  maxRows?: number;
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
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
  return { columns, cells, numeric, more: rows.length - shown.length };
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

/**
 * Show rows as a table. In a tslab kernel it displays an HTML table and returns `undefined`;
 * elsewhere it returns the plain-text table.
 */
export function showTable(rows: readonly object[], options: TableOptions = {}): string | undefined {
  const html = tableHtml(rows, options);
  return emit((d) => d.html(html)) ? undefined : tableText(rows, options);
}

/**
 * Plain-text tables for terminal output (CLI summaries): a header row, a dashed rule, padded
 * columns. Numbers are formatted (integers as they are, others to 3 decimals by default); the
 * first column is left-aligned and the rest right-aligned unless `left` says otherwise.
 */
export interface TextTableOptions {
  /** Which columns to left-align (default: only column 0). */
  left?: (column: number) => boolean;
  /** How to print a number (default: integers plainly, others with 3 decimals). */
  formatNumber?: (x: number) => string;
}

const defaultNumber = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));

export function textTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], opts: TextTableOptions = {}): string {
  const left = opts.left ?? ((j: number) => j === 0);
  const num = opts.formatNumber ?? defaultNumber;
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === 'number' ? num(c) : c)))];
  const w = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const line = (r: readonly string[]) => r.map((c, j) => (left(j) ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ');
  return [line(cells[0]), w.map((x) => '-'.repeat(x)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/**
 * Small statistics and CSV helpers of the main job's report, free of heavy imports (the notebook
 * kernel loads this through lib/train/zoo.ts).
 *
 * Two intervals are used:
 *   meanCi95(xs)   mean ± 1.96·SE, SE = sample std (n − 1) / √n — a normal interval over many scores
 *                  (held-out prompt × seed), as the first report used.
 *   tCi95(xs)      mean ± t_{0.975, n−1}·SE — Student's t interval over few values (one per seed): the
 *                  right interval for a per-seed mean or a paired per-seed difference with n = 5.
 */

/** mean ± 1.96·SE, SE = sample std (n − 1) / √n over the scores given. */
export function meanCi95(xs: readonly number[]): { n: number; mean: number; se: number; lo: number; hi: number } {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, se: NaN, lo: NaN, hi: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const se = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n) : 0;
  return { n, mean, se, lo: mean - 1.96 * se, hi: mean + 1.96 * se };
}

/** t_{0.975, df} for df = 1 … 30 (two-sided 95%); the normal 1.96 beyond. */
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  return df < T975.length ? T975[Math.floor(df)] : 1.96;
}

/** mean ± t_{0.975, n−1}·SE over a few values (e.g. one per seed); n = 1 gives an infinite interval. */
export function tCi95(xs: readonly number[]): { n: number; mean: number; se: number; lo: number; hi: number } {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, se: NaN, lo: NaN, hi: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, se: NaN, lo: -Infinity, hi: Infinity };
  const se = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
  const t = tQuantile975(n - 1);
  return { n, mean, se, lo: mean - t * se, hi: mean + t * se };
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

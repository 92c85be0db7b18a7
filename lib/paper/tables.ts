/**
 * GoLongRL's reported results tables (data/paper/*.csv, sources in data/paper/README.md): loading,
 * recomputing the six-benchmark average, and checking the README's headline claims.
 *
 * Avg = unweighted mean of DocMath, LBV2, Frames, MRCR, CorpusQA, LBV1-QA (GOLONGRL.md §E). The
 * inputs are rounded to one decimal, so a recomputed mean can differ from an Avg computed on the
 * unrounded scores by up to 0.05, and the reported Avg is itself rounded (±0.05): a row is
 * `consistent` when |recomputed − reported| ≤ 0.1, and `exact` when the recomputed mean rounded to one
 * decimal equals the reported value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/jsonl.js';

export const BENCHMARKS = ['DocMath', 'LBV2', 'Frames', 'MRCR', 'CorpusQA', 'LBV1-QA'] as const;
export type Benchmark = (typeof BENCHMARKS)[number];

export interface ResultRow {
  model: string;
  role: 'base' | 'baseline' | 'reference' | 'ours';
  /** The Avg column as reported. */
  avg: number;
  scores: Record<Benchmark, number>;
}

export interface ResultsTable {
  name: string;
  file: string;
  rows: ResultRow[];
}

export const PAPER_TABLES = { '30b': 'results_30b.csv', '4b': 'results_4b.csv' } as const;

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseResultsCsv(text: string, file: string): ResultRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const want = ['model', 'role', 'avg', ...BENCHMARKS];
  if (header.join(',') !== want.join(',')) throw new InputError(file, 1, '<header>', `expected columns ${want.join(',')}, got ${header.join(',')}`);
  return lines.slice(1).map((l, i) => {
    const cells = splitCsvLine(l);
    const line = i + 2;
    if (cells.length !== want.length) throw new InputError(file, line, '<row>', `expected ${want.length} cells, got ${cells.length}`);
    const num = (col: string, s: string): number => {
      const v = Number(s);
      if (s.trim() === '' || !Number.isFinite(v) || v < 0 || v > 100) throw new InputError(file, line, col, `expected a score in [0, 100], got '${s}'`);
      return v;
    };
    const role = cells[1] as ResultRow['role'];
    if (!['base', 'baseline', 'reference', 'ours'].includes(role)) throw new InputError(file, line, 'role', `expected base|baseline|reference|ours, got '${role}'`);
    const scores = Object.fromEntries(BENCHMARKS.map((b, j) => [b, num(b, cells[3 + j]!)])) as Record<Benchmark, number>;
    return { model: cells[0]!, role, avg: num('avg', cells[2]!), scores };
  });
}

/** Load one table from a data/paper directory (default: `<cwd>/data/paper`). */
export function loadResultsTable(name: keyof typeof PAPER_TABLES, dir = join(process.cwd(), 'data', 'paper')): ResultsTable {
  const file = join(dir, PAPER_TABLES[name]);
  return { name, file, rows: parseResultsCsv(readFileSync(file, 'utf8'), file) };
}

export function meanOfBenchmarks(r: ResultRow): number {
  return BENCHMARKS.reduce((s, b) => s + r.scores[b], 0) / BENCHMARKS.length;
}

export interface AvgCheck {
  model: string;
  reported: number;
  recomputed: number;
  diff: number;
  /** round(recomputed, 1) === reported */
  exact: boolean;
  /** |diff| ≤ 0.1 (input rounding 0.05 + output rounding 0.05) */
  consistent: boolean;
}

const round1 = (x: number): number => Math.round(x * 10 + 1e-9) / 10;

export function checkAverages(t: ResultsTable): AvgCheck[] {
  return t.rows.map((r) => {
    const recomputed = meanOfBenchmarks(r);
    const diff = recomputed - r.avg;
    return { model: r.model, reported: r.avg, recomputed, diff, exact: round1(recomputed) === r.avg, consistent: Math.abs(diff) <= 0.1 + 1e-9 };
  });
}

export function row(t: ResultsTable, model: string): ResultRow {
  const r = t.rows.find((x) => x.model === model);
  if (!r) throw new Error(`${t.file}: no row '${model}' (rows: ${t.rows.map((x) => x.model).join(', ')})`);
  return r;
}

export interface ClaimCheck {
  claim: string;
  source: string;
  /** The number the README states. */
  stated: number;
  /** The same quantity from the reported Avg / score columns. */
  fromReported: number;
  /** The same quantity from recomputed averages (equal to fromReported for per-benchmark claims). */
  fromRecomputed: number;
  holds: boolean;
  detail?: string;
}

const README = 'GoLongRL README.md (Key findings / TMN-Reweight paragraph)';

/** The README's headline claims, each recomputed from the tables. */
export function checkClaims(t30: ResultsTable, t4: ResultsTable): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const diff = (a: ResultRow, b: ResultRow) => ({ rep: a.avg - b.avg, rec: meanOfBenchmarks(a) - meanOfBenchmarks(b) });
  const close = (x: number, y: number) => Math.abs(x - y) < 0.05 + 1e-9;
  const g4 = row(t4, 'GoLongRL-4B (GRPO)');
  const q4 = row(t4, 'QwenLong-L1.5-4B (GRPO)');
  const tmn = row(t4, 'GoLongRL-4B (TMN-Reweight)');
  const aepo = row(t4, 'QwenLong-L1.5-4B (AEPO)');
  const g30 = row(t30, 'GoLongRL-30B-A3B (Ours)');
  const q30 = row(t30, 'QwenLong-L1.5 (w. GRPO)');
  let d = diff(g4, q4);
  out.push({ claim: '+6.1 avg at 4B (GoLongRL data vs QwenLong-L1.5 data, both GRPO)', source: README, stated: 6.1, fromReported: d.rep, fromRecomputed: d.rec, holds: close(d.rep, 6.1) });
  d = diff(g30, q30);
  out.push({ claim: '+2.6 avg at 30B (GoLongRL-30B-A3B vs QwenLong-L1.5 w. GRPO)', source: README, stated: 2.6, fromReported: d.rep, fromRecomputed: d.rec, holds: close(d.rep, 2.6) });
  out.push({ claim: 'TMN-Reweight reaches 63.0 at 4B', source: README, stated: 63.0, fromReported: tmn.avg, fromRecomputed: meanOfBenchmarks(tmn), holds: close(tmn.avg, 63.0) });
  out.push({ claim: 'QwenLong-L1.5-4B with AEPO: 59.4 (TMN-Reweight surpasses it)', source: README, stated: 59.4, fromReported: aepo.avg, fromRecomputed: meanOfBenchmarks(aepo), holds: close(aepo.avg, 59.4) && tmn.avg > aepo.avg && meanOfBenchmarks(tmn) > meanOfBenchmarks(aepo) });
  d = diff(tmn, g4);
  out.push({ claim: '+0.8 avg from TMN-Reweight over GRPO at 4B', source: README, stated: 0.8, fromReported: d.rep, fromRecomputed: d.rec, holds: close(d.rep, 0.8) });
  const gains = BENCHMARKS.map((b) => ({ b, g: tmn.scores[b] - g4.scores[b] })).sort((x, y) => y.g - x.g);
  const top = gains[0]!;
  out.push({
    claim: 'largest TMN-Reweight gain on CorpusQA (+4.5)',
    source: `${README}; the number 4.5 from GOLONGRL.md §E`,
    stated: 4.5,
    fromReported: top.g,
    fromRecomputed: top.g,
    holds: top.b === 'CorpusQA' && close(top.g, 4.5),
    detail: gains.map((x) => `${x.b} ${x.g >= 0 ? '+' : ''}${x.g.toFixed(1)}`).join(', '),
  });
  return out;
}

/** Long-format rows for plotting: one per model × benchmark (plus Avg as reported). */
export function longRows(t: ResultsTable, withAvg = true): { model: string; role: string; benchmark: string; score: number }[] {
  const out: { model: string; role: string; benchmark: string; score: number }[] = [];
  for (const r of t.rows) {
    for (const b of BENCHMARKS) out.push({ model: r.model, role: r.role, benchmark: b, score: r.scores[b] });
    if (withAvg) out.push({ model: r.model, role: r.role, benchmark: 'Avg', score: r.avg });
  }
  return out;
}

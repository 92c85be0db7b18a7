/**
 * `golongrl results` — the evaluation results database (lib/eval/results_db.ts) as a table: one line per
 * (run, step, benchmark), its metrics as columns, plus the six-benchmark average per step when all six
 * long-context benchmarks are present (lib/eval/benchmarks.ts `sixBenchmarkAverage`). `--json` prints the
 * raw rows and the averages.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sixBenchmarkAverage } from '../eval/benchmarks.js';
import { ResultsDb, type StoredResult } from '../eval/results_db.js';
import { DEFAULT_DB } from './eval.js';
import { EXIT_OK, UsageError } from './io.js';

export const RESULTS_HELP = `golongrl results [--run NAME] [--benchmark B] [--long] [--db FILE] [--json]

The evaluation results (default database ${DEFAULT_DB}): one line per (run, step, benchmark) with its
metrics, and the six-benchmark average (DocMath, LBV2, Frames, MRCR, CorpusQA, LBV1-QA headline numbers,
unweighted, as the GoLongRL tables) for steps that have all six. --benchmark B: only that benchmark's rows.
--long: one line per (run, step, benchmark, metric) instead of metric columns (the verl benchmarks have many
metrics; docs/eval.md explains each). Local-trainer checkpoints have greedy metrics (<family>, mean) and
sampled ones (sampled/<family>, sampled/mean). Checkpoints that failed or were MISSED (removed before
evaluation) are listed below the table. --json: {rows, checkpoints, missed, averages}.`;

export interface ResultsTable {
  header: string[];
  lines: string[][];
}

/** Group rows into a text table: run, step, benchmark, then one column per metric. */
export function resultsTable(rows: readonly StoredResult[]): ResultsTable {
  const metrics = [...new Set(rows.map((r) => r.metric))].sort();
  const groups = new Map<string, StoredResult[]>();
  for (const r of rows) {
    const k = `${r.run}\u0000${String(r.step).padStart(12, '0')}\u0000${r.benchmark}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const lines = [...groups.keys()].sort().map((k) => {
    const g = groups.get(k) as StoredResult[];
    const byMetric = new Map(g.map((r) => [r.metric, r.value]));
    return [g[0].run, String(g[0].step), g[0].benchmark, ...metrics.map((m) => (byMetric.has(m) ? fmt(byMetric.get(m) as number) : ''))];
  });
  return { header: ['run', 'step', 'benchmark', ...metrics], lines };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
}

export function renderTable(t: ResultsTable): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.lines.map((l) => l[i].length)));
  const row = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [row(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.lines.map(row)].join('\n');
}

export async function runResults(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { run: { type: 'string' }, benchmark: { type: 'string' }, long: { type: 'boolean', default: false }, db: { type: 'string', default: DEFAULT_DB }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(RESULTS_HELP + '\n');
    return EXIT_OK;
  }
  if (!existsSync(values.db)) throw new UsageError(`no results database at ${values.db} (run 'golongrl eval watch' first, or pass --db FILE)`);
  const db = new ResultsDb(values.db);
  try {
    const rows = db.results(values.run);
    const steps = new Map<string, StoredResult[]>();
    for (const r of rows) steps.set(`${r.run}\u0000${r.step}`, [...(steps.get(`${r.run}\u0000${r.step}`) ?? []), r]);
    const averages = [...steps.values()].map((g) => ({ run: g[0].run, step: g[0].step, ...sixBenchmarkAverage(g) })).filter((a) => Object.keys(a.columns).length > 0);
    const runs = values.run ? [values.run] : db.runs().map((r) => r.run);
    const checkpoints = runs.flatMap((r) => db.checkpoints(r));
    const missed = runs.flatMap((r) => db.missed(r).map((m) => ({ run: r, ...m })));
    if (values.json) {
      process.stdout.write(JSON.stringify({ db: values.db, rows, checkpoints, missed, averages }) + '\n');
      return EXIT_OK;
    }
    const shown = values.benchmark ? rows.filter((r) => r.benchmark === values.benchmark) : rows;
    if (shown.length === 0) process.stdout.write(`no results${values.run ? ` for run '${values.run}'` : ''}${values.benchmark ? ` for benchmark '${values.benchmark}'` : ''} in ${values.db}\n`);
    else if (values.long) process.stdout.write(renderTable({ header: ['run', 'step', 'benchmark', 'metric', 'value'], lines: shown.map((r) => [r.run, String(r.step), r.benchmark, r.metric, fmt(r.value)]) }) + '\n');
    else process.stdout.write(renderTable(resultsTable(shown)) + '\n');
    for (const a of averages) process.stdout.write(`${a.run} step ${a.step}: six-benchmark average ${a.average === null ? `n/a (missing ${a.missing.join(', ')})` : a.average.toFixed(1)}\n`);
    const open = checkpoints.filter((c) => c.state !== 'done');
    for (const c of open) process.stdout.write(`${c.run} step ${c.step}: ${c.state}${c.error ? ` (${c.error})` : ''}, ${c.attempts} attempt(s)\n`);
    for (const m of missed) process.stdout.write(`${m.run} step ${m.step}: MISSED, ${m.reason}\n`);
    return EXIT_OK;
  } finally {
    db.close();
  }
}

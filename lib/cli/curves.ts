/**
 * `golongrl curves LOGS…` — read training curves from TensorBoard run directories / event files,
 * verl console logs and metrics JSONL (verl file logger, our trainer), group runs by config, smooth
 * them with TensorBoard's debiased EMA, and summarise, plot (PNG) or export (CSV) mean ± std across
 * seeds. Readers: lib/logs/*.ts; formats and formula: docs/curves.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { aggregateRuns, configOf, loadRun, selectKeys, type BandRow, type Run } from '../logs/runs.js';
import { EXIT_FAILURE, EXIT_OK, LineWriter, Progress, UsageError } from './io.js';

export const CURVES_HELP = `golongrl curves LOGS… [options]

Training curves from logs. Each LOG is a TensorBoard run directory or events.out.tfevents.* file,
a metrics JSONL file (verl file logger / golongrl train's metrics.jsonl, or its run directory), or a
verl console log (any other file). Runs that differ only by a seed suffix (-s1, _seed2) form one config.
  --keys K1,K2          metric keys to show (default: all, or --match)
  --match REGEX         keys matching REGEX (e.g. 'task_metrics/.*/mean_reward')
  --smooth W            TensorBoard EMA weight in [0, 1) applied per run before averaging (default 0.6)
  --group-by SPEC       strip-seed (default) | name | dir | label:KEY | re:REGEX (first capture group)
  --align MODE          intersection (default: steps every run of a config has) | union
  --plot OUT.png        one panel per key (own y scale), mean ± std band per config
  --csv OUT.csv         config,key,step,mean,std,lo,hi,min,max,n
  --tolerate-truncated  TensorBoard: ignore a truncated last record (a run still being written)
  --json                print runs, issues and the per-key summary as one JSON object`;

const MAX_PLOT_KEYS = 12;

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function bandsToCsv(rows: readonly BandRow[]): string {
  const cols = ['config', 'key', 'step', 'mean', 'std', 'lo', 'hi', 'min', 'max', 'n'] as const;
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export interface CurveSummary {
  config: string;
  key: string;
  runs: number;
  firstStep: number;
  lastStep: number;
  first: number;
  last: number;
  lastStd: number;
}

export function summarize(rows: readonly BandRow[]): CurveSummary[] {
  const by = new Map<string, BandRow[]>();
  for (const r of rows) {
    const k = `${r.config}\u0000${r.key}`;
    let g = by.get(k);
    if (!g) by.set(k, (g = []));
    g.push(r);
  }
  return [...by.values()].map((g) => {
    const a = g[0]!;
    const z = g[g.length - 1]!;
    return { config: a.config, key: a.key, runs: Math.max(...g.map((r) => r.n)), firstStep: a.step, lastStep: z.step, first: a.mean, last: z.mean, lastStd: z.std };
  });
}

export async function runCurves(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      keys: { type: 'string' },
      match: { type: 'string' },
      smooth: { type: 'string', default: '0.6' },
      'group-by': { type: 'string', default: 'strip-seed' },
      align: { type: 'string', default: 'intersection' },
      plot: { type: 'string' },
      csv: { type: 'string' },
      'tolerate-truncated': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(CURVES_HELP + '\n');
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('give at least one LOG (run directory, event file, .jsonl or console log)');
  if (values.keys && values.match) throw new UsageError('--keys and --match are exclusive');
  const smooth = Number(values.smooth);
  if (!(smooth >= 0 && smooth < 1)) throw new UsageError(`--smooth must be in [0, 1), got '${values.smooth}'`);
  if (values.align !== 'intersection' && values.align !== 'union') throw new UsageError(`--align must be intersection or union, got '${values.align}'`);
  let match: RegExp | undefined;
  if (values.match) {
    try {
      match = new RegExp(values.match);
    } catch (e) {
      throw new UsageError(`--match: ${(e as Error).message}`);
    }
  }
  const groupBy = values['group-by'];
  const progress = new Progress('curves: reading', positionals.length, false, 'logs');
  const runs: Run[] = [];
  for (const p of positionals) {
    let run: Run;
    try {
      run = loadRun(p, { tolerateTruncatedTail: values['tolerate-truncated'] });
      run.labels.config = configOf(run, groupBy);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' || err.name === 'InputError') throw e;
      if (/^unknown group spec|has no label|does not match/.test(err.message)) throw new UsageError(err.message);
      process.stderr.write(`golongrl curves: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    runs.push(run);
    progress.tick(runs.length);
  }
  progress.done(runs.length);
  const keys = selectKeys(runs, { keys: values.keys?.split(',').map((k) => k.trim()).filter(Boolean), match });
  if (keys.length === 0) throw new UsageError(`no metric key selected (the runs have ${selectKeys(runs).length} keys; check --keys/--match)`);
  const rows = aggregateRuns(runs, keys, { smooth, align: values.align });
  const summary = summarize(rows);
  const issues = runs.flatMap((r) => r.issues.map((i) => ({ run: r.name, ...i })));
  for (const i of issues) process.stderr.write(`golongrl curves: warning: ${i.file}${i.line !== undefined ? `:${i.line}` : ''}${i.offset !== undefined ? ` (byte ${i.offset})` : ''}: ${i.key ? `'${i.key}': ` : ''}${i.reason}\n`);

  let plotted: string[] | undefined;
  if (values.plot) {
    plotted = keys.slice(0, MAX_PLOT_KEYS);
    if (keys.length > MAX_PLOT_KEYS) process.stderr.write(`golongrl curves: plotting the first ${MAX_PLOT_KEYS} of ${keys.length} keys (narrow with --keys/--match)\n`);
    const { bandCurves } = await import('../plot/bands.js');
    const { savePng } = await import('../plot/index.js');
    const fig = bandCurves(
      rows.filter((r) => plotted!.includes(r.key)),
      { x: 'step', y: 'mean', low: 'lo', high: 'hi', stroke: 'config', facet: 'key', columns: Math.min(3, plotted.length), facetOrder: plotted, title: 'Training curves', subtitle: `EMA ${smooth}; band = mean ± std across runs of a config` },
    );
    savePng(fig, values.plot);
  }
  if (values.csv) {
    mkdirSync(dirname(values.csv), { recursive: true });
    writeFileSync(values.csv, bandsToCsv(rows));
  }

  const out = new LineWriter();
  if (values.json) {
    await out.line(
      JSON.stringify({
        runs: runs.map((r) => ({ name: r.name, source: r.source, format: r.format, config: r.labels.config, keys: r.series.size, steps: Math.max(0, ...[...r.series.values()].map((s) => s.step.length)), issues: r.issues.length })),
        keys,
        smooth,
        summary,
        issues,
        plot: values.plot ?? null,
        plotted_keys: plotted ?? null,
        csv: values.csv ?? null,
      }),
    );
  } else {
    await out.line(`${runs.length} run(s): ${runs.map((r) => `${r.name} [${r.format}, config ${r.labels.config}]`).join(', ')}`);
    await out.line(`EMA smoothing ${smooth}; value = mean ± std across the runs of a config at the last common step`);
    const w = Math.max(6, ...summary.map((s) => s.key.length));
    const cw = Math.max(6, ...summary.map((s) => s.config.length));
    await out.line(`${'key'.padEnd(w)}  ${'config'.padEnd(cw)}  runs  steps      first        last ± std`);
    for (const s of summary) {
      await out.line(`${s.key.padEnd(w)}  ${s.config.padEnd(cw)}  ${String(s.runs).padStart(4)}  ${`${s.firstStep}-${s.lastStep}`.padEnd(9)} ${fmt(s.first).padStart(10)}  ${fmt(s.last).padStart(10)} ± ${fmt(s.lastStd)}`);
    }
    if (values.plot) await out.line(`plot: ${values.plot}`);
    if (values.csv) await out.line(`csv: ${values.csv}`);
  }
  await out.flush();
  return EXIT_OK;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

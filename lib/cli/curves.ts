/**
 * `golongrl curves LOGS…` — read training curves from TensorBoard run directories / event files,
 * verl console logs and metrics JSONL (verl file logger, our trainer), group runs by config, smooth
 * them with TensorBoard's debiased EMA, and summarise, plot (PNG) or export (CSV) mean ± std across
 * seeds. Readers: lib/logs/*.ts; formats and formula: docs/curves.md.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { aggregateRunsChecked, configOf, loadRun, selectKeys, stepList, type AlignNote, type BandRow, type Run, type RunIssue } from '../logs/runs.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, LineWriter, Progress, UsageError } from './io.js';
import { InputError } from '../util/jsonl.js';
import { mkdirp } from '../util/fsx.js';

export const CURVES_HELP = `golongrl curves LOGS… [options]

Training curves from logs. Each LOG is a TensorBoard run directory or events.out.tfevents.* file,
a metrics JSONL file (verl file logger / golongrl train's metrics.jsonl, or its run directory), or a
verl console log (any other file). Runs that differ only by a seed suffix (-s1, _seed2) form one config.
  --keys K1,K2          metric keys to show (default: all, or --match)
  --match REGEX         keys matching REGEX (e.g. 'task_metrics/.*/mean_reward')
  --smooth W            TensorBoard EMA weight in [0, 1) applied per run before averaging (default 0.6)
  --group-by SPEC       strip-seed (default) | name | dir | label:KEY | re:REGEX (first capture group)
  --align MODE          intersection (default: steps every run of a config has) | union; where the
                        intersection leaves a key of a config empty, that key falls back to the union (noted)
  --plot OUT.png        one panel per key (own y scale), mean ± std band per config
  --csv OUT.csv         config,key,step,mean,std,lo,hi,min,max,n
  --tolerate-truncated  TensorBoard: ignore a truncated last record (a run still being written)
  --json                print runs, issues and the per-key summary as one JSON object

Checks (text: the notes column and warnings on stderr; --json: "issues"; the plot marks them):
NaN/inf values per key (a divergence signal; ✕ and a dashed rule at those steps), steps logged twice
(the later value is kept and later orphaned steps dropped, as TensorBoard does), two console lines
glued together, cut last lines, unparseable values, keys empty under --align intersection.`;

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

/** A config × key of the output: its summary (null when nothing could be aggregated) and what to know about it. */
export interface CurveCheck {
  config: string;
  key: string;
  /** Steps aggregated: 'intersection', 'union' (asked for, or the fallback), or null when there are no rows. */
  align: 'intersection' | 'union' | null;
  /** Non-finite raw values of this key across the config's runs. */
  nonFinite: number;
  notes: string[];
}

/** The issue list of `--json`: every run issue (with its run) and every alignment note. */
export type CurvesIssue = (RunIssue & { run: string }) | (Omit<AlignNote, 'reason'> & { run: null; reason: string });

/** Per config × key: alignment used, NaN/inf count, and short notes for the text table and the plot. */
export function curveChecks(runs: readonly Run[], keys: readonly string[], rows: readonly BandRow[], notes: readonly AlignNote[], align: 'intersection' | 'union'): CurveCheck[] {
  const out: CurveCheck[] = [];
  const hasRows = new Set(rows.map((r) => `${r.config}\u0000${r.key}`));
  const configs = [...new Set(runs.map((r) => r.labels.config ?? r.name))];
  for (const key of keys) {
    for (const config of configs) {
      const group = runs.filter((r) => (r.labels.config ?? r.name) === config && r.series.has(key));
      if (group.length === 0) continue;
      const id = `${config}\u0000${key}`;
      const n = notes.filter((x) => x.config === config && x.key === key);
      const steps: number[] = [];
      for (const r of group) for (const i of r.issues) if (i.kind === 'non-finite' && i.key === key) steps.push(...(i.steps ?? []));
      const short: string[] = [];
      if (steps.length > 0) short.push(`NaN/inf ×${steps.length} (step ${stepList([...new Set(steps)].sort((a, b) => a - b), 3)})`);
      for (const x of n) short.push(x.kind === 'no-finite-values' ? 'no finite value' : x.action === 'union' ? 'no common step: union' : 'no common step: dropped');
      const fellBack = n.some((x) => x.action === 'union');
      out.push({ config, key, align: hasRows.has(id) ? (fellBack ? 'union' : align) : null, nonFinite: steps.length, notes: short });
    }
  }
  return out;
}

function issueLine(i: CurvesIssue): string {
  if (i.run === null) return `golongrl curves: warning: config '${i.config}', '${i.key}': ${i.reason}`;
  const where = `${i.file}${i.line !== undefined ? `:${i.line}` : ''}${i.offset !== undefined ? ` (byte ${i.offset})` : ''}`;
  return `golongrl curves: warning: ${where}: ${i.key ? `'${i.key}': ` : ''}${i.reason}`;
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
      if (err.name === 'InputError' || (err.syscall && err.path)) throw e;
      if (/^unknown group spec|has no label|does not match/.test(err.message)) throw new UsageError(err.message);
      // Any other failure to read a log is about that file (a corrupted record, an unreadable layout): bad input.
      process.stderr.write(`golongrl curves: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (run.series.size === 0) {
      const as = { tensorboard: 'TensorBoard events: no scalar summaries', jsonl: 'metrics JSONL: no metric lines', console: 'a verl console log: no "step:N - key:value" lines' }[run.format];
      throw InputError.at(p, 'metrics', `none found (read as ${as})`);
    }
    runs.push(run);
    progress.tick(runs.length);
  }
  progress.done(runs.length);
  const keys = selectKeys(runs, { keys: values.keys?.split(',').map((k) => k.trim()).filter(Boolean), match });
  if (keys.length === 0) throw new UsageError(`no metric key selected (the runs have ${selectKeys(runs).length} keys; check --keys/--match)`);
  const align = values.align;
  const { rows, notes } = aggregateRunsChecked(runs, keys, { smooth, align, onEmptyIntersection: 'union' });
  const summary = summarize(rows);
  const checks = curveChecks(runs, keys, rows, notes, align);
  const keySet = new Set(keys);
  // Run issues about a key that was not selected stay out of the way (they are in --json's run counts).
  const issues: CurvesIssue[] = [
    ...runs.flatMap((r) => r.issues.filter((i) => i.key === undefined || keySet.has(i.key) || i.kind !== 'non-finite').map((i) => ({ run: r.name, ...i }))),
    ...notes.map((x) => ({ run: null, ...x })),
  ];
  for (const i of issues) process.stderr.write(issueLine(i) + '\n');
  // NaN/inf in keys that were not selected: one line, so a divergence is never out of sight.
  const otherNonFinite = [...new Set(runs.flatMap((r) => r.issues.filter((i) => i.kind === 'non-finite' && !keySet.has(i.key!)).map((i) => i.key!)))].sort();
  if (otherNonFinite.length > 0) process.stderr.write(`golongrl curves: warning: NaN/inf also in ${otherNonFinite.length} key(s) not selected: ${otherNonFinite.join(', ')}\n`);

  let plotted: string[] | undefined;
  if (values.plot) {
    plotted = keys.slice(0, MAX_PLOT_KEYS);
    if (keys.length > MAX_PLOT_KEYS) process.stderr.write(`golongrl curves: plotting the first ${MAX_PLOT_KEYS} of ${keys.length} keys (narrow with --keys/--match)\n`);
    const { bandCurves } = await import('../plot/bands.js');
    const { savePng } = await import('../plot/index.js');
    const inPlot = new Set(plotted);
    // ✕ + dashed rule at every step where a run logged NaN/inf for a plotted key, in its config's colour.
    const markers = runs.flatMap((r) => r.issues.filter((i) => i.kind === 'non-finite' && inPlot.has(i.key!)).flatMap((i) => (i.steps ?? []).map((x) => ({ facet: i.key, x, stroke: r.labels.config }))));
    const panelNotes = new Map<unknown, string>();
    for (const c of checks) if (inPlot.has(c.key) && c.notes.length > 0) panelNotes.set(c.key, [panelNotes.get(c.key), `${c.config}: ${c.notes.join('; ')}`].filter(Boolean).join(' · '));
    const fig = bandCurves(rows.filter((r) => inPlot.has(r.key)), {
      x: 'step',
      y: 'mean',
      low: 'lo',
      high: 'hi',
      stroke: 'config',
      facet: 'key',
      columns: Math.min(3, plotted.length),
      facetOrder: plotted,
      markers,
      notes: panelNotes,
      title: 'Training curves',
      subtitle: `EMA ${smooth}; band = mean ± std across runs of a config${markers.length > 0 ? '; ✕ and dashed line: a step with NaN/inf' : ''}`,
    });
    savePng(fig, values.plot);
  }
  if (values.csv) {
    mkdirp(dirname(values.csv));
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
        checks,
        issues,
        nonfinite_keys_not_selected: otherNonFinite,
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
    await out.line(`${'key'.padEnd(w)}  ${'config'.padEnd(cw)}  runs  steps      first        last ± std      notes`);
    const summaryOf = new Map(summary.map((x) => [`${x.config}\u0000${x.key}`, x]));
    for (const c of checks) {
      const s = summaryOf.get(`${c.config}\u0000${c.key}`);
      const note = c.notes.join('; ');
      if (!s) {
        await out.line(`${c.key.padEnd(w)}  ${c.config.padEnd(cw)}  ${'-'.padStart(4)}  ${'-'.padEnd(9)} ${'-'.padStart(10)}  ${'-'.padStart(10)}          ${note}`);
        continue;
      }
      const tail = `${fmt(s.last).padStart(10)} ± ${fmt(s.lastStd)}`;
      await out.line(`${s.key.padEnd(w)}  ${s.config.padEnd(cw)}  ${String(s.runs).padStart(4)}  ${`${s.firstStep}-${s.lastStep}`.padEnd(9)} ${fmt(s.first).padStart(10)}  ${note ? `${tail.padEnd(20)}  ${note}` : tail}`);
    }
    if (issues.length > 0) await out.line(`${issues.length} issue(s): see the warnings on stderr (or --json)`);
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

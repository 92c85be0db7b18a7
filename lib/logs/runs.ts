/**
 * Runs: one training run's metric curves, whatever wrote them, and what curves are compared with.
 *
 * - `loadRun(path)` auto-detects the format: a directory with `events.out.tfevents.*` files or one
 *   such file → TensorBoard (tensorboard.ts); a directory with `metrics.jsonl`, or a `.jsonl` file →
 *   metrics JSONL (verl file logger / our trainer, verl_jsonl.ts); any other file → verl console log
 *   (verl_console.ts). Within a run, a step logged again for a key replaces what was read before at
 *   that step AND every later step of that key ("preemption", TensorBoard's rule for a restarted
 *   run: RustBoard's reservoir, `tensorboard/data/server/reservoir.rs`); each such event is reported
 *   as an issue (`kind: 'duplicate-step'`) with the file, line and the steps it dropped.
 * - Non-finite values (NaN, ±inf — a divergence signal) are kept in the series (a gap in a curve) and
 *   reported per key (`kind: 'non-finite'`, with the steps), never dropped silently.
 * - `configOf` / `groupRuns`: runs that differ only by seed belong to one config (default: the run
 *   name with a trailing seed marker such as `-s3`, `_seed3`, `seed=3` removed).
 * - `smoothEma`: TensorBoard's scalar smoothing, a debiased exponential moving average. With weight
 *   w ∈ [0, 1) and the finite values y_1, y_2, … of a series:
 *       m_0 = 0,   m_i = w·m_{i−1} + (1−w)·y_i,   s_i = m_i / (1 − w^i)
 *   (the division removes the bias towards the zero start; i counts finite points only). A non-finite
 *   y_i is passed through unchanged and does not advance the average. w = 0 returns the data.
 *   Source: TensorBoard `tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts` (classicSmoothing),
 *   including its special case: a constant series is returned unchanged.
 * - `aggregateRuns`: aligns the runs of a config on their steps and gives, per step, the mean, the
 *   sample standard deviation (n − 1) across runs, n, min and max; the band is mean ± std. By default
 *   only steps present (finite) in every run are kept (`align: 'intersection'`); 'union' keeps every
 *   step with at least one value and reports its n. `aggregateRunsChecked` also says, per config and
 *   key, when the intersection is empty (and can fall back to the union for that key) or when no run
 *   has a finite value at all.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isEventFile, listEventFiles, readEventFile } from './tensorboard.js';
import { readVerlConsole } from './verl_console.js';
import { readMetricsJsonl } from './verl_jsonl.js';
import { InputError } from '../util/jsonl.js';

export type LogFormat = 'tensorboard' | 'jsonl' | 'console';

export interface Series {
  step: number[];
  value: number[];
}

export type RunIssueKind = 'unparseable' | 'glued' | 'torn' | 'truncated' | 'duplicate-step' | 'non-finite';

export interface RunIssue {
  kind: RunIssueKind;
  file: string;
  line?: number;
  offset?: number;
  key?: string;
  /** duplicate-step: the step logged again. */
  step?: number;
  /** non-finite: the steps whose value is NaN or ±inf (all of them); duplicate-step: the steps dropped. */
  steps?: number[];
  /** non-finite: how many values of each kind. */
  counts?: { nan: number; inf: number; negInf: number };
  reason: string;
}

export interface Run {
  name: string;
  /** The path it was loaded from. */
  source: string;
  format: LogFormat;
  /** Free labels (config, seed, …); `config` is set by `loadRun` from the name unless given. */
  labels: Record<string, string>;
  /** Metric key → points sorted by step. */
  series: Map<string, Series>;
  issues: RunIssue[];
}

export interface LoadRunOptions {
  name?: string;
  format?: LogFormat;
  labels?: Record<string, string>;
  /** Group spec for the `config` label (see `configOf`); default 'strip-seed'. */
  groupBy?: string;
  /** TensorBoard: stop quietly at a truncated last record (a live run) instead of throwing. */
  tolerateTruncatedTail?: boolean;
}

export function detectFormat(path: string): LogFormat {
  if (!existsSync(path)) throw InputError.at(path, 'open', 'no such file or directory');
  if (statSync(path).isDirectory()) {
    if (listEventFiles(path).length > 0) return 'tensorboard';
    if (existsSync(join(path, 'metrics.jsonl'))) return 'jsonl';
    throw InputError.at(path, 'directory', 'neither events.out.tfevents.* files nor metrics.jsonl (not a TensorBoard run directory or a golongrl run)');
  }
  if (isEventFile(path)) return 'tensorboard';
  if (extname(path) === '.jsonl') return 'jsonl';
  return 'console';
}

function defaultName(path: string, format: LogFormat): string {
  const isDir = statSync(path).isDirectory();
  if (isDir) return basename(path.replace(/\/+$/, ''));
  if (format === 'tensorboard') return basename(dirname(path));
  if (basename(path) === 'metrics.jsonl') return basename(dirname(path));
  return basename(path, extname(path));
}

interface Where {
  file: string;
  line?: number;
}

/**
 * Collects (step, value) per key in read order. A step not larger than the last one read for that
 * key preempts every point of the key at that step or later (TensorBoard's rule); the event is
 * recorded for the report. Amortised O(1) per point (points are only popped from the end).
 */
class SeriesBuilder {
  private readonly m = new Map<string, { step: number[]; value: number[]; where: Where[] }>();
  /** file, line and step → the preemption event (grouped over keys). */
  private readonly preemptions = new Map<string, { where: Where; firstAt?: Where; step: number; keys: string[]; dropped: Set<number> }>();
  add(key: string, step: number, value: number, where: Where): void {
    let s = this.m.get(key);
    if (!s) this.m.set(key, (s = { step: [], value: [], where: [] }));
    const n = s.step.length;
    if (n > 0 && step <= s.step[n - 1]!) {
      const id = `${where.file}\u0000${where.line ?? ''}\u0000${step}`;
      let ev = this.preemptions.get(id);
      if (!ev) this.preemptions.set(id, (ev = { where, step, keys: [], dropped: new Set() }));
      ev.keys.push(key);
      while (s.step.length > 0 && s.step[s.step.length - 1]! >= step) {
        const t = s.step.pop()!;
        s.value.pop();
        const w = s.where.pop()!;
        if (t === step) ev.firstAt ??= w;
        else ev.dropped.add(t);
      }
    }
    s.step.push(step);
    s.value.push(value);
    s.where.push(where);
  }
  build(): Map<string, Series> {
    const out = new Map<string, Series>();
    for (const [k, s] of this.m) out.set(k, { step: s.step, value: s.value });
    return out;
  }
  issues(): RunIssue[] {
    return [...this.preemptions.values()].map((ev) => {
      const dropped = [...ev.dropped].sort((a, b) => a - b);
      const keys = ev.keys.length === 1 ? `key '${ev.keys[0]}'` : `${ev.keys.length} keys`;
      let first = '';
      if (ev.firstAt) {
        const otherFile = ev.firstAt.file !== ev.where.file ? ` in ${ev.firstAt.file}` : '';
        const line = ev.firstAt.line !== undefined ? ` at line ${ev.firstAt.line}` : '';
        first = otherFile || line ? ` (first read${line}${otherFile})` : ' (earlier in the same file)';
      }
      const what = ev.firstAt ? `step ${ev.step} logged again for ${keys}${first}` : `step ${ev.step} logged for ${keys} after later steps`;
      const drop = dropped.length > 0 ? `; ${dropped.length} later step(s) read before it (${stepList(dropped)}) dropped as orphaned` : '';
      return {
        kind: 'duplicate-step' as const,
        file: ev.where.file,
        ...(ev.where.line !== undefined ? { line: ev.where.line } : {}),
        ...(ev.keys.length === 1 ? { key: ev.keys[0] } : {}),
        step: ev.step,
        steps: dropped,
        reason: `${what}: the value read last is kept, as TensorBoard does${drop}`,
      };
    });
  }
}

/** "3, 4, 5, 9" → "3–5, 9" (at most `max` ranges shown). */
export function stepList(steps: readonly number[], max = 6): string {
  const ranges: string[] = [];
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j + 1 < steps.length && steps[j + 1] === steps[j]! + 1) j++;
    ranges.push(j === i ? String(steps[i]) : `${steps[i]}\u2013${steps[j]}`);
    i = j + 1;
  }
  return ranges.length > max ? `${ranges.slice(0, max).join(', ')}, … (${ranges.length - max} more)` : ranges.join(', ');
}

/** One issue per key whose series holds NaN or ±inf (the steps, the counts, "all" when nothing is finite). */
export function nonFiniteIssues(series: ReadonlyMap<string, Series>, file: string, opts: { nullNote?: boolean } = {}): RunIssue[] {
  const out: RunIssue[] = [];
  for (const [key, s] of series) {
    const steps: number[] = [];
    const counts = { nan: 0, inf: 0, negInf: 0 };
    for (let i = 0; i < s.value.length; i++) {
      const v = s.value[i]!;
      if (Number.isFinite(v)) continue;
      steps.push(s.step[i]!);
      if (Number.isNaN(v)) counts.nan++;
      else if (v > 0) counts.inf++;
      else counts.negInf++;
    }
    if (steps.length === 0) continue;
    const kinds = [counts.nan ? `NaN ×${counts.nan}` : '', counts.inf ? `+inf ×${counts.inf}` : '', counts.negInf ? `-inf ×${counts.negInf}` : ''].filter(Boolean).join(', ');
    const nullNote = opts.nullNote && counts.nan ? '; a JSON null is NaN or ±inf, as orjson writes both' : '';
    const all = steps.length === s.value.length;
    const head = all ? `all ${steps.length} values non-finite` : `non-finite at ${steps.length} of ${s.value.length} steps`;
    const reason = `${head} (${kinds}${nullNote}) at step ${stepList(steps)}${all ? ': no curve to draw' : ''} — a divergence signal; left out of means and bands`;
    out.push({ kind: 'non-finite', file, key, steps, counts, reason });
  }
  return out;
}

export function loadRun(path: string, opts: LoadRunOptions = {}): Run {
  const format = opts.format ?? detectFormat(path);
  const b = new SeriesBuilder();
  const issues: RunIssue[] = [];
  let file = path;
  let nulls = 0;
  if (format === 'tensorboard') {
    const files = statSync(path).isDirectory() ? listEventFiles(path) : [path];
    if (files.length === 1) file = files[0]!;
    for (const f of files) {
      const r = readEventFile(f, { truncatedTail: opts.tolerateTruncatedTail ? 'stop' : 'error' });
      const where = { file: f };
      for (const p of r.scalars) b.add(p.tag, p.step, p.value, where);
      if (r.truncatedAt !== undefined) issues.push({ kind: 'truncated', file: f, offset: r.truncatedAt, reason: 'truncated last record ignored' });
    }
  } else if (format === 'jsonl') {
    const f = statSync(path).isDirectory() ? join(path, 'metrics.jsonl') : path;
    file = f;
    const r = readMetricsJsonl(f, (s) => {
      const where = { file: f, line: s.line };
      for (const [k, v] of Object.entries(s.data)) b.add(k, s.step, v, where);
    });
    nulls = r.nulls;
    for (const i of r.issues) issues.push({ kind: i.kind, file: f, line: i.line, ...(i.key !== undefined ? { key: i.key } : {}), reason: i.reason });
  } else {
    const r = readVerlConsole(path, (s) => {
      const where = { file: path, line: s.line };
      for (const [k, v] of Object.entries(s.data)) b.add(k, s.step, v, where);
    });
    for (const i of r.issues) issues.push({ kind: i.kind, file: path, line: i.line, ...(i.key !== undefined ? { key: i.key } : {}), reason: i.kind === 'unparseable' ? `${i.reason}: '${i.text}'` : i.reason });
  }
  const series = b.build();
  issues.push(...b.issues(), ...nonFiniteIssues(series, file, { nullNote: nulls > 0 }));
  const name = opts.name ?? defaultName(path, format);
  const run: Run = { name, source: path, format, labels: { ...opts.labels }, series, issues };
  if (run.labels.config === undefined) run.labels.config = configOf(run, opts.groupBy ?? 'strip-seed');
  return run;
}

const SEED_SUFFIX = /[-_.]?(?:seed|s)[-_=]?\d+$/i;

/**
 * The config a run belongs to, by spec:
 *   'strip-seed' (default)  the name without a trailing seed marker (-s1, _seed2, .seed=3, s4)
 *   'name'                  the name itself (every run its own group)
 *   'dir'                   the name of the directory holding the run
 *   'label:KEY'             run.labels[KEY]
 *   're:REGEX'              the first capture group of REGEX matched against the name (whole match if none)
 */
export function configOf(run: Pick<Run, 'name' | 'source' | 'labels'>, spec = 'strip-seed'): string {
  if (spec === 'strip-seed') return run.name.replace(SEED_SUFFIX, '') || run.name;
  if (spec === 'name') return run.name;
  if (spec === 'dir') return basename(dirname(run.source.replace(/\/+$/, '')));
  if (spec.startsWith('label:')) {
    const k = spec.slice(6);
    const v = run.labels[k];
    if (v === undefined) throw new Error(`run '${run.name}' has no label '${k}'`);
    return v;
  }
  if (spec.startsWith('re:')) {
    const m = new RegExp(spec.slice(3)).exec(run.name);
    if (!m) throw new Error(`run name '${run.name}' does not match ${spec.slice(3)}`);
    return m[1] ?? m[0];
  }
  throw new Error(`unknown group spec '${spec}' (strip-seed | name | dir | label:KEY | re:REGEX)`);
}

export function groupRuns(runs: readonly Run[], spec?: string): Map<string, Run[]> {
  const out = new Map<string, Run[]>();
  for (const r of runs) {
    const c = spec === undefined ? (r.labels.config ?? configOf(r)) : configOf(r, spec);
    let g = out.get(c);
    if (!g) out.set(c, (g = []));
    g.push(r);
  }
  return out;
}

/** TensorBoard's debiased EMA (formula in the file header). */
export function smoothEma(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  if (values.every((v) => v === values[0])) return [...values]; // TensorBoard's constant-series case
  const out = new Array<number>(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * weight + (1 - weight) * y;
    n++;
    out[i] = weight === 0 ? y : last / (1 - Math.pow(weight, n));
  }
  return out;
}

/** Keys present in any of the runs, filtered by an explicit list or a regex, sorted. */
export function selectKeys(runs: readonly Run[], sel: { keys?: readonly string[]; match?: RegExp } = {}): string[] {
  const all = new Set<string>();
  for (const r of runs) for (const k of r.series.keys()) all.add(k);
  if (sel.keys) return sel.keys.filter((k) => all.has(k));
  const ks = [...all].sort();
  return sel.match ? ks.filter((k) => sel.match!.test(k)) : ks;
}

export interface CurveRow {
  run: string;
  config: string;
  key: string;
  step: number;
  value: number;
  smoothed: number;
}

/** Long-format rows (one per run × key × step), with the EMA-smoothed value beside the raw one. */
export function curveRows(runs: readonly Run[], keys: readonly string[], smooth = 0): CurveRow[] {
  const out: CurveRow[] = [];
  for (const r of runs) {
    for (const key of keys) {
      const s = r.series.get(key);
      if (!s) continue;
      const sm = smoothEma(s.value, smooth);
      for (let i = 0; i < s.step.length; i++) out.push({ run: r.name, config: r.labels.config ?? r.name, key, step: s.step[i]!, value: s.value[i]!, smoothed: sm[i]! });
    }
  }
  return out;
}

export interface BandRow {
  config: string;
  key: string;
  step: number;
  mean: number;
  /** Sample standard deviation across runs (0 when n = 1). */
  std: number;
  lo: number;
  hi: number;
  min: number;
  max: number;
  n: number;
}

export interface AggregateOptions {
  /** EMA weight applied to each run before averaging (default 0). */
  smooth?: number;
  align?: 'intersection' | 'union';
  /** Group spec (default: each run's `config` label). */
  groupBy?: string;
  /**
   * When `align: 'intersection'` leaves a config × key with no step at all: 'drop' (default for
   * `aggregateRuns`: no rows, as before) or 'union' (`aggregateRunsChecked`'s default: that config ×
   * key is aggregated over the union of steps instead). Either way `aggregateRunsChecked` notes it.
   */
  onEmptyIntersection?: 'drop' | 'union';
}

/** Why a config × key has fewer rows than its runs suggest. */
export interface AlignNote {
  kind: 'empty-intersection' | 'no-finite-values';
  config: string;
  key: string;
  /** Runs of the config, and how many of them have the key at all. */
  runs: number;
  runsWithKey: number;
  /** What was done: rows from the union of steps, or nothing to draw. */
  action: 'union' | 'dropped' | 'nothing-to-draw';
  reason: string;
}

/** Mean ± std across the runs of each config, per key and step (see `aggregateRunsChecked`). */
export function aggregateRuns(runs: readonly Run[], keys: readonly string[], opts: AggregateOptions = {}): BandRow[] {
  return aggregateRunsChecked(runs, keys, { onEmptyIntersection: 'drop', ...opts }).rows;
}

/**
 * `aggregateRuns` plus notes: for every config × key present in at least one of the config's runs,
 * either rows, or a note saying why there are none — no step where every run has a finite value
 * (`--align intersection`; with `onEmptyIntersection: 'union'`, the default here, the union is used
 * for that config × key and the note says so), or no finite value in any run.
 */
export function aggregateRunsChecked(runs: readonly Run[], keys: readonly string[], opts: AggregateOptions = {}): { rows: BandRow[]; notes: AlignNote[] } {
  const rows: BandRow[] = [];
  const notes: AlignNote[] = [];
  const align = opts.align ?? 'intersection';
  const onEmpty = opts.onEmptyIntersection ?? 'union';
  for (const [config, group] of groupRuns(runs, opts.groupBy)) {
    for (const key of keys) {
      const perRun = group
        .map((r) => r.series.get(key))
        .filter((s): s is Series => s !== undefined)
        .map((s) => {
          const sm = smoothEma(s.value, opts.smooth ?? 0);
          const m = new Map<number, number>();
          s.step.forEach((t, i) => {
            if (Number.isFinite(sm[i]!)) m.set(t, sm[i]!);
          });
          return m;
        });
      if (perRun.length === 0) continue;
      const base = { config, key, runs: group.length, runsWithKey: perRun.length };
      if (perRun.every((m) => m.size === 0)) {
        notes.push({ ...base, kind: 'no-finite-values', action: 'nothing-to-draw', reason: `no finite value of '${key}' in any of the ${perRun.length} run(s) of config '${config}' that log it: nothing to draw` });
        continue;
      }
      let got = bandRows(config, key, perRun, align === 'intersection' ? group.length : 0);
      if (got.length === 0 && align === 'intersection') {
        const why =
          perRun.length < group.length
            ? `only ${perRun.length} of the ${group.length} runs of config '${config}' log '${key}'`
            : `the ${group.length} runs of config '${config}' have no step of '${key}' in common where all are finite`;
        if (onEmpty === 'union') {
          got = bandRows(config, key, perRun, 0);
          notes.push({ ...base, kind: 'empty-intersection', action: 'union', reason: `--align intersection leaves no step: ${why}; drawn over the union of steps instead (n = runs with a value at each step)` });
        } else {
          notes.push({ ...base, kind: 'empty-intersection', action: 'dropped', reason: `--align intersection leaves no step: ${why}; no rows` });
        }
      }
      rows.push(...got);
    }
  }
  return { rows, notes };
}

/** Rows for one config × key; `need` > 0 keeps only steps where that many runs have a finite value. */
function bandRows(config: string, key: string, perRun: readonly Map<number, number>[], need: number): BandRow[] {
  const out: BandRow[] = [];
  const steps = new Set<number>();
  for (const m of perRun) for (const t of m.keys()) steps.add(t);
  for (const t of [...steps].sort((a, b) => a - b)) {
    const vs = perRun.map((m) => m.get(t)).filter((v): v is number => v !== undefined);
    if (need > 0 && vs.length !== need) continue;
    const n = vs.length;
    const mean = vs.reduce((a, b) => a + b, 0) / n;
    const std = n > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of vs) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    out.push({ config, key, step: t, mean, std, lo: mean - std, hi: mean + std, min, max, n });
  }
  return out;
}

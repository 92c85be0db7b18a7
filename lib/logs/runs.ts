/**
 * Runs: one training run's metric curves, whatever wrote them, and what curves are compared with.
 *
 * - `loadRun(path)` auto-detects the format: a directory with `events.out.tfevents.*` files or one
 *   such file → TensorBoard (tensorboard.ts); a directory with `metrics.jsonl`, or a `.jsonl` file →
 *   metrics JSONL (verl file logger / our trainer, verl_jsonl.ts); any other file → verl console log
 *   (verl_console.ts). Within a run, a step logged twice keeps its last value.
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
 *   step with at least one value and reports its n.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isEventFile, listEventFiles, readEventFile } from './tensorboard.js';
import { readVerlConsole } from './verl_console.js';
import { readMetricsJsonl } from './verl_jsonl.js';

export type LogFormat = 'tensorboard' | 'jsonl' | 'console';

export interface Series {
  step: number[];
  value: number[];
}

export interface RunIssue {
  file: string;
  line?: number;
  offset?: number;
  key?: string;
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
  if (!existsSync(path)) throw Object.assign(new Error(`no such file or directory: ${path}`), { code: 'ENOENT' });
  if (statSync(path).isDirectory()) {
    if (listEventFiles(path).length > 0) return 'tensorboard';
    if (existsSync(join(path, 'metrics.jsonl'))) return 'jsonl';
    throw new Error(`${path}: a directory with neither events.out.tfevents.* files nor metrics.jsonl`);
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

/** Collects (step, value) per key; a repeated step keeps the last value. */
class SeriesBuilder {
  private readonly m = new Map<string, Map<number, number>>();
  add(key: string, step: number, value: number): void {
    let s = this.m.get(key);
    if (!s) this.m.set(key, (s = new Map()));
    s.set(step, value);
  }
  build(): Map<string, Series> {
    const out = new Map<string, Series>();
    for (const [k, s] of this.m) {
      const steps = [...s.keys()].sort((a, b) => a - b);
      out.set(k, { step: steps, value: steps.map((t) => s.get(t)!) });
    }
    return out;
  }
}

export function loadRun(path: string, opts: LoadRunOptions = {}): Run {
  const format = opts.format ?? detectFormat(path);
  const b = new SeriesBuilder();
  const issues: RunIssue[] = [];
  if (format === 'tensorboard') {
    const files = statSync(path).isDirectory() ? listEventFiles(path) : [path];
    for (const f of files) {
      const r = readEventFile(f, { truncatedTail: opts.tolerateTruncatedTail ? 'stop' : 'error' });
      for (const p of r.scalars) b.add(p.tag, p.step, p.value);
      if (r.truncatedAt !== undefined) issues.push({ file: f, offset: r.truncatedAt, reason: 'truncated last record ignored' });
    }
  } else if (format === 'jsonl') {
    const f = statSync(path).isDirectory() ? join(path, 'metrics.jsonl') : path;
    const r = readMetricsJsonl(f);
    for (const s of r.steps) for (const [k, v] of Object.entries(s.data)) b.add(k, s.step, v);
    for (const i of r.issues) issues.push({ file: f, line: i.line, key: i.key, reason: i.reason });
  } else {
    const r = readVerlConsole(path);
    for (const s of r.steps) for (const [k, v] of Object.entries(s.data)) b.add(k, s.step, v);
    for (const i of r.issues) issues.push({ file: path, line: i.line, key: i.key, reason: `${i.reason}: '${i.text}'` });
  }
  const name = opts.name ?? defaultName(path, format);
  const run: Run = { name, source: path, format, labels: { ...opts.labels }, series: b.build(), issues };
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
}

/** Mean ± std across the runs of each config, per key and step. */
export function aggregateRuns(runs: readonly Run[], keys: readonly string[], opts: AggregateOptions = {}): BandRow[] {
  const out: BandRow[] = [];
  const align = opts.align ?? 'intersection';
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
      const steps = new Set<number>();
      for (const m of perRun) for (const t of m.keys()) steps.add(t);
      for (const t of [...steps].sort((a, b) => a - b)) {
        const vs = perRun.map((m) => m.get(t)).filter((v): v is number => v !== undefined);
        if (align === 'intersection' && (vs.length !== group.length || perRun.length !== group.length)) continue;
        const n = vs.length;
        const mean = vs.reduce((a, b) => a + b, 0) / n;
        const std = n > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
        out.push({ config, key, step: t, mean, std, lo: mean - std, hi: mean + std, min: Math.min(...vs), max: Math.max(...vs), n });
      }
    }
  }
  return out;
}

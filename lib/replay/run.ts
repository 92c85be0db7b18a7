/**
 * `golongrl replay`: a whole verl run's rollout dump, step by step — the §B.5 per-task metrics of the
 * run as trained, and every chosen advantage estimator replayed on the same rollouts.
 *
 * Streaming: one step file is read, processed and dropped before the next; what is kept is per-step
 * aggregates (steps × tasks × estimators numbers) and fixed-bin histograms, so memory does not grow
 * with the number of rollouts (docs/replay.md § Memory).
 *
 * Per step:
 *  - groups = `uid` if the lines carry one, else identical `input` text;
 *  - the estimators' reward mode = the row's `reward_mode` (else `data_source`, else the dataset
 *    join's), mapped as GoLongRL's trainer maps it (`toRewardMode`); missing → "" (one mode);
 *  - the display task = `capability` (line or join), else the mode, else "all";
 *  - §B.5 metrics (`reward_mode/*`, `task_metrics/*`) exactly as lib/advantage/metrics.ts computes them;
 *  - per display task: mean reward, TMN's scale √(mean_u var_u), the mean per-prompt std, rate_adv,
 *    rate_num, and a pass-rate histogram of its prompt groups (pass rate = the group's mean score);
 *  - per estimator and task: n, mean, mean |A|, std of A, and a fixed-bin histogram of A;
 *  - per estimator pair and task: Σ |A_a − A_b| (the disagreement table).
 * An estimator that refuses a step (e.g. grpo_passk on a one-rollout group) is recorded with its
 * error for that step; the others go on.
 */
import { computeRewardModeMetrics, computeTaskGroupedMetrics, getAdvEstimator, listAdvEstimators, Interner, sortNames, type AdvBatch, type TaskTypes, type VerlAdvBatch, type VerlAdvOptions } from '../advantage/index.js';
import { toRewardMode, toTaskType } from '../advantage/task_metric_config.js';
import { buildPromptIndex, listDumpDir, readStep, type DumpLayout, type StepRows } from './read.js';
import { InputError } from '../util/jsonl.js';

/** Advantage histogram bins: [ADV_LO, ADV_HI] in ADV_BINS bins; values outside fall in the end bins. */
export const ADV_LO = -4;
export const ADV_HI = 4;
export const ADV_BINS = 40;
/** Pass-rate histogram: 10 bins over [0, 1]. */
export const PASS_BINS = 10;

export interface ReplayRunOptions {
  /** Dataset (JSONL or parquet) to join tasks from by prompt text. */
  data?: string;
  /** Estimator names (default: every registered one). */
  estimators?: readonly string[];
  /** Reward-component fields for GDPO (each line must carry them as numbers). */
  components?: readonly string[];
  /** GDPO weights, one per component. */
  gdpoWeights?: readonly number[];
  /** Called after each step: steps done, steps in all, rows so far. */
  onProgress?: (done: number, total: number, rows: number) => void;
}

export interface TaskStepRow {
  step: number;
  task: string;
  rollouts: number;
  groups: number;
  mean_reward: number;
  std_reward: number;
  /** Mean over the task's prompts of the per-prompt population std (what GRPO divides by, on average). */
  mean_std_reward: number;
  /** √(mean over the task's prompts of the unbiased per-prompt variance): TMN's scale_k. */
  tmn_scale: number;
  rate_adv: number;
  rate_num: number;
  /** Prompt groups whose rollouts all scored the same (no GRPO signal). */
  zero_var_groups: number;
}

export interface EstimatorStepRow {
  step: number;
  estimator: string;
  task: string;
  n: number;
  mean: number;
  mean_abs: number;
  std: number;
}

export interface DisagreementRow {
  task: string;
  a: string;
  b: string;
  /** Mean |A_a − A_b| over the task's rollouts in every step both estimators ran. */
  mean_abs_diff: number;
  n: number;
}

export interface ReplayRun {
  dump: string;
  data?: string;
  layout: DumpLayout | 'empty';
  files: number;
  skipped: { file: string; reason: string }[];
  steps: number[];
  rows: number;
  groups: number;
  groupedBy: ('uid' | 'input' | 'mixed')[];
  taskFrom: { field: number; join: number; none: number };
  joined: number;
  unjoined: number;
  /** Distinct prompts not found in the dataset, summed over steps. */
  unjoinedPrompts: number;
  unjoinedExamples: { file: string; line: number; prompt: string }[];
  /** Whether every row had `response_length` (token-weighted estimators use it). */
  tokenCounts: 'all' | 'none' | 'some steps';
  tasks: string[];
  estimators: string[];
  components: string[];
  taskSteps: TaskStepRow[];
  estimatorSteps: EstimatorStepRow[];
  /** The §B.5 keys per step, shaped like verl's file logger. */
  metrics: { step: number; data: Record<string, number> }[];
  /** advHist[estimator][task] = ADV_BINS counts. */
  advHist: Record<string, Record<string, number[]>>;
  /** passHist[task] = PASS_BINS counts of prompt groups. */
  passHist: Record<string, number[]>;
  disagreement: DisagreementRow[];
  failures: { step: number; estimator: string; error: string }[];
  failureCount: number;
  seconds: number;
}

const MAX_FAILURES = 100;
const MAX_UNJOINED_EXAMPLES = 20;

/** Replay a dump directory (or one step file). Throws InputError (exit 2) on bad input. */
export async function replayRun(dump: string, opts: ReplayRunOptions = {}): Promise<ReplayRun> {
  const t0 = performance.now();
  const estimators = [...(opts.estimators ?? listAdvEstimators())];
  for (const e of estimators) getAdvEstimator(e); // unknown names fail before any work
  const components = [...(opts.components ?? [])];
  if (opts.gdpoWeights && opts.gdpoWeights.length !== components.length) {
    throw new RangeError(`${opts.gdpoWeights.length} GDPO weights for ${components.length} components`);
  }
  const listing = listDumpDir(dump);
  if (listing.files.length === 0) throw InputError.at(dump, 'directory', 'no <step>.jsonl files: not a verl rollout dump (trainer.rollout_data_dir)');
  const join = opts.data ? await buildPromptIndex(opts.data) : undefined;

  const run: ReplayRun = {
    dump,
    data: opts.data,
    layout: 'empty',
    files: listing.files.length,
    skipped: listing.skipped,
    steps: [],
    rows: 0,
    groups: 0,
    groupedBy: [],
    taskFrom: { field: 0, join: 0, none: 0 },
    joined: 0,
    unjoined: 0,
    unjoinedPrompts: 0,
    unjoinedExamples: [],
    tokenCounts: 'none',
    tasks: [],
    estimators,
    components,
    taskSteps: [],
    estimatorSteps: [],
    metrics: [],
    advHist: Object.fromEntries(estimators.map((e) => [e, {}])),
    passHist: {},
    disagreement: [],
    failures: [],
    failureCount: 0,
    seconds: 0,
  };
  const taskSet = new Interner();
  const pairs: [number, number][] = [];
  for (let a = 0; a < estimators.length; a++) for (let b = a + 1; b < estimators.length; b++) pairs.push([a, b]);
  const dis = new Map<string, { sum: number; n: number }>(); // `${pair}\u0000${task}`
  let withLengths = 0;
  let layout: DumpLayout | undefined;
  const stepsSeen = new Set<number>();

  for (let fi = 0; fi < listing.files.length; fi++) {
    const f = listing.files[fi];
    const rows = await readStep(f.file, Number.isNaN(f.step) ? undefined : f.step, layout, { join, components, maxUnjoinedExamples: MAX_UNJOINED_EXAMPLES - run.unjoinedExamples.length });
    opts.onProgress?.(fi + 1, listing.files.length, run.rows + rows.size);
    if (rows.size === 0) continue;
    layout = rows.layout;
    if (stepsSeen.has(rows.step)) throw InputError.at(f.file, 'step', `step ${rows.step} appears in two files`);
    stepsSeen.add(rows.step);
    run.steps.push(rows.step);
    run.rows += rows.size;
    run.groups += rows.groupCount;
    if (!run.groupedBy.includes(rows.groupedBy)) run.groupedBy.push(rows.groupedBy);
    for (const k of ['field', 'join', 'none'] as const) run.taskFrom[k] += rows.taskFrom[k];
    run.joined += rows.joined;
    run.unjoined += rows.unjoined;
    run.unjoinedPrompts += rows.unjoinedPrompts;
    run.unjoinedExamples.push(...rows.unjoinedExamples);
    if (rows.responseLength) withLengths++;
    for (const t of rows.tasks) taskSet.id(t);
    processStep(rows, run, estimators, pairs, dis, opts);
  }
  run.layout = layout ?? 'empty';
  run.tokenCounts = withLengths === 0 ? 'none' : withLengths === run.steps.length ? 'all' : 'some steps';
  run.tasks = [...taskSet.names].sort();
  for (const [key, v] of dis) {
    const [pair, task] = key.split('\u0000');
    const [a, b] = pairs[Number(pair)];
    run.disagreement.push({ task, a: estimators[a], b: estimators[b], mean_abs_diff: v.sum / v.n, n: v.n });
  }
  run.disagreement.sort((x, y) => (x.task < y.task ? -1 : x.task > y.task ? 1 : y.mean_abs_diff - x.mean_abs_diff));
  run.seconds = (performance.now() - t0) / 1000;
  return run;
}

function processStep(rows: StepRows, run: ReplayRun, estimators: readonly string[], pairs: readonly [number, number][], dis: Map<string, { sum: number; n: number }>, opts: ReplayRunOptions): void {
  const n = rows.size;
  // reward modes as the trainer maps them (np.unique order), and task types for task_metrics/*
  const rawModes = [...rows.modes, undefined];
  const modeFirst = new Interner();
  const types = new Interner();
  const rawToMode = rawModes.map((m) => modeFirst.id(toRewardMode(m)));
  const rawToType = rawModes.map((m) => types.id(toTaskType(m)));
  const { names: taskNames, remap } = sortNames(modeFirst.names);
  const task = new Int32Array(n);
  const typeIdx = new Int32Array(n);
  const none = rawModes.length - 1;
  for (let i = 0; i < n; i++) {
    const q = rows.mode[i] < 0 ? none : rows.mode[i];
    task[i] = remap[rawToMode[q]];
    typeIdx[i] = rawToType[q];
  }
  const uids = Array.from({ length: rows.groupCount }, (_, g) => `g${g}`);
  const batch: VerlAdvBatch = { size: n, scores: rows.scores, group: rows.group, task, groupCount: rows.groupCount, taskCount: taskNames.length, taskNames, uids };
  if (rows.responseLength) batch.responseLength = rows.responseLength;
  if (rows.components) batch.components = rows.components;
  const taskTypes: TaskTypes = { index: typeIdx, names: types.names };
  run.metrics.push({ step: rows.step, data: { ...computeRewardModeMetrics(batch), ...computeTaskGroupedMetrics(batch, taskTypes) } });

  // per display task: the same statistics over display tasks (names t0…tK keep the keys unambiguous)
  const T = rows.tasks.length;
  const view: AdvBatch = { ...batch, task: rows.task, taskCount: T, taskNames: rows.tasks.map((_, k) => `t${k}`) };
  const m = computeRewardModeMetrics(view);
  // groups: count, sum, sum², task; pass-rate histogram and zero-variance groups
  const G = rows.groupCount;
  const gCnt = new Int32Array(G);
  const gSum = new Float64Array(G);
  const gMin = new Float64Array(G).fill(Infinity);
  const gMax = new Float64Array(G).fill(-Infinity);
  const gTask = new Int32Array(G).fill(-1);
  for (let i = 0; i < n; i++) {
    const g = rows.group[i];
    const s = rows.scores[i];
    gCnt[g]++;
    gSum[g] += s;
    if (s < gMin[g]) gMin[g] = s;
    if (s > gMax[g]) gMax[g] = s;
    if (gTask[g] < 0) gTask[g] = rows.task[i];
  }
  const groupsPerTask = new Int32Array(T);
  const rolloutsPerTask = new Int32Array(T);
  const zeroVar = new Int32Array(T);
  for (let i = 0; i < n; i++) rolloutsPerTask[rows.task[i]]++;
  for (let g = 0; g < G; g++) {
    const t = gTask[g];
    const name = rows.tasks[t];
    groupsPerTask[t]++;
    if (gMin[g] === gMax[g]) zeroVar[t]++;
    const hist = (run.passHist[name] ??= new Array(PASS_BINS).fill(0));
    const p = gSum[g] / gCnt[g];
    hist[Math.min(PASS_BINS - 1, Math.max(0, Math.floor(p * PASS_BINS)))]++;
  }
  for (let k = 0; k < T; k++) {
    const p = `reward_mode/t${k}`;
    run.taskSteps.push({
      step: rows.step,
      task: rows.tasks[k],
      rollouts: rolloutsPerTask[k],
      groups: groupsPerTask[k],
      mean_reward: m[`${p}/mean_reward`],
      std_reward: m[`${p}/std_reward`],
      mean_std_reward: m[`${p}/mean_std_reward`],
      tmn_scale: m[`${p}/sqrt_mean_var`],
      rate_adv: m[`${p}/rate_adv`],
      rate_num: m[`${p}/rate_num`],
      zero_var_groups: zeroVar[k],
    });
  }

  // estimators
  const options: VerlAdvOptions = opts.gdpoWeights ? { gdpoRewardWeights: opts.gdpoWeights } : {};
  const advs: (Float64Array | null)[] = estimators.map((name) => {
    try {
      const a = getAdvEstimator(name)(batch, options).advantages;
      for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) throw new Error(`non-finite advantage at row ${i}`);
      return a;
    } catch (e) {
      run.failureCount++;
      if (run.failures.length < MAX_FAILURES) run.failures.push({ step: rows.step, estimator: name, error: (e as Error).message });
      return null;
    }
  });
  const bw = (ADV_HI - ADV_LO) / ADV_BINS;
  estimators.forEach((name, e) => {
    const a = advs[e];
    if (!a) return;
    const cnt = new Float64Array(T);
    const sum = new Float64Array(T);
    const sumAbs = new Float64Array(T);
    const sum2 = new Float64Array(T);
    const hists = rows.tasks.map((t) => (run.advHist[name][t] ??= new Array(ADV_BINS).fill(0)));
    for (let i = 0; i < n; i++) {
      const t = rows.task[i];
      const x = a[i];
      cnt[t]++;
      sum[t] += x;
      sumAbs[t] += Math.abs(x);
      sum2[t] += x * x;
      hists[t][Math.min(ADV_BINS - 1, Math.max(0, Math.floor((x - ADV_LO) / bw)))]++;
    }
    for (let k = 0; k < T; k++) {
      if (cnt[k] === 0) continue;
      const mean = sum[k] / cnt[k];
      run.estimatorSteps.push({ step: rows.step, estimator: name, task: rows.tasks[k], n: cnt[k], mean, mean_abs: sumAbs[k] / cnt[k], std: Math.sqrt(Math.max(0, sum2[k] / cnt[k] - mean * mean)) });
    }
  });
  pairs.forEach(([a, b], p) => {
    const A = advs[a];
    const B = advs[b];
    if (!A || !B) return;
    const s = new Float64Array(T);
    const c = new Float64Array(T);
    for (let i = 0; i < n; i++) {
      s[rows.task[i]] += Math.abs(A[i] - B[i]);
      c[rows.task[i]]++;
    }
    for (let k = 0; k < T; k++) {
      if (c[k] === 0) continue;
      const key = `${p}\u0000${rows.tasks[k]}`;
      const d = dis.get(key) ?? { sum: 0, n: 0 };
      d.sum += s[k];
      d.n += c[k];
      dis.set(key, d);
    }
  });
}

/** Per task, the estimator pair that disagrees most (largest mean |ΔA|). */
export function topDisagreements(run: ReplayRun): DisagreementRow[] {
  const best = new Map<string, DisagreementRow>();
  for (const d of run.disagreement) {
    const b = best.get(d.task);
    if (!b || d.mean_abs_diff > b.mean_abs_diff) best.set(d.task, d);
  }
  return run.tasks.filter((t) => best.has(t)).map((t) => best.get(t)!);
}

/**
 * Replay an estimator over logged rollouts (the `golongrl advantages` CLI verb and notebooks).
 *
 * Rows come from rollout dumps, one per rollout: `{step, uid?, input?, reward_mode, score}`.
 * - Each distinct `step` is one independent training batch, so a whole run replays in one call.
 * - Within a step, rollouts of one prompt form a group: same `uid`, or, when a row has no
 *   `uid`, same `input` text (verl's rollout dumps carry `input` but no uid). A row with
 *   neither is an error. Rows with a uid and rows grouped by input never share a group.
 * - `reward_mode` is the row's raw `extra_info.reward_mode` (a LongBench-Pro sub-task name,
 *   or EM / selection / …), or the already-mapped mode. The estimator and the `reward_mode/*`
 *   metrics see `toRewardMode(x)` (the trainer's `TASK_METRIC_CONFIG.get(x, x)`, missing → "");
 *   `task_metrics/*` see `toTaskType(x)` (missing → "unknown"). Mapping an already-mapped
 *   name is the identity, so either form works.
 *
 * - Optional, for upstream verl's estimators (verl_common.ts): `response_length` (valid response
 *   tokens; used when every row of a step has it) and `components` (GDPO's reward components,
 *   `{name: value}`; when one row of a step has them, every row must have the same names).
 *
 * Cost: one pass to bucket rows by step (counting sort), one pass to intern uids / modes
 * per step into Int32Arrays, the estimator's own passes, one scatter back to row order.
 */
import { getAdvEstimator } from './registry.js';
import { computeStepMetrics, REWARD_MODE_ESTIMATORS, type TaskTypes } from './metrics.js';
import { toRewardMode, toTaskType } from './task_metric_config.js';
import { Interner, sortNames, type AdvBatch, type AdvOptions } from './types.js';
import type { VerlAdvBatch } from './verl_common.js';

export interface ReplayRow {
  step: number;
  uid?: string | null;
  input?: string | null;
  reward_mode?: string | null;
  score: number;
  /** Valid response tokens (OPO, REINFORCE++-baseline, GDPO weigh by them). */
  response_length?: number | null;
  /** Reward components for GDPO, by name. */
  components?: Record<string, number> | null;
}

export interface ReplayOptions extends AdvOptions {
  /**
   * Log `reward_mode/*` metrics. Default: only for estimators the trainer builds a top-level
   * reward_mode for (tmn_grpo, qwenlong_grpo), exactly as the reference logs them.
   */
  rewardModeMetrics?: boolean;
}

export interface ReplayStep {
  step: number;
  /** Rollouts and prompt groups in this step. */
  rows: number;
  groups: number;
  metrics: Record<string, number>;
}

export interface ReplayResult {
  /** One advantage per input row, in input order. */
  advantages: Float64Array;
  /** Per step, ascending by step. */
  steps: ReplayStep[];
}

export function replayAdvantages(rows: readonly ReplayRow[], estimatorName: string, options: ReplayOptions = {}): ReplayResult {
  const estimate = getAdvEstimator(estimatorName); // unknown name fails before any work
  const rewardModeMetrics = options.rewardModeMetrics ?? REWARD_MODE_ESTIMATORS.has(estimatorName);
  const n = rows.length;

  // pass 1: validate, bucket by step
  const stepIndex = new Map<number, number>();
  const stepValues: number[] = [];
  const stepOf = new Int32Array(n);
  const stepCount: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const step = r.step;
    if (typeof step !== 'number' || !Number.isFinite(step)) throw new TypeError(`row ${i}: step must be a finite number`);
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) {
      throw new TypeError(`row ${i}: score must be a finite number, got ${String(r.score)}`);
    }
    if ((r.uid === undefined || r.uid === null) && (r.input === undefined || r.input === null)) {
      throw new TypeError(`row ${i}: needs a uid or an input to group rollouts by prompt`);
    }
    let s = stepIndex.get(step);
    if (s === undefined) {
      s = stepValues.length;
      stepIndex.set(step, s);
      stepValues.push(step);
      stepCount.push(0);
    }
    stepOf[i] = s;
    stepCount[s]++;
  }
  // steps ascending; stable counting sort of rows by step
  const S = stepValues.length;
  const stepOrder = stepValues.map((_, s) => s).sort((a, b) => stepValues[a] - stepValues[b]);
  const start = new Int32Array(S + 1);
  const perm = new Int32Array(n);
  {
    const rank = new Int32Array(S);
    stepOrder.forEach((s, r) => (rank[s] = r));
    for (let s = 0; s < S; s++) start[rank[s] + 1] = stepCount[s];
    for (let r = 0; r < S; r++) start[r + 1] += start[r];
    const fill = start.slice(0, S);
    for (let i = 0; i < n; i++) stepOf[i] = rank[stepOf[i]];
    for (let i = 0; i < n; i++) perm[fill[stepOf[i]]++] = i;
  }

  const scores = new Float64Array(n);
  const group = new Int32Array(n);
  const task = new Int32Array(n);
  const typeIdx = new Int32Array(n);
  const advantages = new Float64Array(n);
  const steps: ReplayStep[] = [];
  const uidMap = new Map<string, number>();
  const inputMap = new Map<string, number>();
  const rawModeMap = new Map<string, number>();

  for (let r = 0; r < S; r++) {
    const lo = start[r];
    const hi = start[r + 1];
    uidMap.clear();
    inputMap.clear();
    rawModeMap.clear();
    const rawModes: (string | undefined)[] = [];
    let missingModeId = -1;
    let groups = 0;
    const uids: string[] = [];
    // pass 2 (per step): gather scores, intern groups and raw modes
    for (let j = lo; j < hi; j++) {
      const row = rows[perm[j]];
      scores[j] = row.score;
      let g: number | undefined;
      if (row.uid !== undefined && row.uid !== null) {
        const key = String(row.uid);
        g = uidMap.get(key);
        if (g === undefined) {
          g = groups++;
          uidMap.set(key, g);
          uids.push(key);
        }
      } else {
        const key = String(row.input);
        g = inputMap.get(key);
        if (g === undefined) {
          g = groups++;
          inputMap.set(key, g);
          uids.push(`input#${inputMap.size}`);
        }
      }
      group[j] = g;
      const m = row.reward_mode;
      let t: number;
      if (m === undefined || m === null) {
        if (missingModeId < 0) {
          missingModeId = rawModes.length;
          rawModes.push(undefined);
        }
        t = missingModeId;
      } else {
        const key = String(m);
        const found = rawModeMap.get(key);
        if (found === undefined) {
          t = rawModes.length;
          rawModeMap.set(key, t);
          rawModes.push(key);
        } else t = found;
      }
      task[j] = t; // raw-mode id for now
    }
    // raw mode → reward_mode (np.unique order) and → task type (first appearance)
    const modeFirst = new Interner();
    const types = new Interner();
    const rawToModeFirst = new Int32Array(rawModes.length);
    const rawToType = new Int32Array(rawModes.length);
    rawModes.forEach((raw, q) => {
      rawToModeFirst[q] = modeFirst.id(toRewardMode(raw));
      rawToType[q] = types.id(toTaskType(raw));
    });
    const typeNames = types.names;
    const { names: taskNames, remap } = sortNames(modeFirst.names);
    const rawToTask = new Int32Array(rawModes.length);
    for (let q = 0; q < rawModes.length; q++) rawToTask[q] = remap[rawToModeFirst[q]];
    for (let j = lo; j < hi; j++) {
      const q = task[j];
      typeIdx[j] = rawToType[q];
      task[j] = rawToTask[q];
    }

    const batch: AdvBatch = {
      size: hi - lo,
      scores: scores.subarray(lo, hi),
      group: group.subarray(lo, hi),
      task: task.subarray(lo, hi),
      groupCount: groups,
      taskCount: taskNames.length,
      taskNames,
      uids,
    };
    addVerlColumns(batch, rows, perm, lo, hi);
    const res = estimate(batch, options);
    const adv = res.advantages;
    for (let j = lo; j < hi; j++) advantages[perm[j]] = adv[j - lo];
    const taskTypes: TaskTypes = { index: typeIdx.subarray(lo, hi), names: typeNames };
    steps.push({
      step: stepValues[stepOrder[r]],
      rows: hi - lo,
      groups,
      metrics: computeStepMetrics(batch, res.extraMetrics, { rewardModeMetrics, taskTypes }),
    });
  }
  return { advantages, steps };
}

/** Per step: `responseLength` when every row has `response_length`, `components` when rows carry them. */
function addVerlColumns(batch: VerlAdvBatch, rows: readonly ReplayRow[], perm: Int32Array, lo: number, hi: number): void {
  let lengths: Float64Array | undefined = new Float64Array(hi - lo);
  let names: string[] | undefined;
  let values: Float64Array[] | undefined;
  for (let j = lo; j < hi; j++) {
    const i = perm[j];
    const r = rows[i];
    const L = r.response_length;
    if (L === undefined || L === null) lengths = undefined;
    else if (typeof L !== 'number' || !Number.isFinite(L) || L < 1) throw new TypeError(`row ${i}: response_length must be a number ≥ 1, got ${String(L)}`);
    else if (lengths) lengths[j - lo] = L;
    const c = r.components;
    if (c === undefined || c === null) {
      if (names) throw new TypeError(`row ${i}: components missing, but other rows of step ${r.step} have them`);
      continue;
    }
    if (!names) {
      if (j !== lo) throw new TypeError(`row ${i}: components given, but earlier rows of step ${r.step} have none`);
      names = Object.keys(c);
      values = names.map(() => new Float64Array(hi - lo));
    }
    const keys = Object.keys(c);
    if (keys.length !== names.length || names.some((k) => !(k in c))) throw new TypeError(`row ${i}: components ${JSON.stringify(keys)} differ from the step's ${JSON.stringify(names)}`);
    names.forEach((k, q) => {
      const v = c[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`row ${i}: component '${k}' must be a finite number, got ${String(v)}`);
      values![q][j - lo] = v;
    });
  }
  if (lengths) batch.responseLength = lengths;
  if (names) batch.components = { names, values: values! };
}

/**
 * The batch representation shared by every advantage estimator, and their options.
 *
 * A batch is one training step's rollouts, stored column-wise in typed arrays:
 *
 * | field        | type           | meaning                                                        |
 * |--------------|----------------|----------------------------------------------------------------|
 * | `scores`     | `Float64Array` | s_i = Σ token_level_rewards of rollout i (the outcome reward)   |
 * | `group`      | `Int32Array`   | dense index of the rollout's prompt uid, 0 … groupCount−1       |
 * | `task`       | `Int32Array`   | dense index of the rollout's `reward_mode`, 0 … taskCount−1     |
 * | `uids`       | `string[]`     | `uids[group[i]]` is the uid string (first-appearance order)     |
 * | `taskNames`  | `string[]`     | `taskNames[task[i]]` is the mode, sorted like `np.unique`       |
 *
 * Why typed arrays and not tfjs tensors: measured, see `docs/advantages.md` § "Representation".
 * Every estimator is a handful of single passes that scatter into per-group / per-task
 * accumulators and gather back. TMN-Reweight on 1M rollouts takes ~9 ms with plain
 * `Float64Array` loops; the same formulas with `@tensorflow/tfjs` 4.22 (CPU backend,
 * `scatterND` + `gather`) took ~680 ms, in float32 only, and tfjs's `unsortedSegmentSum`
 * is quadratic (it loops over segments).
 *
 * Float64 (not the reference's torch float32) is deliberate: results agree with the
 * reference's golden vectors to ≤ 1e-4 and are more accurate than it.
 */

/** One training step's rollouts, column-wise. Build with `buildBatch` or `batchFromArrays`. */
export interface AdvBatch {
  /** Number of rollouts (rows). */
  readonly size: number;
  readonly scores: Float64Array;
  /** Dense uid index per row. */
  readonly group: Int32Array;
  /** Dense reward_mode index per row. */
  readonly task: Int32Array;
  readonly groupCount: number;
  readonly taskCount: number;
  /** Reward modes in `np.unique` order (Unicode code-point order). */
  readonly taskNames: readonly string[];
  /** Uids in first-appearance order. */
  readonly uids: readonly string[];
}

/**
 * Estimator options. Each estimator reads only the ones it uses (see each estimator file):
 *
 * | option                  | default | used by                | reference keyword            |
 * |-------------------------|---------|------------------------|------------------------------|
 * | `normAdvByStd`          | true    | grpo                   | `norm_adv_by_std_in_grpo`    |
 * | `normAdvByTaskScale`    | true    | tmn_grpo               | `norm_adv_by_task_scale`     |
 * | `difficultyReweight`    | false   | grpo, tmn_grpo         | `difficulty_reweight`        |
 * | `difficultySmoothAlpha` | 0.5     | tmn_grpo               | `difficulty_smooth_alpha`    |
 * | `difficultyGamma`       | 1.0     | grpo, tmn_grpo         | `difficulty_gamma`           |
 * | `epsilon`               | 1e-6    | all                    | `epsilon`                    |
 */
export interface AdvOptions {
  normAdvByStd?: boolean;
  normAdvByTaskScale?: boolean;
  difficultyReweight?: boolean;
  difficultySmoothAlpha?: number;
  difficultyGamma?: number;
  epsilon?: number;
}

export const DEFAULT_ADV_OPTIONS: Readonly<Required<AdvOptions>> = Object.freeze({
  normAdvByStd: true,
  normAdvByTaskScale: true,
  difficultyReweight: false,
  difficultySmoothAlpha: 0.5,
  difficultyGamma: 1.0,
  epsilon: 1e-6,
});

/** Fill in defaults; `undefined` fields take the default (like a Python keyword default). */
export function resolveOptions(options: AdvOptions | undefined): Required<AdvOptions> {
  const o = { ...DEFAULT_ADV_OPTIONS };
  if (options) {
    for (const k of Object.keys(o) as (keyof AdvOptions)[]) {
      const v = options[k];
      if (v !== undefined) (o as Record<string, unknown>)[k] = v;
    }
  }
  return o;
}

/** What every estimator returns: one advantage per row (row order), plus extra metrics (may be empty). */
export interface AdvResult {
  advantages: Float64Array;
  extraMetrics: Record<string, number>;
}

export type AdvEstimatorFn = (batch: AdvBatch, options?: AdvOptions) => AdvResult;

/** A row as the golden file and `buildBatch` take it: `reward_mode` is the top-level (already mapped) mode. */
export interface AdvRow {
  uid: string;
  reward_mode: string;
  score: number;
}

/**
 * Compare two strings by Unicode code point — what `np.unique` does on a unicode array.
 * JavaScript's default `<` compares UTF-16 code units, which differs only when a
 * surrogate pair (an astral character) meets a BMP character ≥ U+E000.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate encodes a code point ≥ U+10000, above every BMP character.
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Dense ids for strings in first-appearance order: `id(x)` is x's index in `names`, added if new. */
export class Interner {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  id(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(name, i);
      this.names.push(name);
    }
    return i;
  }
}

/**
 * Sorted unique names and a remap from first-appearance ids to sorted ids.
 * @returns `names` in code-point order and `remap[firstAppearanceId] = sortedId`.
 */
export function sortNames(firstAppearance: readonly string[]): { names: string[]; remap: Int32Array } {
  const order = firstAppearance.map((_, i) => i).sort((i, j) => compareCodePoints(firstAppearance[i], firstAppearance[j]));
  const remap = new Int32Array(firstAppearance.length);
  const names: string[] = new Array(order.length);
  for (let r = 0; r < order.length; r++) {
    remap[order[r]] = r;
    names[r] = firstAppearance[order[r]];
  }
  return { names, remap };
}

/**
 * Build a batch from row objects: interns uids (first-appearance order) and modes
 * (sorted like `np.unique`). Throws on a non-finite score or a non-string uid/mode.
 */
export function buildBatch(rows: readonly AdvRow[]): AdvBatch {
  const n = rows.length;
  const scores = new Float64Array(n);
  const group = new Int32Array(n);
  const task = new Int32Array(n);
  const uids = new Interner();
  const modes = new Interner();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (typeof r.uid !== 'string') throw new TypeError(`row ${i}: uid must be a string`);
    if (typeof r.reward_mode !== 'string') throw new TypeError(`row ${i}: reward_mode must be a string`);
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) {
      throw new TypeError(`row ${i}: score must be a finite number, got ${String(r.score)}`);
    }
    scores[i] = r.score;
    group[i] = uids.id(r.uid);
    task[i] = modes.id(r.reward_mode);
  }
  const { names, remap } = sortNames(modes.names);
  for (let i = 0; i < n; i++) task[i] = remap[task[i]];
  return { size: n, scores, group, task, groupCount: uids.names.length, taskCount: names.length, taskNames: names, uids: uids.names };
}

/**
 * Wrap existing columns as a batch (no copy), checking that indices are in range.
 * `uids` defaults to `"0"…"groupCount-1"`. `taskNames` must already be in the order
 * the caller wants (`np.unique` order if it is to match the reference's indexing).
 */
export function batchFromArrays(cols: {
  scores: Float64Array;
  group: Int32Array;
  task: Int32Array;
  groupCount: number;
  taskNames: readonly string[];
  uids?: readonly string[];
}): AdvBatch {
  const { scores, group, task, groupCount, taskNames } = cols;
  const n = scores.length;
  if (group.length !== n || task.length !== n) throw new RangeError('scores, group and task must have the same length');
  const taskCount = taskNames.length;
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const t = task[i];
    if (g < 0 || g >= groupCount) throw new RangeError(`row ${i}: group ${g} out of range [0, ${groupCount})`);
    if (t < 0 || t >= taskCount) throw new RangeError(`row ${i}: task ${t} out of range [0, ${taskCount})`);
    if (!Number.isFinite(scores[i])) throw new RangeError(`row ${i}: score is not finite`);
  }
  const uids = cols.uids ?? Array.from({ length: groupCount }, (_, i) => String(i));
  if (uids.length !== groupCount) throw new RangeError('uids.length must equal groupCount');
  return { size: n, scores, group, task, groupCount, taskCount, taskNames, uids };
}

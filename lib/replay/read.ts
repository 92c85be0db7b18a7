/**
 * Reading a verl rollout dump one step file at a time, for `golongrl replay`.
 *
 * Layouts accepted (verl `RayPPOTrainer._dump_generations`, one `<global_step>.jsonl` per step):
 *   - `verl<0.6`:  {"input", "output", "score", "step"}
 *   - `verl>=0.6`: {"input", "output", "gts", "score", "step", …reward extra info (e.g. "acc")}
 * Anything else is refused with file, line and the missing field (exit 2). One run has one layout.
 *
 * Optional fields a line may carry (none of them is written by verl itself; a reward function can add
 * them, see cluster/reward/golongrl_reward.py): `uid` (prompt group), `reward_mode`, `data_source`,
 * `capability`, `response_length` (valid response tokens, used by OPO / REINFORCE++ / GDPO), and
 * numeric reward components named by `components` (GDPO).
 *
 * Per row we keep only what replay needs — group id, score, mode, task, length, components — never
 * the text: within a step, `input` is interned once per distinct prompt.
 */
import { buildPromptIndex, listDumpDir, promptJoinKey, stepFromName, type PromptIndex } from '../data/rollout_dump.js';
import { readRecords } from '../data/dataset.js';
import { Interner } from '../advantage/types.js';
import { FieldError, InputError, typeOf } from '../util/jsonl.js';

export type DumpLayout = 'verl<0.6' | 'verl>=0.6';

/** One step's rows, column-wise. */
export interface StepRows {
  step: number;
  file: string;
  layout: DumpLayout;
  size: number;
  scores: Float64Array;
  /** Group (prompt) id per row, dense in first-appearance order. */
  group: Int32Array;
  /** Raw reward mode per row (index into `modes`; -1 = none). */
  mode: Int32Array;
  modes: string[];
  /** Display task per row (index into `tasks`). */
  task: Int32Array;
  tasks: string[];
  groupCount: number;
  /** Valid response tokens per row, when every row has `response_length`. */
  responseLength?: Float64Array;
  /** Reward components (GDPO), one column per requested name. */
  components?: { names: string[]; values: Float64Array[] };
  /** Where groups came from: `uid` fields, or identical `input` text. */
  groupedBy: 'uid' | 'input' | 'mixed';
  /** Rows whose task came from a line field, from the dataset join, or from nowhere (one task). */
  taskFrom: { field: number; join: number; none: number };
  /** With a dataset: rows whose prompt was found / not found. */
  joined: number;
  unjoined: number;
  /** Distinct prompts (within the step) the dataset did not have. */
  unjoinedPrompts: number;
  /** First few unjoined rows (line and prompt head), at most `maxUnjoinedExamples` per step. */
  unjoinedExamples: { file: string; line: number; prompt: string }[];
}

export interface ReadStepOptions {
  join?: PromptIndex;
  components?: readonly string[];
  maxUnjoinedExamples?: number;
}

interface Line {
  step: number;
  input: string;
  score: number;
  hasGts: boolean;
  uid?: string;
  reward_mode?: string;
  data_source?: string;
  capability?: string;
  response_length?: number;
  comps?: number[];
}

const SHAPE = 'a verl rollout dump line has "input", "output", "score", "step" (and "gts" from verl 0.6)';

function validator(fileStep: number | undefined, components: readonly string[]) {
  return (o: Record<string, unknown>): Line => {
    for (const f of ['input', 'output'] as const) {
      const v = o[f];
      if (typeof v !== 'string') throw new FieldError(f, v === undefined ? `missing (${SHAPE})` : `expected a string, got ${typeOf(v)}`);
    }
    const score = o.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new FieldError('score', score === undefined ? `missing (${SHAPE})` : `expected a finite number, got ${typeOf(score)}`);
    }
    const step = o.step;
    if (step === undefined || step === null) throw new FieldError('step', `missing (${SHAPE})`);
    if (typeof step !== 'number' || !Number.isInteger(step)) throw new FieldError('step', `expected an integer, got ${typeOf(step)}`);
    if (fileStep !== undefined && step !== fileStep) throw new FieldError('step', `is ${step} but the file is ${fileStep}.jsonl`);
    const line: Line = { step, input: o.input as string, score, hasGts: Object.prototype.hasOwnProperty.call(o, 'gts') };
    const uid = o.uid;
    if (uid !== undefined && uid !== null) {
      if (typeof uid !== 'string' && typeof uid !== 'number') throw new FieldError('uid', `expected a string or number, got ${typeOf(uid)}`);
      line.uid = `${typeof uid === 'number' ? 'n' : 's'}\u0000${uid}`; // uid 1 and "1" stay apart (issue 15 §6)
    }
    for (const f of ['reward_mode', 'data_source', 'capability'] as const) {
      const v = o[f];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') throw new FieldError(f, `expected a string, got ${typeOf(v)}`);
      line[f] = v;
    }
    const rl = o.response_length;
    if (rl !== undefined && rl !== null) {
      if (typeof rl !== 'number' || !Number.isFinite(rl) || rl < 1) throw new FieldError('response_length', `expected a number ≥ 1, got ${JSON.stringify(rl)}`);
      line.response_length = rl;
    }
    if (components.length) {
      line.comps = components.map((k) => {
        const v = o[k];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new FieldError(k, v === undefined ? 'missing (a reward component named by --components)' : `expected a finite number, got ${typeOf(v)}`);
        }
        return v;
      });
    }
    return line;
  };
}

/**
 * Read one step file. `layout` is the run's layout so far (undefined before the first line); a line
 * of the other layout is refused, naming it.
 */
export async function readStep(file: string, fileStep: number | undefined, layoutSoFar: DumpLayout | undefined, opts: ReadStepOptions = {}): Promise<StepRows> {
  const components = opts.components ?? [];
  const maxEx = opts.maxUnjoinedExamples ?? 5;
  const scores: number[] = [];
  const group: number[] = [];
  const mode: number[] = [];
  const task: number[] = [];
  const lengths: number[] = [];
  let allLengths = true;
  const comps: number[][] = components.map(() => []);
  const groups = new Interner();
  const modes = new Interner();
  const tasks = new Interner();
  const joinCache = new Map<string, { mode?: string; task?: string } | null>();
  let layout = layoutSoFar;
  let step: number | undefined;
  let byUid = 0;
  let byInput = 0;
  const taskFrom = { field: 0, join: 0, none: 0 };
  let joined = 0;
  let unjoined = 0;
  const unjoinedExamples: StepRows['unjoinedExamples'] = [];

  await readRecords(
    file,
    validator(fileStep, components),
    (r) => {
      const l = r.value;
      const lay: DumpLayout = l.hasGts ? 'verl>=0.6' : 'verl<0.6';
      if (layout === undefined) layout = lay;
      else if (layout !== lay) {
        throw new InputError(file, r.index, 'gts', l.hasGts ? `present, but earlier lines of this dump (layout ${layout}) have none: one run, one layout` : `missing, but earlier lines of this dump (layout ${layout}) have it: one run, one layout`);
      }
      if (step === undefined) step = l.step;
      else if (l.step !== step) throw new InputError(file, r.index, 'step', `is ${l.step} but earlier lines of this file are step ${step}`);
      // group: uid, else identical input
      let g: number;
      if (l.uid !== undefined) {
        g = groups.id(`u\u0000${l.uid}`);
        byUid++;
      } else {
        g = groups.id(`i\u0000${l.input}`);
        byInput++;
      }
      // task: line fields, else the join, else none
      let m = l.reward_mode ?? l.data_source;
      let t = l.capability ?? m;
      let from: 'field' | 'join' | 'none' = t !== undefined ? 'field' : 'none';
      if (opts.join) {
        let info = joinCache.get(l.input);
        if (info === undefined) {
          const p = opts.join.get(promptJoinKey(l.input));
          info = p ? { mode: p.reward_mode || p.data_source, task: p.capability ?? (p.reward_mode || p.data_source) } : null;
          joinCache.set(l.input, info);
        }
        if (info) {
          joined++;
          if (m === undefined) m = info.mode;
          if (t === undefined) {
            t = info.task;
            from = 'join';
          } else if (l.capability === undefined && info.task !== undefined) {
            t = info.task; // the dataset knows the capability; the line only its mode
          }
        } else {
          unjoined++;
          if (unjoinedExamples.length < maxEx) unjoinedExamples.push({ file, line: r.index, prompt: l.input.slice(0, 120) });
        }
      }
      taskFrom[from]++;
      scores.push(l.score);
      group.push(g);
      mode.push(m === undefined ? -1 : modes.id(m));
      task.push(tasks.id(t ?? 'all'));
      if (l.response_length === undefined) allLengths = false;
      else lengths.push(l.response_length);
      if (l.comps) l.comps.forEach((v, k) => comps[k].push(v));
    },
    { format: 'jsonl' },
  );
  const size = scores.length;
  const out: StepRows = {
    step: step ?? fileStep ?? NaN,
    file,
    layout: layout ?? 'verl>=0.6',
    size,
    scores: Float64Array.from(scores),
    group: Int32Array.from(group),
    mode: Int32Array.from(mode),
    modes: modes.names,
    task: Int32Array.from(task),
    tasks: tasks.names,
    groupCount: groups.names.length,
    groupedBy: byUid && byInput ? 'mixed' : byUid ? 'uid' : 'input',
    taskFrom,
    joined,
    unjoined,
    unjoinedPrompts: [...joinCache.values()].filter((v) => v === null).length,
    unjoinedExamples,
  };
  if (allLengths && size > 0) out.responseLength = Float64Array.from(lengths);
  if (components.length) out.components = { names: [...components], values: comps.map((c) => Float64Array.from(c)) };
  return out;
}

export { buildPromptIndex, listDumpDir, stepFromName };

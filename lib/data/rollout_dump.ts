/**
 * verl rollout dumps: read them into rows `replayAdvantages` takes, and write synthetic rollouts in
 * exactly their format.
 *
 * Format (GOLONGRL.md §D, verl `ray_trainer._dump_generations`): with `trainer.rollout_data_dir=DIR`
 * the trainer writes one file per step, `DIR/<global_step>.jsonl`, one line per trajectory, each line
 * `json.dumps(entry, ensure_ascii=False)` of
 *
 *     {"input": <prompt decoded with skip_special_tokens=True>,
 *      "output": <response decoded with skip_special_tokens=True>,
 *      "gts": <reward_model.ground_truth>, "score": <sum of token_level_scores, a float>,
 *      "step": <global_step>, …every reward_extra_info key with one value per trajectory, e.g. "acc"}
 *
 * (Python's separators: `", "` and `": "`; floats in Python repr, `1.0` not `1`.)
 *
 * What a dump lacks: `uid`, `data_source` and `reward_mode`. So
 *  - rollouts are grouped by prompt with `input` (same text within a step = one GRPO group), which is
 *    what `replayAdvantages` does for rows without a uid;
 *  - the reward mode (what tmn_grpo / qwenlong_grpo normalise over) comes, in this order, from
 *      1. a `reward_mode` field on the dump line (add it yourself, e.g. from your own reward function's
 *         extra info: any key in reward_extra_info with one value per trajectory is dumped), or
 *      2. a join with the training dataset by prompt text: each dataset row's prompt is rendered with
 *         Qwen3's chat template and decoded the way the dump's `input` was (special tokens dropped,
 *         NFC), and matched on its sha256; a trailing generation prefix the template may add
 *         (`<think>\n`, or `<think>\n\n</think>\n\n`) is ignored on both sides;
 *    and is left undefined otherwise (fine for grpo; tmn_grpo needs it).
 *
 * `data/sample/rollout_dump/` is such a dump made from `syntheticRollouts` (3 steps × 9 capability
 * types × 2 prompts × 8 responses), with `data/sample/rollout_dump_prompts.jsonl` the dataset to join
 * it with; `golongrl data sample` regenerates both.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Capability } from './capabilities.js';
import { FieldError, InputError, typeOf } from '../util/jsonl.js';
import { pyFloatRepr } from '../util/pyjson.js';
import { syntheticRollouts, type SyntheticOptions } from './synthetic_rollouts.js';
import { readDataset, readRecords, type ReadRecordsOptions } from './dataset.js';
import type { ChatMessage } from './schema.js';
import { contentHash, decodedPromptText } from './tokens.js';
import { mkdirp } from '../util/fsx.js';

/** One trajectory of a dump, as read. */
export interface RolloutDumpRow {
  step: number;
  input: string;
  output: string;
  gts: unknown;
  score: number;
  /** Every other key of the line (`acc`, your own reward extra info, a `reward_mode` you added, …). */
  extra: Record<string, unknown>;
  /** Which file and line it came from. */
  file: string;
  line: number;
  /** From the line's own `reward_mode`, else from the dataset join (raw sub-task name or mode). */
  reward_mode?: string;
  /** From the dataset join. */
  data_source?: string;
  capability?: Capability;
}

/** The row shape `replayAdvantages` (lib/advantage/replay.ts) takes; grouped by `input`. */
export interface DumpReplayRow {
  step: number;
  input: string;
  reward_mode?: string;
  score: number;
}

/** What a dataset row tells us about a prompt. */
export interface PromptInfo {
  data_source: string;
  /** `extra_info.reward_mode` as stored (or "" when absent). */
  reward_mode: string;
  capability: Capability;
  ability?: string;
}

/** Dataset prompts keyed by `promptJoinKey(decoded prompt)`. */
export type PromptIndex = Map<string, PromptInfo>;

const GENERATION_SUFFIXES = ['assistant\n<think>\n\n</think>\n\n', 'assistant\n<think>\n'];

/** The join key of a decoded prompt text: sha256 of its NFC form without a template's think prefix. */
export function promptJoinKey(decodedInput: string): string {
  let t = decodedInput.normalize('NFC');
  for (const suf of GENERATION_SUFFIXES) {
    if (t.endsWith(suf)) {
      t = t.slice(0, t.length - suf.length) + 'assistant\n';
      break;
    }
  }
  return contentHash(t);
}

/** Index a dataset (JSONL or parquet) by prompt text, for `readRolloutDump({ join })`. */
export async function buildPromptIndex(datasetPath: string, opts: ReadRecordsOptions = {}): Promise<PromptIndex> {
  const index: PromptIndex = new Map();
  await readDataset(
    datasetPath,
    (r) => {
      const info: PromptInfo = { data_source: r.value.data_source, reward_mode: r.value.sub_task ?? '', capability: r.value.capability };
      if (r.value.ability !== undefined) info.ability = r.value.ability;
      index.set(promptJoinKey(decodedPromptText(r.value.prompt)), info);
    },
    opts,
  );
  return index;
}

const CORE = new Set(['input', 'output', 'gts', 'score', 'step']);

/** The step of a `<step>.jsonl` file name (digits only), else undefined. */
export function stepFromName(file: string): number | undefined {
  const m = /^(\d+)\.jsonl$/.exec(basename(file));
  return m ? Number(m[1]) : undefined;
}

/** Validate one dump line (the reader adds file and line to errors). */
export function validateDumpLine(fileStep: number | undefined) {
  return (o: Record<string, unknown>): Omit<RolloutDumpRow, 'file' | 'line'> => {
    for (const f of ['input', 'output'] as const) {
      const v = o[f];
      if (typeof v !== 'string') throw new FieldError(f, v === undefined ? 'missing' : `expected a string, got ${typeOf(v)}`);
    }
    const score = o.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new FieldError('score', score === undefined ? 'missing' : `expected a finite number, got ${typeOf(score)}`);
    let step = o.step;
    if (step === undefined || step === null) {
      if (fileStep === undefined) throw new FieldError('step', 'missing (and the file name is not <step>.jsonl)');
      step = fileStep;
    }
    if (typeof step !== 'number' || !Number.isInteger(step)) throw new FieldError('step', `expected an integer, got ${typeOf(step)}`);
    if (fileStep !== undefined && step !== fileStep) throw new FieldError('step', `is ${step} but the file is ${fileStep}.jsonl`);
    const rm = o.reward_mode;
    if (rm !== undefined && rm !== null && typeof rm !== 'string') throw new FieldError('reward_mode', `expected a string, got ${typeOf(rm)}`);
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!CORE.has(k)) extra[k] = v;
    const row: Omit<RolloutDumpRow, 'file' | 'line'> = { step, input: o.input as string, output: o.output as string, gts: o.gts ?? null, score, extra };
    if (typeof rm === 'string') row.reward_mode = rm;
    return row;
  };
}

/** A dump directory's step files, and what else it holds (never dropped silently). */
export interface DumpListing {
  /** `<step>.jsonl` files, ascending by step. */
  files: { file: string; step: number }[];
  /** Entries that are not step files and not `.jsonl` (a README, a subdirectory, …), with the reason. */
  skipped: { file: string; reason: string }[];
}

/**
 * List a dump directory (or take the one file given). verl names step files `<global_step>.jsonl`.
 * Refused with an InputError (exit 2): a `.jsonl` whose name is not a step number (`notes.jsonl`,
 * `step5.jsonl`: a dump with something mixed in, or renamed files), and two names for one step
 * (`01.jsonl` and `1.jsonl`), which would double that step. Anything else is listed in `skipped`.
 */
export function listDumpDir(path: string): DumpListing {
  if (!statSync(path).isDirectory()) return { files: [{ file: path, step: stepFromName(path) ?? NaN }], skipped: [] };
  const files: { file: string; step: number }[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const byStep = new Map<number, string>();
  for (const name of readdirSync(path).sort()) {
    const file = join(path, name);
    const step = stepFromName(name);
    if (step === undefined) {
      if (name.endsWith('.jsonl')) {
        throw InputError.at(file, 'file name', `not a verl step file: a rollout dump directory holds only <global_step>.jsonl files (e.g. 12.jsonl); move '${name}' out of ${path}`);
      }
      skipped.push({ file, reason: statSync(file).isDirectory() ? 'a directory, not a <step>.jsonl file' : 'not a <step>.jsonl file' });
      continue;
    }
    const other = byStep.get(step);
    if (other !== undefined) {
      throw InputError.at(file, 'file name', `step ${step} is given twice, as '${basename(other)}' and '${name}'; keep one`);
    }
    byStep.set(step, file);
    files.push({ file, step });
  }
  files.sort((a, b) => a.step - b.step);
  return { files, skipped };
}

/** The `<step>.jsonl` files of a dump directory, by step; or the one file given (see `listDumpDir`). */
export function dumpFiles(path: string): string[] {
  return listDumpDir(path).files.map((f) => f.file);
}

export interface ReadDumpResult {
  rows: RolloutDumpRow[];
  files: string[];
  /** Directory entries that are not step files (see `listDumpDir`). */
  skipped: { file: string; reason: string }[];
  /** Lines quarantined (with `skipBad`). */
  bad: number;
  /** Rows that got a reward mode from the dataset join, and rows the join found no prompt for. */
  joined: number;
  unmatched: number;
}

/** Read a rollout dump directory (or one `<step>.jsonl`), optionally joined with a dataset index. */
export async function readRolloutDump(path: string, opts: { join?: PromptIndex; skipBad?: string } = {}): Promise<ReadDumpResult> {
  const listing = listDumpDir(path);
  const files = listing.files.map((f) => f.file);
  const rows: RolloutDumpRow[] = [];
  let bad = 0;
  let joined = 0;
  let unmatched = 0;
  for (const file of files) {
    const res = await readRecords(file, validateDumpLine(stepFromName(file)), (r) => {
      const row: RolloutDumpRow = { ...r.value, file, line: r.index };
      if (opts.join) {
        const info = opts.join.get(promptJoinKey(row.input));
        if (info) {
          row.data_source = info.data_source;
          row.capability = info.capability;
          if (row.reward_mode === undefined) {
            row.reward_mode = info.reward_mode;
            joined++;
          }
        } else unmatched++;
      }
      rows.push(row);
    }, { skipBad: opts.skipBad, format: 'jsonl' });
    bad += res.bad;
  }
  return { rows, files, skipped: listing.skipped, bad, joined, unmatched };
}

/** Rows for `replayAdvantages(rows, estimator)`: grouped by `input` within each step. */
export function toReplayRows(rows: readonly RolloutDumpRow[]): DumpReplayRow[] {
  return rows.map((r) => {
    const out: DumpReplayRow = { step: r.step, input: r.input, score: r.score };
    if (r.reward_mode !== undefined) out.reward_mode = r.reward_mode;
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * `json.dumps(value, ensure_ascii=False)` as CPython writes it: `", "` / `": "` separators, strings
 * escaped as JSON.stringify does (the same escapes for well-formed text), integral numbers as ints
 * except under keys listed in `floatKeys` (top level), which are Python floats (`1.0`, `1e-05`).
 */
export function pyJsonDumps(value: unknown, floatKeys: ReadonlySet<string> = new Set()): string {
  const num = (x: number, asFloat: boolean) => {
    if (Number.isNaN(x)) return 'NaN';
    if (x === Infinity) return 'Infinity';
    if (x === -Infinity) return '-Infinity';
    return asFloat || !Number.isInteger(x) ? pyFloatRepr(x) : String(x);
  };
  const enc = (v: unknown, asFloat: boolean): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return num(v, asFloat);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map((x) => enc(x, false)).join(', ')}]`;
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${enc(x, false)}`)
      .join(', ')}}`;
  };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${enc(x, floatKeys.has(k))}`)
      .join(', ')}}`;
  }
  return enc(value, false);
}

export interface DumpEntry {
  step: number;
  input: string;
  output: string;
  gts: unknown;
  score: number;
  /** Reward extra info, in key order (verl's dapo manager stores `acc` = score for scalar rewards). */
  extra?: Record<string, unknown>;
}

/** The keys verl writes as Python floats. */
const FLOAT_KEYS = new Set(['score', 'acc']);

/** One dump line exactly as verl writes it. */
export function formatDumpLine(e: DumpEntry): string {
  return pyJsonDumps({ input: e.input, output: e.output, gts: e.gts, score: e.score, step: e.step, ...(e.extra ?? {}) }, FLOAT_KEYS);
}

/** Write entries as `dir/<step>.jsonl`, one file per step, lines in the given order. Returns the files. */
export function writeRolloutDump(dir: string, entries: readonly DumpEntry[]): string[] {
  mkdirp(dir);
  const bySteps = new Map<number, string[]>();
  for (const e of entries) {
    const lines = bySteps.get(e.step) ?? [];
    lines.push(formatDumpLine(e));
    bySteps.set(e.step, lines);
  }
  const files: string[] = [];
  for (const [step, lines] of [...bySteps].sort((a, b) => a[0] - b[0])) {
    const f = join(dir, `${step}.jsonl`);
    writeFileSync(f, lines.join('\n') + '\n');
    files.push(f);
  }
  return files;
}

/** The stand-in prompt of a synthetic rollout group (a SAMPLE, not a real document). */
export function syntheticPrompt(uid: string, capability: string, dataSource: string): ChatMessage[] {
  return [
    {
      role: 'user',
      content: `[SAMPLE] Synthetic prompt ${uid}: a stand-in for a long document and its question (capability ${capability}, data_source ${dataSource}), generated by golongrl-lab's syntheticRollouts; not GoLongRL data.`,
    },
  ];
}

export interface SyntheticDump {
  entries: DumpEntry[];
  /** The dataset rows of the prompts (GoLongRL record shape), for the join. */
  prompts: Record<string, unknown>[];
}

/**
 * Synthetic rollouts (lib/data/synthetic_rollouts.ts) as a verl dump: `input` is the stand-in prompt
 * decoded as verl decodes it, `output` the response, `gts` the ground truth, `score` the real reward,
 * `acc` = score (as verl's dapo reward manager records a scalar reward). No uid, no reward_mode.
 */
export function syntheticDump(opts: SyntheticOptions = {}): SyntheticDump {
  const rollouts = syntheticRollouts(opts);
  const entries: DumpEntry[] = [];
  const prompts: Record<string, unknown>[] = [];
  const seen = new Map<string, string>();
  for (const r of rollouts) {
    let input = seen.get(r.uid);
    if (input === undefined) {
      const messages = syntheticPrompt(r.uid, r.capability, r.data_source);
      input = decodedPromptText(messages);
      seen.set(r.uid, input);
      prompts.push({
        data_source: r.data_source,
        prompt: messages,
        ability: r.capability,
        reward_model: { style: 'rule', ground_truth: r.ground_truth },
        extra_info: { reward_mode: r.extra_info?.reward_mode ?? r.data_source, sample: true, uid: r.uid },
      });
    }
    entries.push({ step: r.step, input, output: r.response, gts: r.ground_truth, score: r.score, extra: { acc: r.score } });
  }
  return { entries, prompts };
}

/** The fixture's settings (data/sample/rollout_dump/). */
export const DUMP_FIXTURE_OPTIONS: Required<Pick<SyntheticOptions, 'seed' | 'steps' | 'promptsPerTask' | 'n'>> = { seed: 7, steps: 3, promptsPerTask: 2, n: 8 };

/** Write the rollout-dump fixture: `dir/rollout_dump/<step>.jsonl` and `dir/rollout_dump_prompts.jsonl`. */
export function writeDumpFixture(dir: string, opts: SyntheticOptions = DUMP_FIXTURE_OPTIONS): { files: string[]; prompts: string; rows: number } {
  const { entries, prompts } = syntheticDump(opts);
  const files = writeRolloutDump(join(dir, 'rollout_dump'), entries);
  const promptsFile = join(dir, 'rollout_dump_prompts.jsonl');
  writeFileSync(promptsFile, prompts.map((p) => JSON.stringify(p)).join('\n') + '\n');
  return { files, prompts: promptsFile, rows: entries.length };
}

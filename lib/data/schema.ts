/**
 * The GoLongRL / verl training record, and the validation every dataset row goes through.
 *
 * Shape (GOLONGRL.md §A.6; verl's RL dataset format plus the fields the Kwai-Klear/GoLongRL card adds):
 *
 *   {
 *     "data_source":  "longbench_pro" | "EM" | "selection" | "…math_longcot_math_verify…" |
 *                     "multitableqa_pretraining" | "retrieval_calculate",
 *     "prompt":       [{"role": "user", "content": "<document + question>"}, …],
 *     "ability":      "<capability label>",                      (optional)
 *     "reward_model": {"style": "rule",                          (style optional)
 *                      "ground_truth": {"golden_label": str, "doc_ids": [str], "summary": str}},
 *     "extra_info":   {"reward_mode": "<LongBench-Pro sub-task or the data_source>",
 *                      "question": str, …}                       (optional; any other keys kept)
 *   }
 *
 * Validation rules (each failure names the field, e.g. `prompt[0].content`,
 * `reward_model.ground_truth.doc_ids[2]`, `extra_info.reward_mode`):
 *  1. the row is a JSON object;
 *  2. `data_source` is a non-empty string that a registered reward function handles
 *     (lib/rewards/index.ts, the reference's `default_compute_score` dispatch);
 *  3. `prompt` is a non-empty list of `{role, content}` objects with string `content` and a role
 *     among system / user / assistant / tool, with at least one `user` message;
 *  4. `ability`, when present and not null, is a string;
 *  5. `reward_model` is an object with a `ground_truth`; a list-valued ground truth must be
 *     non-empty (the reward uses its last element, as the reference does);
 *  6. the ground-truth fields that are present have their types: `golden_label` a string,
 *     `doc_ids` a list of strings, `summary` a string (null counts as absent);
 *  7. the fields the row's reward needs are there (`checkRewardCase`, i.e. where the reference would
 *     raise): `doc_ids` for longbench_pro and retrieval_calculate, `golden_label` for EM / selection /
 *     math (unless the ground truth is a bare string) / retrieval_calculate, a known LongBench-Pro
 *     sub-task in `extra_info.reward_mode` for longbench_pro;
 *  8. a longbench_pro or retrieval_calculate row's `doc_ids` is not empty, and an EM / selection /
 *     math / retrieval_calculate row's `golden_label` is not blank: such a row scores 0 whatever the
 *     model writes, so it can only add zero-variance groups;
 *  9. `extra_info`, when present and not null, is an object, and its `reward_mode` / `question`,
 *     when present and not null, are strings.
 * The row then maps to one of the nine capability types and a reward type
 * (lib/rewards/capabilities.ts) and to the trainer's reward mode (`toRewardMode`).
 */
import { CAPABILITIES, capabilityOf, rewardTypeOf, type Capability, type RewardType } from './capabilities.js';
import { checkRewardCase } from '../rewards/index.js';
import { toRewardMode } from './subtasks.js';
import { FieldError, typeOf } from '../util/jsonl.js';

export { CAPABILITIES };
export type { Capability, RewardType };

export const MESSAGE_ROLES = ['system', 'user', 'assistant', 'tool'] as const;

export interface ChatMessage {
  role: string;
  content: string;
}

/** The ground-truth fields GoLongRL's rewards read (from the dict, or from the last list element). */
export interface GroundTruthFields {
  golden_label?: string;
  doc_ids?: string[];
  summary?: string;
}

/** A validated row: the fields as read, plus what they map to. */
export interface DatasetRecord {
  data_source: string;
  prompt: ChatMessage[];
  ability?: string;
  /** `reward_model.ground_truth` exactly as stored (dict, list of dicts, or string). */
  ground_truth: unknown;
  /** The typed view of the ground truth the reward uses (last element of a list). */
  gt: GroundTruthFields;
  /** `extra_info` as stored (null when absent). */
  extra_info: Record<string, unknown> | null;
  /** `extra_info.reward_mode` as stored (a LongBench-Pro sub-task name, or e.g. "EM"). */
  sub_task?: string;
  /** The trainer's reward mode: `TASK_METRIC_CONFIG.get(x, x)`, missing → "" (what tmn_grpo groups by). */
  reward_mode: string;
  capability: Capability;
  reward_type: RewardType;
  question?: string;
}

const GT = 'reward_model.ground_truth';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optionalString(obj: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FieldError(field, `expected a string, got ${typeOf(v)}`);
  return v;
}

function validatePrompt(v: unknown): ChatMessage[] {
  if (v === undefined || v === null) throw new FieldError('prompt', 'missing');
  if (!Array.isArray(v)) throw new FieldError('prompt', `expected a list of {role, content} messages, got ${typeOf(v)}`);
  if (v.length === 0) throw new FieldError('prompt', 'empty list of messages');
  let users = 0;
  const out: ChatMessage[] = [];
  v.forEach((m, i) => {
    if (!isObject(m)) throw new FieldError(`prompt[${i}]`, `expected a {role, content} object, got ${typeOf(m)}`);
    const role = m.role;
    if (typeof role !== 'string') throw new FieldError(`prompt[${i}].role`, role === undefined ? 'missing' : `expected a string, got ${typeOf(role)}`);
    if (!(MESSAGE_ROLES as readonly string[]).includes(role))
      throw new FieldError(`prompt[${i}].role`, `unknown role '${role}' (expected one of ${MESSAGE_ROLES.join(', ')})`);
    const content = m.content;
    if (typeof content !== 'string')
      throw new FieldError(`prompt[${i}].content`, content === undefined || content === null ? 'missing' : `expected a string, got ${typeOf(content)}`);
    if (role === 'user') users++;
    out.push({ role, content });
  });
  if (users === 0) throw new FieldError('prompt', 'no message with role "user"');
  return out;
}

function groundTruthFields(g: unknown): GroundTruthFields {
  if (!isObject(g)) return {};
  const out: GroundTruthFields = {};
  const label = optionalString(g, 'golden_label', `${GT}.golden_label`);
  if (label !== undefined) out.golden_label = label;
  const summary = optionalString(g, 'summary', `${GT}.summary`);
  if (summary !== undefined) out.summary = summary;
  const ids = g.doc_ids;
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids)) throw new FieldError(`${GT}.doc_ids`, `expected a list of strings, got ${typeOf(ids)}`);
    ids.forEach((d, i) => {
      if (typeof d !== 'string') throw new FieldError(`${GT}.doc_ids[${i}]`, `expected a string, got ${typeOf(d)}`);
    });
    out.doc_ids = ids as string[];
  }
  return out;
}

/** Validate one dataset row; throws `FieldError` naming the field (readers add file and line/row). */
export function validateRecord(o: Record<string, unknown>): DatasetRecord {
  const ds = o.data_source;
  if (ds === undefined || ds === null) throw new FieldError('data_source', 'missing');
  if (typeof ds !== 'string') throw new FieldError('data_source', `expected a string, got ${typeOf(ds)}`);
  if (ds === '') throw new FieldError('data_source', 'empty string');
  const prompt = validatePrompt(o.prompt);
  const ability = optionalString(o, 'ability', 'ability');

  const rm = o.reward_model;
  if (rm === undefined || rm === null) throw new FieldError('reward_model', 'missing');
  if (!isObject(rm)) throw new FieldError('reward_model', `expected an object, got ${typeOf(rm)}`);
  if (!('ground_truth' in rm) || rm.ground_truth === undefined) throw new FieldError(GT, 'missing');
  const groundTruth = rm.ground_truth;
  if (Array.isArray(groundTruth) && groundTruth.length === 0) throw new FieldError(GT, 'empty list (the reward reads its last element)');
  const last = Array.isArray(groundTruth) ? groundTruth[groundTruth.length - 1] : groundTruth;
  const gt = groundTruthFields(last);

  const ei = o.extra_info;
  if (ei !== undefined && ei !== null && !isObject(ei)) throw new FieldError('extra_info', `expected an object or null, got ${typeOf(ei)}`);
  const extra = (ei ?? null) as Record<string, unknown> | null;
  const subTask = extra ? optionalString(extra, 'reward_mode', 'extra_info.reward_mode') : undefined;
  const question = extra ? optionalString(extra, 'question', 'extra_info.question') : undefined;

  const problem = checkRewardCase({ data_source: ds, response: '', ground_truth: groundTruth, extra_info: extra });
  if (problem) throw new FieldError(problem.field.startsWith('ground_truth') ? `reward_model.${problem.field}` : problem.field, problem.reason);

  const rewardType = rewardTypeOf(ds, subTask);
  const capability = capabilityOf(ds, subTask);
  if (!rewardType || !capability) throw new FieldError('data_source', `no capability type for data_source '${ds}'`);

  if ((ds === 'longbench_pro' || ds === 'retrieval_calculate') && (gt.doc_ids?.length ?? 0) === 0)
    throw new FieldError(`${GT}.doc_ids`, gt.doc_ids ? 'empty list: the row would score 0 whatever the response' : 'missing');
  const needsLabel = ds === 'EM' || ds === 'selection' || ds === 'retrieval_calculate' || rewardType === 'math_verify';
  if (needsLabel) {
    const label = typeof last === 'string' ? last : gt.golden_label;
    if (label !== undefined && label.trim() === '')
      throw new FieldError(typeof last === 'string' ? GT : `${GT}.golden_label`, 'blank: the row would score 0 whatever the response');
  }

  const rec: DatasetRecord = {
    data_source: ds,
    prompt,
    ground_truth: groundTruth,
    gt,
    extra_info: extra,
    reward_mode: toRewardMode(subTask),
    capability,
    reward_type: rewardType,
  };
  if (ability !== undefined) rec.ability = ability;
  if (subTask !== undefined) rec.sub_task = subTask;
  if (question !== undefined) rec.question = question;
  return rec;
}

/**
 * The synthetic multitask long-context suite the local trainer trains on — small, synthetic, and
 * clearly NOT GoLongRL data.
 *
 * Nine task families, one per GoLongRL capability type (`lib/rewards/capabilities.ts`). Each prompt
 * is a short token sequence over a fixed 55-token vocabulary (`VOCAB`):
 *
 *   <bos> #family  k? v? k? v? … (contextLen tokens = contextLen/2 key/value pairs)  <sep> query… <sep>
 *
 * The "long context" is the key/value sequence; its length is the `contextLen` option. The model's
 * response is a token sequence that `decode` turns into TEXT, which is scored by the REAL reward
 * (`computeScore`, with the format gate), exactly as a GoLongRL row with that data_source would be:
 * so the reward scales differ across families as in the paper (binary EM / Accuracy / math_verify,
 * graded F1 / SubEM / IoU / NDCG / Pairwise / ROUGE-L).
 *
 * | family (capability)   | what the prompt asks                                          | data_source / sub-task (reward)                               |
 * |-----------------------|---------------------------------------------------------------|---------------------------------------------------------------|
 * | precise_retrieval     | the value of the queried key (which occurs once)              | `EM` (exact match after `</think>`)                           |
 * | comprehension         | which option A–D is the value of the queried key              | longbench_pro `T3.2 Single-Hop Fact QA` (Accuracy)            |
 * | exhaustive_retrieval  | every distinct key paired with the queried value              | longbench_pro `T6.2 Targeted Subset Cluster Identification` (F1) |
 * | numerical_reasoning   | how many pairs have the queried key, as `\boxed{n}`           | `math_longcot_math_verify` (math_verify)                      |
 * | structured_extraction | the rows [key#, value#] of every pair with the queried key    | `multitableqa_pretraining` (IoU of rows)                      |
 * | structured_matching   | the values of 2–3 queried keys, one per line, in query order  | longbench_pro `T8.2 Single-Source Targeted Aggregation` (SubEM) |
 * | graded_ranking        | 3–4 queried keys ranked by their value, highest first         | longbench_pro `T1.1 Global Cohesive Retrieval` (NDCG)         |
 * | sequence_ordering     | 3–5 queried keys in the order they occur in the context       | longbench_pro `T2.1 Global Timeline Reconstruction` (Pairwise) |
 * | summarization         | the distinct keys of the context in order of first occurrence | longbench_pro `T4.2 Query-Focused Summary` (ROUGE-L, whole text) |
 *
 * Responses: every answer starts with the single token `</think>` (rendered "</think>\n"; the format
 * gate gives 0 to a response with no `</think>` or with two), then the answer in the shape the reward
 * parses: a bare value (EM), `[Answer]` + one line per item (LongBench-Pro), `\boxed{12}`
 * (math_verify), `<answer>{"data": [[3, 5], [3, 1]]}</answer>` (IoU), or the summary words (ROUGE-L
 * scores the WHOLE response, so the `</think>` word itself costs a little: a gold summary of n words
 * scores 2n/(2n+1), the most that reward allows here). Gold responses end with `<eos>`.
 *
 * Nothing here is tuned to make one advantage estimator win: the families, their sizes and their
 * answer distributions were fixed from the task definitions above (uniform draws, small answer
 * counts so that a tiny model can learn them), never from training results.
 *
 * Training and held-out prompts are disjoint by construction: a prompt belongs to the held-out split
 * iff a hash of its tokens is odd (`isHeldOutPrompt`); `makeBatch` only returns training prompts and
 * `heldOutPrompts` only held-out ones (drawn from a separately salted seed stream).
 */
import { computeScore, passesFormatGate } from '../rewards/index.js';
import { rewardTypeOf, CAPABILITIES, type Capability, type RewardType } from '../rewards/capabilities.js';
import { toRewardMode } from '../rewards/subtasks.js';
import { Rng } from '../util/random.js';

// ───────────────────────────── vocabulary ─────────────────────────────

/** How a token is joined to its neighbours when decoding. */
export type TokenKind = 'control' | 'glue' | 'word' | 'digit';

export interface TokenDef {
  /** The token's name (what `encode` takes). */
  name: string;
  /** Its text when decoded. */
  text: string;
  kind: TokenKind;
}

const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'] as const;
const VALUES = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9'] as const;
const LETTERS = ['A', 'B', 'C', 'D'] as const;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** One marker token per family, the second token of every prompt (tells the model which task it is). */
export const FAMILY_MARKERS: Readonly<Record<Capability, string>> = {
  precise_retrieval: '#ret',
  comprehension: '#mcq',
  exhaustive_retrieval: '#all',
  numerical_reasoning: '#count',
  structured_extraction: '#table',
  structured_matching: '#match',
  graded_ranking: '#rank',
  sequence_ordering: '#order',
  summarization: '#summ',
};

const DEFS: TokenDef[] = [
  { name: '<pad>', text: '', kind: 'control' },
  { name: '<bos>', text: '<bos>', kind: 'word' },
  { name: '<sep>', text: '<sep>', kind: 'word' },
  { name: '<eos>', text: '', kind: 'control' },
  { name: '</think>', text: '</think>\n', kind: 'glue' },
  { name: '[Answer]', text: '[Answer]', kind: 'glue' },
  { name: '\n', text: '\n', kind: 'glue' },
  { name: '\\boxed{', text: '\\boxed{', kind: 'glue' },
  { name: '}', text: '}', kind: 'glue' },
  { name: '<answer>', text: '<answer>{"data": [', kind: 'glue' },
  { name: '</answer>', text: ']}</answer>', kind: 'glue' },
  { name: '[', text: '[', kind: 'glue' },
  { name: ']', text: ']', kind: 'glue' },
  { name: ',', text: ', ', kind: 'glue' },
  ...DIGITS.map((d) => ({ name: d, text: d, kind: 'digit' as const })),
  ...KEYS.map((k) => ({ name: k, text: k, kind: 'word' as const })),
  ...VALUES.map((v) => ({ name: v, text: v, kind: 'word' as const })),
  ...LETTERS.map((l) => ({ name: l, text: l, kind: 'word' as const })),
  ...CAPABILITIES.map((c) => ({ name: FAMILY_MARKERS[c], text: FAMILY_MARKERS[c], kind: 'word' as const })),
];

/** The fixed vocabulary, indexed by token id. */
export const VOCAB: readonly TokenDef[] = Object.freeze(DEFS.map((d) => Object.freeze({ ...d })));
export const VOCAB_SIZE = VOCAB.length;

const ID = new Map<string, number>(VOCAB.map((d, i) => [d.name, i]));

/** Token id of a token name; throws on an unknown name. */
export function tokenId(name: string): number {
  const id = ID.get(name);
  if (id === undefined) throw new RangeError(`unknown token '${name}'`);
  return id;
}

export const PAD = tokenId('<pad>');
export const BOS = tokenId('<bos>');
export const SEP = tokenId('<sep>');
export const EOS = tokenId('<eos>');
export const THINK_END = tokenId('</think>');
export const ANSWER = tokenId('[Answer]');
export const NEWLINE = tokenId('\n');

/** Token names → ids. */
export function encode(tokens: readonly string[]): number[] {
  return tokens.map(tokenId);
}

/** Ids → token names (the inverse of `encode`). */
export function tokenNames(ids: ArrayLike<number>): string[] {
  return Array.from(ids, (id) => defOf(id).name);
}

function defOf(id: number): TokenDef {
  const d = Number.isInteger(id) ? VOCAB[id] : undefined;
  if (!d) throw new RangeError(`token id ${id} is outside the vocabulary (0..${VOCAB_SIZE - 1})`);
  return d;
}

/**
 * Token ids → text. Decoding stops at the first `<eos>`; `<pad>` renders as nothing. Adjacent
 * word/digit tokens are separated by one space, except digit after digit (so `1 2` → "12");
 * glue tokens (`</think>`, `[Answer]`, newline, `\boxed{`, `}`, the JSON pieces) join with no space.
 * Throws a RangeError on an id outside the vocabulary.
 */
export function decode(ids: ArrayLike<number>): string {
  let out = '';
  let prev: TokenKind | 'start' = 'start';
  for (let i = 0; i < ids.length; i++) {
    const d = defOf(ids[i]);
    if (d.name === '<eos>') break;
    if (d.kind === 'control') continue;
    const spaced = (d.kind === 'word' && (prev === 'word' || prev === 'digit')) || (d.kind === 'digit' && prev === 'word');
    if (spaced) out += ' ';
    out += d.text;
    prev = d.kind;
  }
  return out;
}

/** Token texts sorted longest first, for `encodeText`'s greedy match. */
const BY_TEXT_LENGTH = VOCAB.map((d, id) => ({ text: d.text, id }))
  .filter((e) => e.text.length > 0)
  .sort((a, b) => b.text.length - a.text.length);

/**
 * Text from `decode` → token ids (greedy longest match; the single spaces `decode` inserts are
 * skipped). `encodeText(decode(ids))` equals `ids` without `<pad>` and cut at the first `<eos>`.
 * Throws on text that no token sequence decodes to.
 */
export function encodeText(text: string): number[] {
  const out: number[] = [];
  let i = 0;
  outer: while (i < text.length) {
    for (const e of BY_TEXT_LENGTH) {
      if (text.startsWith(e.text, i)) {
        out.push(e.id);
        i += e.text.length;
        continue outer;
      }
    }
    if (text[i] === ' ') {
      i++;
      continue;
    }
    throw new RangeError(`no token matches ${JSON.stringify(text.slice(i, i + 12))} at offset ${i}`);
  }
  return out;
}

// ───────────────────────────── prompts ─────────────────────────────

export interface TaskPrompt {
  /** The family (= capability type). */
  family: Capability;
  capability: Capability;
  /** The reward type that scores it (`rewardTypeOf`). */
  rewardType: RewardType;
  /** The record's data_source, as the reward layer dispatches on it. */
  data_source: string;
  /** The record's `extra_info.reward_mode` (a LongBench-Pro sub-task name or the data_source). */
  subTask: string;
  /** The trainer's reward-mode key (`toRewardMode(subTask)`) — what TMN-GRPO normalises over. */
  reward_mode: string;
  /** A stable id of the prompt: family and a hash of its tokens (use as the GRPO group id). */
  uid: string;
  promptTokens: number[];
  groundTruth: Record<string, unknown>;
  extraInfo: Record<string, unknown>;
  /** A response that scores the maximum, ending with `<eos>`. */
  goldResponseTokens: number[];
}

export interface PromptOptions {
  /** Number of context tokens (key/value pairs × 2): an even integer in [8, 512]. */
  contextLen: number;
}

export interface TaskFamily {
  capability: Capability;
  marker: string;
  data_source: string;
  /** `extra_info.reward_mode` for its rows. */
  subTask: string;
  /** The trainer's reward-mode key. */
  reward_mode: string;
  rewardType: RewardType;
  /** One prompt; the training/held-out split is applied by `makeBatch` / `heldOutPrompts`, not here. */
  makePrompt(rng: Rng, opts: PromptOptions): TaskPrompt;
}

/** Longest gold response over all families and context lengths (tokens, `<eos>` included). */
export const MAX_RESPONSE_TOKENS = 32;
/** Longest query (between the two `<sep>`s) over all families. */
const MAX_QUERY_TOKENS = 9;

/** Longest prompt for a context length: `<bos>`, marker, context, `<sep>`, query, `<sep>`. */
export function maxPromptTokens(contextLen: number): number {
  return contextLen + 4 + MAX_QUERY_TOKENS;
}

function checkContextLen(contextLen: number): number {
  if (!Number.isInteger(contextLen) || contextLen < 8 || contextLen > 512 || contextLen % 2 !== 0) {
    throw new RangeError(`contextLen must be an even integer in [8, 512], got ${contextLen}`);
  }
  return contextLen / 2;
}

type Pair = { k: number; v: number }; // 0-based indices into KEYS / VALUES
type Body = { context: Pair[]; query: string[]; groundTruth: Record<string, unknown>; answer: string[] };

/** `n` distinct ints from [0, m), in random order. */
function distinct(rng: Rng, n: number, m: number): number[] {
  return rng.shuffle(Array.from({ length: m }, (_, i) => i)).slice(0, n);
}

/** A context of `pairs` pairs: the `placed` pairs at random positions, the others random with keys not in `avoid`. */
function contextWith(rng: Rng, pairs: number, placed: Pair[], avoid: ReadonlySet<number>): Pair[] {
  const others = KEYS.map((_, i) => i).filter((i) => !avoid.has(i));
  const ctx: Pair[] = Array.from({ length: pairs - placed.length }, () => ({ k: rng.pick(others), v: rng.int(0, 9) }));
  for (const p of placed) ctx.splice(rng.int(0, ctx.length + 1), 0, p);
  return ctx;
}

const lb = (doc_ids: string[]) => ({ doc_ids, summary: 'English', golden_label: '' });
const lines = (items: string[]) => ['[Answer]', ...items.flatMap((x) => ['\n', x])];

interface FamilySpec {
  data_source: string;
  subTask?: string;
  body(rng: Rng, pairs: number): Body;
}

const SPECS: Record<Capability, FamilySpec> = {
  precise_retrieval: {
    data_source: 'EM',
    body(rng, pairs) {
      const q = rng.int(0, 9);
      const v = rng.int(0, 9);
      const context = contextWith(rng, pairs, [{ k: q, v }], new Set([q]));
      return { context, query: [KEYS[q]], groundTruth: { golden_label: VALUES[v] }, answer: [VALUES[v]] };
    },
  },
  comprehension: {
    data_source: 'longbench_pro',
    subTask: 'T3.2 Single-Hop Fact QA',
    body(rng, pairs) {
      const q = rng.int(0, 9);
      const options = distinct(rng, 4, 9);
      const correct = rng.int(0, 4);
      const context = contextWith(rng, pairs, [{ k: q, v: options[correct] }], new Set([q]));
      const query = [KEYS[q], ...options.flatMap((v, i) => [LETTERS[i], VALUES[v]])];
      return { context, query, groundTruth: lb([LETTERS[correct]]), answer: lines([LETTERS[correct]]) };
    },
  },
  exhaustive_retrieval: {
    data_source: 'longbench_pro',
    subTask: 'T6.2 Targeted Subset Cluster Identification',
    body(rng, pairs) {
      const q = rng.int(0, 9);
      const context: Pair[] = Array.from({ length: pairs }, () => ({ k: rng.int(0, 9), v: rng.int(0, 9) }));
      if (!context.some((p) => p.v === q)) context[rng.int(0, pairs)].v = q;
      const keys: string[] = [];
      for (const p of context) if (p.v === q && !keys.includes(KEYS[p.k])) keys.push(KEYS[p.k]);
      return { context, query: [VALUES[q]], groundTruth: lb(keys), answer: lines(keys) };
    },
  },
  numerical_reasoning: {
    data_source: 'math_longcot_math_verify',
    body(rng, pairs) {
      const q = rng.int(0, 9);
      const count = rng.int(1, Math.min(pairs - 1, 12) + 1);
      const placed = Array.from({ length: count }, () => ({ k: q, v: rng.int(0, 9) }));
      const context = contextWith(rng, pairs, placed, new Set([q]));
      return { context, query: [KEYS[q]], groundTruth: { golden_label: String(count) }, answer: ['\\boxed{', ...String(count).split(''), '}'] };
    },
  },
  structured_extraction: {
    data_source: 'multitableqa_pretraining',
    body(rng, pairs) {
      const q = rng.int(0, 9);
      const count = rng.int(1, Math.min(pairs - 1, 4) + 1);
      const placed = Array.from({ length: count }, () => ({ k: q, v: rng.int(0, 9) }));
      const context = contextWith(rng, pairs, placed, new Set([q]));
      const rows = context.filter((p) => p.k === q).map((p) => [p.k + 1, p.v + 1]);
      const answer = ['<answer>', ...rows.flatMap((r, i) => [...(i > 0 ? [','] : []), '[', String(r[0]), ',', String(r[1]), ']']), '</answer>'];
      return { context, query: [KEYS[q]], groundTruth: { golden_label: JSON.stringify({ data: rows }) }, answer };
    },
  },
  structured_matching: {
    data_source: 'longbench_pro',
    subTask: 'T8.2 Single-Source Targeted Aggregation',
    body(rng, pairs) {
      const keys = distinct(rng, rng.int(2, Math.min(3, pairs - 1) + 1), 9);
      const placed = keys.map((k) => ({ k, v: rng.int(0, 9) }));
      const context = contextWith(rng, pairs, placed, new Set(keys));
      const vals = placed.map((p) => VALUES[p.v]);
      return { context, query: keys.map((k) => KEYS[k]), groundTruth: lb(vals), answer: lines(vals) };
    },
  },
  graded_ranking: {
    data_source: 'longbench_pro',
    subTask: 'T1.1 Global Cohesive Retrieval',
    body(rng, pairs) {
      const m = rng.int(3, Math.min(4, pairs - 1) + 1);
      const keys = distinct(rng, m, 9);
      const vals = distinct(rng, m, 9);
      const placed = keys.map((k, i) => ({ k, v: vals[i] }));
      const context = contextWith(rng, pairs, placed, new Set(keys));
      const ranked = [...placed].sort((a, b) => b.v - a.v).map((p) => KEYS[p.k]);
      return { context, query: keys.map((k) => KEYS[k]), groundTruth: lb(ranked), answer: lines(ranked) };
    },
  },
  sequence_ordering: {
    data_source: 'longbench_pro',
    subTask: 'T2.1 Global Timeline Reconstruction',
    body(rng, pairs) {
      const keys = distinct(rng, rng.int(3, Math.min(5, pairs - 1) + 1), 9);
      const context = contextWith(rng, pairs, keys.map((k) => ({ k, v: rng.int(0, 9) })), new Set(keys));
      const ordered = context.filter((p) => keys.includes(p.k)).map((p) => KEYS[p.k]);
      return { context, query: keys.map((k) => KEYS[k]), groundTruth: lb(ordered), answer: lines(ordered) };
    },
  },
  summarization: {
    data_source: 'longbench_pro',
    subTask: 'T4.2 Query-Focused Summary',
    body(rng, pairs) {
      const keys = distinct(rng, rng.int(3, Math.min(9, pairs) + 1), 9);
      const context: Pair[] = keys.map((k) => ({ k, v: rng.int(0, 9) }));
      while (context.length < pairs) context.splice(rng.int(0, context.length + 1), 0, { k: rng.pick(keys), v: rng.int(0, 9) });
      const seen: string[] = [];
      for (const p of context) if (!seen.includes(KEYS[p.k])) seen.push(KEYS[p.k]);
      return { context, query: [], groundTruth: lb([seen.join(' ')]), answer: seen };
    },
  },
};

/** FNV-1a over the family index and the prompt ids. */
function promptHash(capability: Capability, promptTokens: readonly number[]): number {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= (x >>> 8) & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  mix(CAPABILITIES.indexOf(capability));
  for (const t of promptTokens) mix(t);
  return h >>> 0;
}

/** True when a prompt belongs to the held-out split (disjoint from every training prompt). */
export function isHeldOutPrompt(task: Pick<TaskPrompt, 'capability' | 'promptTokens'>): boolean {
  return (promptHash(task.capability, task.promptTokens) & 1) === 1;
}

function family(capability: Capability): TaskFamily {
  const spec = SPECS[capability];
  const subTask = spec.subTask ?? spec.data_source;
  const rewardType = rewardTypeOf(spec.data_source, subTask);
  if (!rewardType) throw new Error(`no reward type for ${spec.data_source}/${subTask}`);
  const reward_mode = toRewardMode(subTask);
  return {
    capability,
    marker: FAMILY_MARKERS[capability],
    data_source: spec.data_source,
    subTask,
    reward_mode,
    rewardType,
    makePrompt(rng, opts) {
      const pairs = checkContextLen(opts.contextLen);
      const b = spec.body(rng, pairs);
      const promptTokens = encode(['<bos>', FAMILY_MARKERS[capability], ...b.context.flatMap((p) => [KEYS[p.k], VALUES[p.v]]), '<sep>', ...b.query, '<sep>']);
      return {
        family: capability,
        capability,
        rewardType,
        data_source: spec.data_source,
        subTask,
        reward_mode,
        uid: `${capability}-${promptHash(capability, promptTokens).toString(16).padStart(8, '0')}`,
        promptTokens,
        groundTruth: b.groundTruth,
        extraInfo: { reward_mode: subTask },
        goldResponseTokens: encode(['</think>', ...b.answer, '<eos>']),
      };
    },
  };
}

/** The nine families, in `CAPABILITIES` order. */
export const TASK_FAMILIES: readonly TaskFamily[] = Object.freeze(CAPABILITIES.map(family));

export function getFamily(capability: Capability): TaskFamily {
  const f = TASK_FAMILIES.find((x) => x.capability === capability);
  if (!f) throw new RangeError(`unknown task family '${capability}' (known: ${CAPABILITIES.join(', ')})`);
  return f;
}

// ───────────────────────────── scoring ─────────────────────────────

/** The response text the reward sees. */
export function responseText(responseTokens: ArrayLike<number>): string {
  return decode(responseTokens);
}

/**
 * The real reward of a response: `computeScore` on the decoded text with the task's data_source,
 * ground truth and extra_info. Never throws (an id outside the vocabulary scores 0); in [0, 1].
 */
export function scoreResponse(task: TaskPrompt, responseTokens: ArrayLike<number>): number {
  let response: string;
  try {
    response = decode(responseTokens);
  } catch {
    return 0;
  }
  // A group's n rollouts often decode to the same text: the reward is a pure function of its inputs, so
  // equal inputs are scored once.
  const key = `${task.data_source}|${JSON.stringify(task.groundTruth)}|${JSON.stringify(task.extraInfo)}|${response}`;
  const hit = SCORE_MEMO.get(key);
  if (hit !== undefined) return hit;
  let score: number;
  try {
    score = computeScore({ data_source: task.data_source, response, ground_truth: task.groundTruth, extra_info: task.extraInfo });
  } catch {
    score = 0;
  }
  if (SCORE_MEMO.size >= SCORE_MEMO_MAX) SCORE_MEMO.clear();
  SCORE_MEMO.set(key, score);
  return score;
}

/** True when a response passes GoLongRL's format gate (exactly one `</think>`), the check every reward applies first. */
export function passesFormat(responseTokens: ArrayLike<number>): boolean {
  try {
    return passesFormatGate(decode(responseTokens));
  } catch {
    return false;
  }
}

/** Memo of `scoreResponse` (cleared when full; a few thousand entries cover a step's rollouts). */
const SCORE_MEMO = new Map<string, number>();
const SCORE_MEMO_MAX = 8192;

/** The text after the last `</think>` of a token sequence (the answer a judge compares). */
function answerText(tokens: ArrayLike<number>): string {
  const t = decode(tokens);
  const i = t.lastIndexOf('</think>');
  return (i >= 0 ? t.slice(i + '</think>'.length) : t).trim();
}

/**
 * What an LLM judge sees for a response (lib/rewards/llm_judge.ts): the problem is the decoded prompt,
 * the answer the response text after `</think>`, the reference the gold response's text after `</think>`.
 */
export function judgeRequestFor(task: TaskPrompt, responseTokens: ArrayLike<number>): { problem: string; answer: string; reference: string } {
  return { problem: decode(task.promptTokens), answer: answerText(responseTokens), reference: answerText(task.goldResponseTokens) };
}

// ───────────────────────────── batches ─────────────────────────────

export interface BatchOptions extends PromptOptions {
  /** Which families (default: all nine, in `CAPABILITIES` order). */
  families?: readonly Capability[];
  promptsPerFamily: number;
}

const MAX_TRIES = 10_000;

function draw(rng: Rng, opts: BatchOptions, heldOut: boolean): TaskPrompt[] {
  if (!Number.isInteger(opts.promptsPerFamily) || opts.promptsPerFamily < 0) {
    throw new RangeError(`promptsPerFamily must be a non-negative integer, got ${opts.promptsPerFamily}`);
  }
  checkContextLen(opts.contextLen);
  const out: TaskPrompt[] = [];
  for (const cap of opts.families ?? CAPABILITIES) {
    const fam = getFamily(cap);
    for (let n = 0; n < opts.promptsPerFamily; n++) {
      let tries = 0;
      for (;;) {
        const t = fam.makePrompt(rng, { contextLen: opts.contextLen });
        if (isHeldOutPrompt(t) === heldOut) {
          out.push(t);
          break;
        }
        if (++tries >= MAX_TRIES) throw new Error(`could not draw a ${heldOut ? 'held-out' : 'training'} prompt for ${cap}`);
      }
    }
  }
  return out;
}

/** Training prompts: `promptsPerFamily` per family, family by family. Never returns a held-out prompt. */
export function makeBatch(rng: Rng, opts: BatchOptions): TaskPrompt[] {
  return draw(rng, opts, false);
}

/** The salt of the held-out seed stream. */
const HELD_OUT_SALT = 0x5eed0a7d;

/**
 * Held-out evaluation prompts for a seed: drawn from a separately salted generator and only from
 * the held-out split, so they never coincide with a training prompt. Deterministic in (seed, opts).
 */
export function heldOutPrompts(seed: number, opts: BatchOptions): TaskPrompt[] {
  return draw(new Rng(Math.imul((seed ^ HELD_OUT_SALT) >>> 0, 0x9e3779b1) >>> 0), opts, true);
}

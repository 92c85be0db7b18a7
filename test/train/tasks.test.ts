/**
 * The synthetic multitask suite of lib/train/tasks.ts: every family's gold response scores the
 * maximum under the REAL reward (`computeScore`), random and malformed responses score less, the
 * format gate holds, the tokenizer round-trips, prompts are deterministic, held-out prompts are
 * disjoint from training prompts, and reward scales differ across families.
 */
import { describe, expect, it } from 'vitest';
import { computeScore } from '../../lib/rewards/index.js';
import { CAPABILITIES, type Capability } from '../../lib/rewards/capabilities.js';
import { Rng } from '../../lib/util/random.js';
import {
  EOS,
  MAX_RESPONSE_TOKENS,
  PAD,
  THINK_END,
  TASK_FAMILIES,
  VOCAB,
  VOCAB_SIZE,
  decode,
  encode,
  encodeText,
  getFamily,
  heldOutPrompts,
  isHeldOutPrompt,
  makeBatch,
  maxPromptTokens,
  scoreResponse,
  tokenId,
  tokenNames,
  type TaskPrompt,
} from '../../lib/train/tasks.js';

const CONTEXT_LENS = [8, 16, 64, 256];
const ANSWER_IDS = VOCAB.map((d, i) => ({ d, i })).filter(({ d }) => /^[kv][1-9]$|^[A-D]$|^[0-9]$/.test(d.name)).map(({ i }) => i);

/** The maximum the reward allows for the gold response: 1, except Summary (the `</think>` word costs). */
function maxScore(t: TaskPrompt): number {
  if (t.reward_mode !== 'Summary') return 1;
  const n = ((t.groundTruth.doc_ids as string[])[0] ?? '').split(' ').length;
  return (2 * n) / (2 * n + 1);
}

/** Gold with one answer token replaced by a different answer-class token (k↔k, v↔v, digit↔digit, letter↔letter). */
function corrupt(rng: Rng, gold: number[]): number[] {
  const r = [...gold];
  const positions = r.map((id, i) => ({ id, i })).filter(({ id }) => ANSWER_IDS.includes(id));
  const { id, i } = rng.pick(positions);
  const cls = VOCAB[id].name.length === 1 ? (/[0-9]/.test(VOCAB[id].name) ? /^[0-9]$/ : /^[A-D]$/) : new RegExp(`^${VOCAB[id].name[0]}[1-9]$`);
  const same = ANSWER_IDS.filter((x) => x !== id && cls.test(VOCAB[x].name));
  r[i] = rng.pick(same);
  return r;
}

function randomResponse(rng: Rng, withThink: boolean): number[] {
  const len = rng.int(1, MAX_RESPONSE_TOKENS);
  const body = Array.from({ length: len }, () => {
    let id: number;
    do id = rng.int(0, VOCAB_SIZE);
    while (id === THINK_END);
    return id;
  });
  return withThink ? [THINK_END, ...body] : body;
}

describe('vocabulary', () => {
  it('has the special tokens as single tokens and a small size', () => {
    expect(VOCAB_SIZE).toBe(55);
    for (const name of ['<pad>', '<bos>', '<sep>', '<eos>', '</think>', '[Answer]', '\n', '\\boxed{', '}', '<answer>', '</answer>', 'A', 'D', 'k1', 'v9', '0', '9']) {
      expect(tokenNames([tokenId(name)])).toEqual([name]);
    }
    expect(new Set(VOCAB.map((d) => d.name)).size).toBe(VOCAB_SIZE);
    expect(() => tokenId('k10')).toThrow(RangeError);
  });

  it('decodes to the structure the reward parsers expect', () => {
    expect(decode(encode(['</think>', '[Answer]', '\n', 'v3', '\n', 'v7', '<eos>']))).toBe('</think>\n[Answer]\nv3\nv7');
    expect(decode(encode(['</think>', '\\boxed{', '1', '2', '}']))).toBe('</think>\n\\boxed{12}');
    expect(decode(encode(['</think>', '<answer>', '[', '3', ',', '5', ']', ',', '[', '3', ',', '1', ']', '</answer>']))).toBe(
      '</think>\n<answer>{"data": [[3, 5], [3, 1]]}</answer>',
    );
    expect(decode(encode(['k1', 'v2', '1', 'k3', '<pad>', 'k4', '<eos>', 'k5']))).toBe('k1 v2 1 k3 k4');
    expect(() => decode([VOCAB_SIZE])).toThrow(RangeError);
  });

  it('encode/decode round-trip: names ↔ ids, and text ↔ ids on random sequences', () => {
    const rng = new Rng(11);
    for (let n = 0; n < 2000; n++) {
      const ids = Array.from({ length: rng.int(0, 40) }, () => rng.int(0, VOCAB_SIZE));
      expect(encode(tokenNames(ids))).toEqual(ids);
      const cut = ids.indexOf(EOS) < 0 ? ids : ids.slice(0, ids.indexOf(EOS));
      expect(encodeText(decode(ids))).toEqual(cut.filter((id) => id !== PAD));
    }
  });
});

describe('task families', () => {
  it('nine families, one per capability, each with a distinct reward mode', () => {
    expect(TASK_FAMILIES.map((f) => f.capability)).toEqual([...CAPABILITIES]);
    expect(TASK_FAMILIES.map((f) => f.reward_mode)).toEqual([
      'EM',
      'Accuracy',
      'F1_Score',
      'math_longcot_math_verify',
      'multitableqa_pretraining',
      'SubEM',
      'NDCG',
      'Pairwise_Accuracy',
      'Summary',
    ]);
    expect(TASK_FAMILIES.map((f) => f.rewardType)).toEqual(['EM', 'Accuracy', 'F1', 'math_verify', 'IoU', 'SubEM', 'NDCG', 'Pairwise', 'ROUGE-L']);
  });

  for (const fam of TASK_FAMILIES) {
    describe(fam.capability, () => {
      const tasks = CONTEXT_LENS.flatMap((contextLen, i) => {
        const rng = new Rng(100 + i);
        return Array.from({ length: 50 }, () => fam.makePrompt(rng, { contextLen }));
      });

      it('prompt shape: <bos> marker context <sep> query <sep>, within the advertised lengths', () => {
        for (const t of tasks) {
          const names = tokenNames(t.promptTokens);
          expect(names[0]).toBe('<bos>');
          expect(names[1]).toBe(fam.marker);
          expect(names[names.length - 1]).toBe('<sep>');
          const ctxLen = names.indexOf('<sep>') - 2;
          expect([8, 16, 64, 256]).toContain(ctxLen);
          expect(t.promptTokens.length).toBeLessThanOrEqual(maxPromptTokens(ctxLen));
          expect(t.goldResponseTokens.length).toBeLessThanOrEqual(MAX_RESPONSE_TOKENS);
          expect(t.goldResponseTokens[0]).toBe(THINK_END);
          expect(t.goldResponseTokens[t.goldResponseTokens.length - 1]).toBe(EOS);
        }
      });

      it('the gold response scores the maximum the reward allows under computeScore', () => {
        for (const t of tasks) {
          const direct = computeScore({ data_source: t.data_source, response: decode(t.goldResponseTokens), ground_truth: t.groundTruth, extra_info: t.extraInfo });
          expect(direct).toBeCloseTo(maxScore(t), 6);
          expect(scoreResponse(t, t.goldResponseTokens)).toBe(direct);
          if (t.reward_mode === 'Summary') expect(direct).toBeLessThan(1);
        }
      });

      it('random responses score less than gold on average', () => {
        const rng = new Rng(7);
        let gold = 0;
        let rnd = 0;
        let rndThink = 0;
        for (const t of tasks) {
          gold += scoreResponse(t, t.goldResponseTokens);
          rnd += scoreResponse(t, randomResponse(rng, false));
          rndThink += scoreResponse(t, randomResponse(rng, true));
        }
        expect(rnd).toBe(0); // no </think>: the format gate
        expect(rndThink).toBeLessThan(gold);
      });

      it('scoreResponse (memoised) equals computeScore on repeated and distinct inputs, across the memo being cleared', () => {
        const rng = new Rng(11);
        for (let round = 0; round < 3; round++)
          for (const t of tasks)
            for (const resp of [t.goldResponseTokens, randomResponse(rng, true), t.goldResponseTokens.slice(0, 3)]) {
              const direct = computeScore({ data_source: t.data_source, response: decode(resp), ground_truth: t.groundTruth, extra_info: t.extraInfo });
              expect(scoreResponse(t, resp)).toBe(direct);
              expect(scoreResponse(t, resp)).toBe(direct);
              // same text, another ground truth: not served from the memo
              const other = { ...t, groundTruth: { ...t.groundTruth, golden_label: 'nothing-like-it' } };
              expect(scoreResponse(other, resp)).toBe(computeScore({ data_source: t.data_source, response: decode(resp), ground_truth: other.groundTruth, extra_info: t.extraInfo }));
            }
        // more distinct inputs than the memo holds (8,192): still exact
        const t0 = tasks[0];
        for (let i = 0; i < 9000; i++) {
          const gt = { ...t0.groundTruth, golden_label: `v${i % 9}`, doc_ids: [`k${i}`] };
          const resp = t0.goldResponseTokens;
          expect(scoreResponse({ ...t0, groundTruth: gt }, resp)).toBe(computeScore({ data_source: t0.data_source, response: decode(resp), ground_truth: gt, extra_info: t0.extraInfo }));
        }
      });

      it('no </think>, or two of them, scores 0', () => {
        for (const t of tasks) {
          expect(scoreResponse(t, t.goldResponseTokens.slice(1))).toBe(0);
          expect(scoreResponse(t, [THINK_END, ...t.goldResponseTokens])).toBe(0);
        }
      });

      it('scores are always in [0, 1] and scoreResponse never throws', () => {
        const rng = new Rng(9);
        for (const t of tasks.slice(0, 20)) {
          for (const r of [[], [-1], [VOCAB_SIZE + 3], [1.5], randomResponse(rng, true), corrupt(rng, t.goldResponseTokens)]) {
            const s = scoreResponse(t, r);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(1);
          }
          expect(scoreResponse(t, Int32Array.from(t.goldResponseTokens))).toBe(scoreResponse(t, t.goldResponseTokens));
        }
      });
    });
  }

  it('rejects a bad contextLen', () => {
    const rng = new Rng(1);
    for (const contextLen of [6, 7, 9, 514, 1.5]) expect(() => getFamily('precise_retrieval').makePrompt(rng, { contextLen })).toThrow(RangeError);
  });
});

describe('reward scales differ across families', () => {
  it('EM, Accuracy and math_verify are strictly binary; F1, SubEM, IoU, NDCG, Pairwise, ROUGE-L are graded', () => {
    const rng = new Rng(21);
    const seen = new Map<Capability, Set<number>>();
    for (const fam of TASK_FAMILIES) {
      const s = new Set<number>();
      for (let n = 0; n < 300; n++) {
        const t = fam.makePrompt(rng, { contextLen: 32 });
        s.add(scoreResponse(t, t.goldResponseTokens));
        s.add(scoreResponse(t, corrupt(rng, t.goldResponseTokens)));
        s.add(scoreResponse(t, randomResponse(rng, true)));
      }
      seen.set(fam.capability, s);
    }
    for (const cap of ['precise_retrieval', 'comprehension', 'numerical_reasoning'] as const) {
      expect([...seen.get(cap)!].every((x) => x === 0 || x === 1), cap).toBe(true);
      expect(seen.get(cap)!.size, cap).toBe(2);
    }
    for (const cap of ['exhaustive_retrieval', 'structured_extraction', 'structured_matching', 'graded_ranking', 'sequence_ordering', 'summarization'] as const) {
      expect([...seen.get(cap)!].some((x) => x > 0 && x < 1), cap).toBe(true);
    }
  });
});

describe('batches', () => {
  const opts = { promptsPerFamily: 6, contextLen: 32 };

  it('makeBatch: promptsPerFamily per family, in family order; a families filter', () => {
    const b = makeBatch(new Rng(5), opts);
    expect(b.length).toBe(9 * 6);
    expect(b.map((t) => t.family)).toEqual(CAPABILITIES.flatMap((c) => Array(6).fill(c)));
    const only = makeBatch(new Rng(5), { ...opts, families: ['graded_ranking', 'summarization'] });
    expect(only.map((t) => t.family)).toEqual([...Array(6).fill('graded_ranking'), ...Array(6).fill('summarization')]);
    expect(new Set(b.map((t) => t.uid)).size).toBe(b.length);
  });

  it('prompts are deterministic for a seed and differ across seeds', () => {
    expect(makeBatch(new Rng(5), opts)).toEqual(makeBatch(new Rng(5), opts));
    expect(heldOutPrompts(5, opts)).toEqual(heldOutPrompts(5, opts));
    expect(makeBatch(new Rng(6), opts).map((t) => t.uid)).not.toEqual(makeBatch(new Rng(5), opts).map((t) => t.uid));
    expect(heldOutPrompts(6, opts).map((t) => t.uid)).not.toEqual(heldOutPrompts(5, opts).map((t) => t.uid));
  });

  it('held-out prompts never coincide with training prompts', () => {
    const key = (t: TaskPrompt) => `${t.family}:${t.promptTokens.join(',')}`;
    const train = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) for (const t of makeBatch(new Rng(seed), { promptsPerFamily: 20, contextLen: 8 })) train.add(key(t));
    const held = heldOutPrompts(1, { promptsPerFamily: 100, contextLen: 8 });
    expect(held.every(isHeldOutPrompt)).toBe(true);
    expect(held.some((t) => train.has(key(t)))).toBe(false);
    expect([...train].length).toBeGreaterThan(0);
    expect(makeBatch(new Rng(1), { promptsPerFamily: 50, contextLen: 8 }).some(isHeldOutPrompt)).toBe(false);
  });

  it('validates its options', () => {
    expect(() => makeBatch(new Rng(1), { promptsPerFamily: -1, contextLen: 16 })).toThrow(RangeError);
    expect(() => heldOutPrompts(1, { promptsPerFamily: 1, contextLen: 10.5 })).toThrow(RangeError);
    expect(makeBatch(new Rng(1), { promptsPerFamily: 0, contextLen: 16 })).toEqual([]);
  });
});

/**
 * Synthetic rollouts for teaching and demos — clearly synthetic, never presented as GoLongRL data.
 *
 * One prompt template per GoLongRL capability type, in the exact record shape the reward layer
 * takes (`data_source`, `ground_truth`, `extra_info.reward_mode`). For each prompt we draw a
 * "skill" p ~ Beta(a, b) (how likely a sampled response gets each part right) and write n
 * responses that get each answer element right with probability p — a correct line, a kept
 * row, a word of the summary — and wrong otherwise. Every response is then scored by the real
 * reward (`computeScore`), so the score distributions per task come from the scorers
 * themselves: binary for EM / Accuracy / math_verify, graded for F1, SubEM, IoU, NDCG,
 * Pairwise and ROUGE-L — the heterogeneity TMN-Reweight is about.
 */
import { computeScore } from '../rewards/index.js';
import type { RewardCase } from '../rewards/types.js';
import { CAPABILITIES, type Capability } from './capabilities.js';
import { toRewardMode } from './subtasks.js';
import { Rng } from '../util/random.js';

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega river stone ledger clause verse tariff invoice chapter cloud'.split(' ');

export interface SyntheticRollout extends RewardCase {
  step: number;
  uid: string;
  capability: Capability;
  /** The trainer's reward mode (what tmn_grpo groups by). */
  reward_mode: string;
  score: number;
}

export interface SyntheticOptions {
  seed?: number;
  steps?: number;
  /** Prompts per capability per step. */
  promptsPerTask?: number;
  /** Responses per prompt (GRPO's n). */
  n?: number;
  capabilities?: readonly Capability[];
}

type Template = { data_source: string; sub_task?: string; make: (rng: Rng, p: number, n: number) => { gt: unknown; responses: string[] } };

const think = (rng: Rng) => `<think>\n${Array.from({ length: rng.int(3, 9) }, () => rng.pick(WORDS)).join(' ')}\n</think>\n`;
const item = (rng: Rng) => `${rng.pick(WORDS)} ${rng.int(1, 99)}`;
const distinctItems = (rng: Rng, k: number) => {
  const s = new Set<string>();
  while (s.size < k) s.add(item(rng));
  return [...s];
};
/** A permutation of xs that keeps each adjacent pair in order with probability ≈ p (noisy sort). */
const noisyOrder = (rng: Rng, xs: string[], p: number) =>
  xs
    .map((x, i) => ({ x, key: i + (rng.bernoulli(p) ? 0 : rng.normal() * xs.length) }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.x);

const TEMPLATES: Record<Capability, Template> = {
  precise_retrieval: {
    data_source: 'EM',
    make: (rng, p, n) => {
      const gold = item(rng);
      return { gt: { golden_label: gold }, responses: Array.from({ length: n }, () => think(rng) + (rng.bernoulli(p) ? gold : item(rng))) };
    },
  },
  comprehension: {
    data_source: 'longbench_pro',
    sub_task: 'T3.2 Single-Hop Fact QA',
    make: (rng, p, n) => {
      const gold = item(rng);
      return {
        gt: { doc_ids: [gold], summary: 'English', golden_label: '' },
        responses: Array.from({ length: n }, () => `${think(rng)}[Answer]\n${rng.bernoulli(p) ? gold : item(rng)}`),
      };
    },
  },
  exhaustive_retrieval: {
    data_source: 'longbench_pro',
    sub_task: 'T5.1 Full-Sentence Citation Alignment',
    make: (rng, p, n) => {
      const gold = distinctItems(rng, rng.int(3, 7));
      return {
        gt: { doc_ids: gold, summary: 'English', golden_label: '' },
        responses: Array.from({ length: n }, () => {
          const lines = gold.filter(() => rng.bernoulli(p));
          for (let k = rng.int(0, 3); k > 0; k--) if (!rng.bernoulli(p)) lines.push(item(rng));
          return `${think(rng)}[Answer]\n${rng.shuffle(lines).join('\n')}`;
        }),
      };
    },
  },
  numerical_reasoning: {
    data_source: 'math_longcot_math_verify',
    make: (rng, p, n) => {
      const gold = rng.int(2, 500);
      return {
        gt: { golden_label: String(gold) },
        responses: Array.from({ length: n }, () => `${think(rng)}The total is \\boxed{${rng.bernoulli(p) ? gold : gold + rng.int(1, 9)}}`),
      };
    },
  },
  structured_extraction: {
    data_source: 'multitableqa_pretraining',
    make: (rng, p, n) => {
      const rows = Array.from({ length: rng.int(2, 6) }, () => [rng.pick(WORDS), rng.int(1, 99)]);
      return {
        gt: { golden_label: JSON.stringify({ data: rows }) },
        responses: Array.from({ length: n }, () => {
          const kept = rows.filter(() => rng.bernoulli(p));
          if (!rng.bernoulli(p)) kept.push([rng.pick(WORDS), rng.int(1, 99)]);
          return `${think(rng)}<answer>${JSON.stringify({ data: kept })}</answer>`;
        }),
      };
    },
  },
  structured_matching: {
    data_source: 'longbench_pro',
    sub_task: 'T8.2 Single-Source Targeted Aggregation',
    make: (rng, p, n) => {
      const gold = distinctItems(rng, rng.int(2, 5));
      return {
        gt: { doc_ids: gold, summary: 'English', golden_label: '' },
        responses: Array.from({ length: n }, () => `${think(rng)}[Answer]\n${gold.map((g) => (rng.bernoulli(p) ? g : item(rng))).join('\n')}`),
      };
    },
  },
  graded_ranking: {
    data_source: 'longbench_pro',
    sub_task: 'T1.1 Global Cohesive Retrieval',
    make: (rng, p, n) => {
      const gold = distinctItems(rng, rng.int(3, 7));
      return {
        gt: { doc_ids: gold, summary: 'English', golden_label: '' },
        responses: Array.from({ length: n }, () => `${think(rng)}[Answer]\n${noisyOrder(rng, gold, p).map((g) => (rng.bernoulli(p) ? g : item(rng))).join('\n')}`),
      };
    },
  },
  sequence_ordering: {
    data_source: 'longbench_pro',
    sub_task: 'T2.1 Global Timeline Reconstruction',
    make: (rng, p, n) => {
      const gold = distinctItems(rng, rng.int(3, 7));
      return {
        gt: { doc_ids: gold, summary: 'English', golden_label: '' },
        responses: Array.from({ length: n }, () => `${think(rng)}[Answer]\n${noisyOrder(rng, gold, p).join('\n')}`),
      };
    },
  },
  summarization: {
    data_source: 'longbench_pro',
    sub_task: 'T4.2 Query-Focused Summary',
    make: (rng, p, n) => {
      const ref = Array.from({ length: rng.int(12, 30) }, () => rng.pick(WORDS)).join(' ') + '.';
      const words = ref.slice(0, -1).split(' ');
      return {
        gt: { doc_ids: [ref], summary: 'English', golden_label: '' },
        responses: Array.from({ length: n }, () => `${think(rng)}${words.map((w) => (rng.bernoulli(p) ? w : rng.pick(WORDS))).join(' ')}.`),
      };
    },
  },
};

/** The Beta(a, b) prior of per-prompt skill: mean a/(a+b) ≈ 0.55, spread wide enough for easy and hard prompts. */
const SKILL_A = 1.6;
const SKILL_B = 1.3;

/** Generate scored synthetic rollouts: steps × capabilities × promptsPerTask × n rows. */
export function syntheticRollouts(opts: SyntheticOptions = {}): SyntheticRollout[] {
  const { seed = 1, steps = 1, promptsPerTask = 8, n = 16, capabilities = CAPABILITIES } = opts;
  const rng = new Rng(seed);
  const out: SyntheticRollout[] = [];
  for (let step = 1; step <= steps; step++) {
    for (const cap of capabilities) {
      const t = TEMPLATES[cap];
      for (let q = 0; q < promptsPerTask; q++) {
        const p = rng.beta(SKILL_A, SKILL_B);
        const { gt, responses } = t.make(rng, p, n);
        const uid = `s${step}-${cap}-${q}`;
        const extra_info = t.sub_task ? { reward_mode: t.sub_task } : { reward_mode: t.data_source };
        for (const response of responses) {
          const c: RewardCase = { data_source: t.data_source, response, ground_truth: gt, extra_info };
          out.push({ ...c, step, uid, capability: cap, reward_mode: toRewardMode(extra_info.reward_mode), score: computeScore(c) });
        }
      }
    }
  }
  return out;
}

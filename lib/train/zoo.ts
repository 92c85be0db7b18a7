/**
 * The method zoo behind notebook 08: the same seeds and the same RL budget (steps × prompts × n) across
 * GRPO, TMN-Reweight, QwenLong-L1 (SFT warm-up + progressive context scaling + retrospective sampling)
 * and dGRPO (GRPO + β·KL to a larger SFT-trained teacher, on a 10/90 short/long token mixture), each
 * evaluated on the SAME held-out prompts (heldOutFor: fixed by the seed, at the base contextLen).
 *
 * Held-out score per prompt = mean reward of `evalSamples` temperature-1 samples (a fixed-seed stream,
 * the same for every method), plus greedy decoding. Confidence intervals use `meanCi95` from compare/stats.ts
 * (mean ± 1.96·SE over prompt × seed scores; optimistic about seed-to-seed variation, see
 * docs/training.md). Extra compute outside the RL budget (SFT warm-up, the teacher) is reported in
 * seconds, not hidden. Nothing here is tuned to make one method win.
 */
import { aq } from '../util/arquero.cjs';
import { Rng } from '../util/random.js';
import { baseConfigFor, ensureBase, type BaseInfo } from './base.js';
import { trainTeacher } from './distill.js';
import type { SftConfig } from './sft.js';
import type { Policy } from './policy.js';
import { meanCi95 } from './compare/stats.js';
import { PURPOSE, streamSeed } from './streams.js';
import { EOS, PAD, scoreResponse, type TaskPrompt } from './tasks.js';
import { evaluate, getRecipe, heldOutFor, maxContextLen, train, type StepResult, type TrainConfig } from './trainer.js';
import type { Capability } from '../rewards/capabilities.js';

export interface ZooMethod {
  label: string;
  /** The method's config from the shared base (only the method's own fields change). */
  configure(base: TrainConfig): TrainConfig;
  /** Needs the dGRPO teacher. */
  teacher?: boolean;
}

/** The base model of notebook 08 (base.ts): SFT on the zoo families' training split, sized as the main job's (docs/training.md). */
export const ZOO_BASE_SFT: Readonly<SftConfig> = Object.freeze({ steps: 300, lr: 3e-3, promptsPerStep: 32 });

/** The four methods of notebook 08. */
export const ZOO_METHODS: readonly ZooMethod[] = Object.freeze([
  { label: 'GRPO', configure: (b) => ({ ...b, estimator: 'grpo', advOptions: {} }) },
  { label: 'TMN-Reweight', configure: (b) => ({ ...b, estimator: 'tmn_grpo', advOptions: { difficultyReweight: true, difficultySmoothAlpha: 0.8 } }) },
  {
    label: 'QwenLong-L1',
    configure: (b) => ({
      ...b,
      estimator: 'grpo',
      advOptions: {},
      sft: { steps: 10, lr: b.lr, promptsPerStep: b.genBatchPrompts },
      curriculum: { phases: [{ contextLen: 8, steps: Math.floor(b.steps / 2) }, { contextLen: b.contextLen }] },
      retrospective: { capacity: 64, minDifficulty: 0.5, replayFraction: 0.25 },
    }),
  },
  {
    label: 'dGRPO',
    teacher: true,
    configure: (b) => ({ ...b, estimator: 'grpo', advOptions: {}, distill: { beta: 0.1 }, mixture: { shortTokenRatio: 0.1, shortContextLen: 8 } }),
  },
]);

/**
 * The notebook's shared base: sample-suite's model and optimizer schedule (warm-up, weight decay) on a
 * smaller budget so that 4 methods × 2 seeds run in about two minutes on 2 cores.
 */
export function zooBase(): TrainConfig {
  return {
    ...getRecipe('sample-suite'),
    recipe: 'method-zoo',
    families: ['summarization', 'precise_retrieval', 'structured_matching', 'sequence_ordering'] as Capability[],
    contextLen: 12,
    promptsPerStep: 6,
    genBatchPrompts: 8,
    n: 4,
    maxNewTokens: 10,
    maxGenBatches: 2,
    steps: 12,
    lr: 1e-2,
    lrWarmupSteps: 2,
    evalPromptsPerFamily: 8,
    saveFreq: 0,
    outDir: null,
    resume: 'disable',
  };
}

export interface ZooPromptScore {
  method: string;
  seed: number;
  family: string;
  prompt: number;
  /** Mean reward of `evalSamples` temperature-1 samples. */
  sample: number;
}

export interface ZooRun {
  method: string;
  seed: number;
  /** RL seconds (train, SFT warm-up included). */
  seconds: number;
  history: StepResult[];
  sftSteps: number;
  greedy: Record<string, number>;
}

export interface ZooResult {
  base: TrainConfig;
  /** The pre-trained base model every method starts from (null: random init). */
  baseModel: BaseInfo | null;
  seeds: number[];
  methods: string[];
  runs: ZooRun[];
  scores: ZooPromptScore[];
  teacherSeconds: number;
  teacherSftSteps: number;
}

export interface ZooOptions {
  base?: TrainConfig;
  seeds?: number[];
  methods?: readonly ZooMethod[];
  evalSamples?: number;
  teacherSftSteps?: number;
  /**
   * Start every method from a base model pre-trained by this SFT budget (base.ts, cached under
   * `baseRoot`), as real post-training does; null/absent: from the random init.
   */
  baseSft?: SftConfig | null;
  baseRoot?: string;
  onRun?: (run: ZooRun) => void;
}

function sampledScores(policy: Policy, prompts: readonly TaskPrompt[], config: TrainConfig, k: number): number[] {
  const flat = prompts.flatMap((p) => Array.from({ length: k }, () => p.promptTokens));
  const res = policy.sample(flat, { maxNewTokens: config.maxNewTokens, temperature: 1, rng: new Rng(streamSeed(config.seed, 0, PURPOSE.eval, 8)), eosId: EOS, padId: PAD });
  return prompts.map((p, i) => {
    let s = 0;
    for (let j = 0; j < k; j++) s += scoreResponse(p, res.responses[i * k + j]);
    return s / k;
  });
}

/** Runs every method × seed (and one teacher per seed for the methods that need it). */
export function runMethodZoo(o: ZooOptions = {}): ZooResult {
  const base = o.base ?? zooBase();
  const seeds = o.seeds ?? [1, 2];
  const methods = o.methods ?? ZOO_METHODS;
  const k = o.evalSamples ?? 4;
  const teacherSftSteps = o.teacherSftSteps ?? 40;
  // One base model for every method and seed: the model, families and the longest context any method uses.
  const widest = methods.reduce((w, m) => (maxContextLen(m.configure(base)) > maxContextLen(w) ? m.configure(base) : w), base);
  const baseModel = o.baseSft ? ensureBase(baseConfigFor({ ...base, curriculum: widest.curriculum ?? null, mixture: widest.mixture ?? null }, o.baseSft), o.baseRoot ? { root: o.baseRoot } : {}) : null;
  const out: ZooResult = { base, baseModel, seeds, methods: methods.map((m) => m.label), runs: [], scores: [], teacherSeconds: 0, teacherSftSteps };
  for (const seed of seeds) {
    const b: TrainConfig = { ...base, seed, init: baseModel ? { dir: baseModel.dir, step: baseModel.step } : null };
    let teacher: Policy | null = null;
    if (methods.some((m) => m.teacher)) {
      const t0 = performance.now();
      teacher = trainTeacher({
        model: { ...b.model, dModel: 2 * b.model.dModel },
        families: b.families,
        contextLen: b.contextLen,
        maxContextLen: Math.max(...methods.map((m) => maxContextLen(m.configure(b)))),
        maxNewTokens: b.maxNewTokens,
        seed,
        sftSteps: teacherSftSteps,
        sftLr: b.lr,
        promptsPerStep: b.genBatchPrompts,
      });
      out.teacherSeconds += (performance.now() - t0) / 1000;
    }
    try {
      for (const m of methods) {
        const config = m.configure(b);
        const r = train(config, {}, { teacher: m.teacher ? teacher : null });
        try {
          const held = heldOutFor(config);
          const s = sampledScores(r.policy, held, config, k);
          held.forEach((p, i) => out.scores.push({ method: m.label, seed, family: p.family, prompt: i, sample: s[i] }));
          const run: ZooRun = { method: m.label, seed, seconds: r.seconds, history: r.history, sftSteps: r.sftHistory.length, greedy: evaluate(r.policy, held, { maxNewTokens: config.maxNewTokens }) };
          out.runs.push(run);
          o.onRun?.(run);
        } finally {
          r.policy.dispose();
        }
      }
    } finally {
      teacher?.dispose();
    }
  }
  return out;
}

export interface ZooSummaryRow {
  method: string;
  family: string;
  n: number;
  mean: number;
  ci95_low: number;
  ci95_high: number;
}

/** Per method × family (and `all`): mean held-out sampled score with its 95% CI (group-bys in arquero). */
export function zooSummary(r: ZooResult): ZooSummaryRow[] {
  const t = aq.from(r.scores as ZooPromptScore[]);
  const byFamily = t.groupby('method', 'family').rollup({ xs: aq.op.array_agg('sample') });
  const all = t.groupby('method').rollup({ xs: aq.op.array_agg('sample') }).derive({ family: () => 'all' });
  const groups = byFamily.concat(all).objects() as { method: string; family: string; xs: number[] }[];
  const fams = [...new Set(r.scores.map((s) => s.family)), 'all'];
  const rows: ZooSummaryRow[] = [];
  for (const method of r.methods)
    for (const family of fams) {
      const ci = meanCi95(groups.find((g) => g.method === method && g.family === family)?.xs ?? []);
      rows.push({ method, family, n: ci.n, mean: ci.mean, ci95_low: ci.lo, ci95_high: ci.hi });
    }
  return rows;
}

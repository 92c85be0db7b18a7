/**
 * Seeded, synthetic data for the plot snapshots — shaped like the real uses (prompt lengths per
 * capability, advantages per task and estimator, training curves, per-task bars) but generated
 * here from `Rng` alone, so a snapshot changes only when the plotting code does.
 */
import { ESTIMATOR_CONFIGS } from '../../lib/advantage/compare.js';
import { CAPABILITIES } from '../../lib/data/capabilities.js';
import { Rng } from '../../lib/util/random.js';

export { CAPABILITIES };

/** The labels of the five estimator settings compared everywhere (lib/advantage/compare.ts). */
export const ESTIMATORS = ESTIMATOR_CONFIGS.map((c) => c.label);

/** Prompt lengths (tokens, log-normal, a different typical length per capability). */
export function promptLengths(seed = 1): { capability: string; prompt_tokens: number }[] {
  const rng = new Rng(seed);
  return CAPABILITIES.flatMap((capability, c) => {
    const mu = Math.log(8_000 + 7_000 * c);
    return Array.from({ length: 120 }, () => ({ capability, prompt_tokens: Math.round(Math.exp(mu + 0.35 * rng.normal())) }));
  });
}

/**
 * Advantages per task under two estimators: binary-reward tasks give bimodal GRPO advantages of
 * large magnitude; TMN-Reweight shrinks their scale toward a common one.
 */
export function advantagesByEstimator(seed = 2, tasks: readonly string[] = CAPABILITIES.slice(0, 6)): { task: string; estimator: string; advantage: number }[] {
  const rng = new Rng(seed);
  const rows: { task: string; estimator: string; advantage: number }[] = [];
  tasks.forEach((task, t) => {
    const binary = t % 2 === 0;
    for (let i = 0; i < 256; i++) {
      const base = binary ? (rng.bernoulli(0.4) ? 1.2 : -0.8) + 0.15 * rng.normal() : rng.normal();
      rows.push({ task, estimator: 'GRPO', advantage: base });
      rows.push({ task, estimator: 'TMN-Reweight', advantage: base * (binary ? 0.55 : 0.9) + 0.05 * rng.normal() });
    }
  });
  return rows;
}

/** Mean reward per step for three runs on four tasks: a noisy saturating curve each. */
export function trainingCurves(seed = 3, steps = 150): { step: number; run: string; task: string; reward: number }[] {
  const rng = new Rng(seed);
  const runs = ['GRPO', 'TMN', 'TMN-Reweight'];
  const tasks = ['precise_retrieval', 'numerical_reasoning', 'graded_ranking', 'summarization'];
  const rows: { step: number; run: string; task: string; reward: number }[] = [];
  tasks.forEach((task, t) =>
    runs.forEach((run, r) => {
      const ceiling = 0.55 + 0.08 * r + 0.05 * t;
      const start = 0.15 + 0.05 * t;
      for (let step = 1; step <= steps; step++) {
        const mean = start + (ceiling - start) * (1 - Math.exp(-step / (40 + 15 * t)));
        rows.push({ step, run, task, reward: Math.min(1, Math.max(0, mean + 0.06 * rng.normal())) });
      }
    }),
  );
  return rows;
}

/** Per-task per-estimator mean |advantage| with a ± 1.96·se interval. */
export function perTaskBars(seed = 4): { task: string; estimator: string; metric: string; value: number; lo: number; hi: number }[] {
  const rng = new Rng(seed);
  const rows: { task: string; estimator: string; metric: string; value: number; lo: number; hi: number }[] = [];
  for (const metric of ['mean |advantage|', 'rate_adv']) {
    CAPABILITIES.forEach((task, t) => {
      ESTIMATORS.forEach((estimator, e) => {
        const value = metric === 'rate_adv' ? 0.3 + 0.5 * rng.next() : 0.4 + 0.5 * Math.abs(Math.sin(t + e)) + 0.1 * rng.next();
        const se = 0.02 + 0.04 * rng.next();
        rows.push({ task, estimator, metric, value, lo: value - 1.96 * se, hi: value + 1.96 * se });
      });
    });
  }
  return rows;
}

/** A small signed grid (task × step bucket → mean advantage) for a diverging colour ramp. */
export function advantageHeatmap(seed = 5): { task: string; bucket: number; mean_advantage: number }[] {
  const rng = new Rng(seed);
  return CAPABILITIES.flatMap((task, t) =>
    Array.from({ length: 12 }, (_, bucket) => ({ task, bucket, mean_advantage: 0.6 * Math.sin((t + 1) * (bucket + 1) * 0.3) + 0.2 * rng.normal() })),
  );
}

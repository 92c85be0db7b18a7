/**
 * Estimators, step by step — for teaching. For each rollout this lists the intermediate
 * quantities of GRPO and TMN-Reweight (group mean and std, task scale, smoothed pass rate, weight)
 * computed with plain per-group loops, written independently of the optimised estimators in
 * `grpo.ts` / `tmn_grpo.ts`; `test/advantage/explain.test.ts` checks that both give the same
 * advantages, so the worked example in notebook 03 is the real thing.
 *
 *   GRPO:  A_i = (s_i − μ_u) / (σ_u + ε)                    σ_u unbiased; singleton: μ = 0, σ = 1
 *   TMN:   A_i = (s_i − μ_u) / (scale_k + ε),  scale_k = √(mean_{u∈k} var_u)   (singleton var_u = 1, μ_u = 0)
 *   TMN-Reweight: × exp(γ(0.5 − pass_u)) if s_i > μ_u else × exp(γ(pass_u − 0.5)),
 *          pass_u = #{s > α μ_u + (1 − α) mean_{v∈k} μ_v} / n_u   (singleton: smoothed = the task mean)
 */
import { resolveOptions, type AdvOptions } from './types.js';

export interface ExplainRow {
  uid: string;
  reward_mode: string;
  score: number;
}

export interface ExplainedRow extends ExplainRow {
  group_n: number;
  group_mean: number;
  group_std: number;
  grpo: number;
  task_scale: number;
  tmn: number;
  smoothed_mean: number;
  pass_rate: number;
  weight: number;
  tmn_reweight: number;
}

function byKey<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Every intermediate quantity of GRPO, TMN and TMN-Reweight for a small batch (one step). */
export function explainAdvantages(rows: readonly ExplainRow[], options: AdvOptions = {}): ExplainedRow[] {
  const o = resolveOptions({ difficultySmoothAlpha: 0.8, ...options });
  const eps = o.epsilon;
  const groups = byKey(rows, (r) => r.uid);
  const stats = new Map<string, { n: number; mean: number; std: number; variance: number; mode: string }>();
  for (const [uid, rs] of groups) {
    const s = rs.map((r) => r.score);
    const n = s.length;
    if (n === 1) stats.set(uid, { n, mean: 0, std: 1, variance: 1, mode: rs[n - 1].reward_mode });
    else {
      const m = mean(s);
      const variance = s.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1);
      stats.set(uid, { n, mean: m, std: Math.sqrt(variance), variance, mode: rs[n - 1].reward_mode });
    }
  }
  const taskUids = byKey([...stats.entries()], ([, st]) => st.mode);
  const scale = new Map<string, number>();
  const modeMean = new Map<string, number>();
  for (const [mode, entries] of taskUids) {
    scale.set(mode, Math.sqrt(mean(entries.map(([, st]) => st.variance))));
    modeMean.set(mode, mean(entries.map(([, st]) => st.mean)));
  }
  const pass = new Map<string, { smoothed: number; rate: number }>();
  for (const [uid, rs] of groups) {
    const st = stats.get(uid)!;
    const mm = modeMean.get(st.mode)!;
    const smoothed = st.n === 1 ? mm : o.difficultySmoothAlpha * st.mean + (1 - o.difficultySmoothAlpha) * mm;
    pass.set(uid, { smoothed, rate: rs.filter((r) => r.score > smoothed).length / st.n });
  }
  return rows.map((r) => {
    const st = stats.get(r.uid)!;
    const k = scale.get(r.reward_mode) ?? scale.get(st.mode)!;
    const p = pass.get(r.uid)!;
    const tmn = (r.score - st.mean) / (k + eps);
    const weight = r.score > st.mean ? Math.exp(o.difficultyGamma * (0.5 - p.rate)) : Math.exp(o.difficultyGamma * (p.rate - 0.5));
    return {
      ...r,
      group_n: st.n,
      group_mean: st.mean,
      group_std: st.std,
      grpo: (r.score - st.mean) / (st.std + eps),
      task_scale: k,
      tmn,
      smoothed_mean: p.smoothed,
      pass_rate: p.rate,
      weight,
      tmn_reweight: tmn * weight,
    };
  });
}

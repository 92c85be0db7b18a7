/**
 * Side-by-side estimator comparisons for notebooks, the demo and reports: the five settings the
 * GoLongRL paper and its baselines contrast, run over the same rollouts.
 */
import type { AdvOptions } from './types.js';
import { replayAdvantages, type ReplayRow } from './replay.js';

export interface EstimatorConfig {
  label: string;
  estimator: string;
  options: AdvOptions;
}

/** GRPO (std-normalised), Dr. GRPO (no std), TMN (task scale), TMN-Reweight (the paper's α = 0.8), QwenLong-L1.5 task-level. */
export const ESTIMATOR_CONFIGS: readonly EstimatorConfig[] = [
  { label: 'GRPO', estimator: 'grpo', options: {} },
  { label: 'Dr. GRPO', estimator: 'grpo', options: { normAdvByStd: false } },
  { label: 'TMN', estimator: 'tmn_grpo', options: {} },
  { label: 'TMN-Reweight', estimator: 'tmn_grpo', options: { difficultyReweight: true, difficultySmoothAlpha: 0.8 } },
  { label: 'QwenLong task', estimator: 'qwenlong_grpo', options: {} },
];

export interface ComparedRow {
  config: string;
  /** The row's category for grouping (its capability, reward mode, or whatever `categoryOf` returns). */
  category: string;
  score: number;
  advantage: number;
}

export interface Comparison {
  /** Long form: one entry per (config, row) — what faceted histograms take. */
  rows: ComparedRow[];
  /** Per config × category: mean |A|, mean A of positive rows, min, max, and the count. */
  summary: { config: string; category: string; n: number; mean_abs: number; mean_pos: number; min: number; max: number }[];
  /** Per config: the step metrics of each step (reward_mode/*, task_metrics/*, difficulty/*). */
  metrics: Record<string, Record<string, number>[]>;
}

/** Run every config over the same rows and tabulate advantages per category. */
export function compareEstimators<R extends ReplayRow>(
  rows: readonly R[],
  categoryOf: (r: R) => string,
  configs: readonly EstimatorConfig[] = ESTIMATOR_CONFIGS,
): Comparison {
  const long: ComparedRow[] = [];
  const summary: Comparison['summary'] = [];
  const metrics: Comparison['metrics'] = {};
  const cats = rows.map(categoryOf);
  const catNames = [...new Set(cats)];
  for (const cfg of configs) {
    const { advantages, steps } = replayAdvantages(rows, cfg.estimator, cfg.options);
    metrics[cfg.label] = steps.map((s) => s.metrics);
    const acc = new Map(catNames.map((c) => [c, { n: 0, abs: 0, pos: 0, npos: 0, min: Infinity, max: -Infinity }]));
    rows.forEach((r, i) => {
      const a = advantages[i];
      long.push({ config: cfg.label, category: cats[i], score: r.score, advantage: a });
      const s = acc.get(cats[i])!;
      s.n++;
      s.abs += Math.abs(a);
      if (a > 0) {
        s.pos += a;
        s.npos++;
      }
      s.min = Math.min(s.min, a);
      s.max = Math.max(s.max, a);
    });
    for (const [c, s] of acc) summary.push({ config: cfg.label, category: c, n: s.n, mean_abs: s.abs / s.n, mean_pos: s.npos ? s.pos / s.npos : 0, min: s.min, max: s.max });
  }
  return { rows: long, summary, metrics };
}

/**
 * Turn flat step metrics (`task_metrics/<type>/<name>` or `reward_mode/<mode>/<name>`) into one row
 * per task: `{task, mean_reward, std_reward, …}` — for tables and bar charts.
 */
export function perTaskTable(metrics: Record<string, number>, family: 'task_metrics' | 'reward_mode' = 'task_metrics'): Record<string, string | number>[] {
  const rows = new Map<string, Record<string, string | number>>();
  for (const [key, value] of Object.entries(metrics)) {
    const parts = key.split('/');
    if (parts.length !== 3 || parts[0] !== family) continue;
    const row = rows.get(parts[1]) ?? { task: parts[1] };
    row[parts[2]] = value;
    rows.set(parts[1], row);
  }
  return [...rows.values()];
}

/**
 * Advantage estimators (GoLongRL `core_algos.py`), their registry, and per-task metrics.
 *
 * Importing this module registers `grpo`, `tmn_grpo` and `qwenlong_grpo`.
 * See `docs/advantages.md` for formulas, worked examples and reference quirks.
 */
import './grpo.ts';
import './tmn_grpo.ts';
import './qwenlong_grpo.ts';

export * from './types.ts';
export { registerAdvEst, getAdvEstimator, listAdvEstimators } from './registry.ts';
export { computeGrpoAdvantage } from './grpo.ts';
export { computeTmnGrpoAdvantage } from './tmn_grpo.ts';
export { computeQwenlongTaskAdvantage } from './qwenlong_grpo.ts';
export * from './metrics.ts';
export * from './task_metric_config.ts';
export * from './replay.ts';

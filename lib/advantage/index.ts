/**
 * Advantage estimators (GoLongRL `core_algos.py`), their registry, and per-task metrics.
 *
 * Importing this module registers `grpo`, `tmn_grpo` and `qwenlong_grpo`.
 * See `docs/advantages.md` for formulas, worked examples and reference quirks.
 */
import './grpo.js';
import './tmn_grpo.js';
import './qwenlong_grpo.js';

export * from './types.js';
export { registerAdvEst, getAdvEstimator, listAdvEstimators } from './registry.js';
export { computeGrpoAdvantage } from './grpo.js';
export { computeTmnGrpoAdvantage } from './tmn_grpo.js';
export { computeQwenlongTaskAdvantage } from './qwenlong_grpo.js';
export * from './metrics.js';
export * from './task_metric_config.js';
export * from './replay.js';
export * from './compare.js';
export * from './explain.js';

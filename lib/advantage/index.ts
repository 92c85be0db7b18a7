/**
 * Advantage estimators (GoLongRL `core_algos.py`), their registry, and per-task metrics.
 *
 * Importing this module registers `grpo`, `tmn_grpo` and `qwenlong_grpo`, and upstream verl's
 * `rloo`, `reinforce_plus_plus_baseline`, `opo`, `gpg`, `grpo_passk` and `gdpo`.
 * See `docs/advantages.md` for formulas, worked examples and reference quirks.
 */
import './grpo.js';
import './tmn_grpo.js';
import './qwenlong_grpo.js';
// upstream verl's outcome estimators (one file each; parity: test/advantage/verl_parity.test.ts)
import './rloo.js';
import './reinforce_pp_baseline.js';
import './opo.js';
import './gpg.js';
import './grpo_passk.js';
import './gdpo.js';

export * from './types.js';
export { registerAdvEst, getAdvEstimator, listAdvEstimators } from './registry.js';
export { computeGrpoAdvantage } from './grpo.js';
export { computeTmnGrpoAdvantage } from './tmn_grpo.js';
export { computeQwenlongTaskAdvantage } from './qwenlong_grpo.js';
export { computeRlooAdvantage } from './rloo.js';
export { computeReinforcePlusPlusBaselineAdvantage } from './reinforce_pp_baseline.js';
export { computeOpoAdvantage } from './opo.js';
export { computeGpgAdvantage } from './gpg.js';
export { computeGrpoPasskAdvantage } from './grpo_passk.js';
export { computeGdpoAdvantage } from './gdpo.js';
export * from './verl_common.js';
export * from './metrics.js';
export * from './task_metric_config.js';
export * from './replay.js';
export * from './compare.js';
export * from './explain.js';

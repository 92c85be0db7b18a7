/**
 * The advantage-estimator registry, after verl's `register_adv_est` / `get_adv_estimator_fn`
 * (`Train/verl/verl/trainer/ppo/core_algos.py`):
 * - an estimator is registered under a name;
 * - registering a name again with a *different* function is refused (same function: no-op);
 * - looking up an unknown name raises an error that lists the known names
 *   (verl's own message, "Unknown advantage estimator simply: …", does not list them).
 *
 * Estimator files call `registerAdvEst` at module load; `index.ts` imports them all.
 */
import type { AdvEstimatorFn } from './types.js';

const REGISTRY = new Map<string, AdvEstimatorFn>();

/** Register `fn` under `name`. Returns `fn`, so it can wrap a definition. */
export function registerAdvEst<F extends AdvEstimatorFn>(name: string, fn: F): F {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('estimator name must be a non-empty string');
  if (typeof fn !== 'function') throw new TypeError(`estimator '${name}' must be a function`);
  const existing = REGISTRY.get(name);
  if (existing !== undefined && existing !== fn) {
    throw new Error(`Adv estimator '${name}' has already been registered with a different function`);
  }
  REGISTRY.set(name, fn);
  return fn;
}

/** Look an estimator up; an unknown name throws an Error naming the known estimators. */
export function getAdvEstimator(name: string): AdvEstimatorFn {
  const fn = REGISTRY.get(name);
  if (fn === undefined) {
    const known = listAdvEstimators();
    throw new Error(
      `Unknown advantage estimator '${name}'. Known estimators: ${known.length ? known.join(', ') : '(none registered)'}`,
    );
  }
  return fn;
}

/** Registered names, sorted. */
export function listAdvEstimators(): string[] {
  return [...REGISTRY.keys()].sort();
}

/** Remove a registration (tests only; the reference has no such function). */
export function unregisterAdvEst(name: string): boolean {
  return REGISTRY.delete(name);
}

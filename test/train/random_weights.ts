/** Test helpers of the engine tests: random policy weights (every gradient far from zero, LN gains around 1), random arrays and max-abs differences. */
import { expect } from 'vitest';
import type { Policy, PolicyWeights } from '../../lib/train/policy.js';
import { Rng } from '../../lib/util/random.js';

export function randomWeights(p: Policy, seed: number, std = 0.4): PolicyWeights {
  const rng = new Rng(seed);
  const out: PolicyWeights = {};
  const shapes = p.weightShapes();
  for (const name of p.variableNames) {
    const n = shapes[name].reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const base = /\.g$/.test(name) ? 1 : 0;
    for (let i = 0; i < n; i++) a[i] = base + rng.normal() * std;
    out[name] = a;
  }
  return out;
}

/** max |a_i − b_i| (the lengths must agree). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a_i|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** n floats uniform in [−width/2, width/2) from a Park–Miller stream started at `seed` (deterministic, no Rng state shared). */
export function randArray(n: number, seed: number, width: number): Float32Array {
  let s = seed;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = (s / 2147483647 - 0.5) * width;
  }
  return a;
}

/** Test helper: random policy weights large enough that every gradient is far from zero (LN gains around 1). */
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

/**
 * Counter-based random streams of the local trainer: every stream is
 * `new Rng(streamSeed(seed, step, purpose, index))`, so nothing random carries over from one step to
 * the next and a resumed run redraws exactly the same prompts and samples (docs/training.md).
 */

/** Purposes of the streams (the third argument of `streamSeed`). 1–3 are used by report.ts too. */
export const PURPOSE = { prompts: 1, sample: 2, eval: 3, replay: 4, mixture: 5, sft: 6 } as const;

/** A 32-bit seed from (seed, step, purpose, index): murmur3's finaliser over a running mix. */
export function streamSeed(seed: number, step: number, purpose: number, index = 0): number {
  let h = seed >>> 0;
  for (const x of [step, purpose, index]) {
    h = Math.imul(h ^ (x >>> 0), 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Benchmark: worst-case per-call time of every scorer on the audit's attacks (issue 15 item 1):
 * 65,536 and 262,144 spaces inside a response, and a 64K-space math ground truth — for every data_source
 * and every LongBench-Pro metric (both summary languages), the spaces placed as bench/scorer_attacks.ts
 * places a payload (think block, answer area, between lines). The peer in the same command is the same
 * scorer on a 1,024-space payload: a linear scorer's per-character time stays flat, so the ratio
 * (time per character at 262,144 ÷ at 1,024) is ≈ 1 (quadratic: ≈ 256).
 * Also: the slowest attack kind on a math ground truth just under the parse bound (MAX_GOLD_LENGTH, 2,048).
 * Times are process CPU time, best of 3 calls (one call where the ground truth varies: it is memoised).
 *
 * Run standalone: `node --import tsx bench/scorer_worst.ts`.
 */
import { pathToFileURL } from 'node:url';
import { ATTACKS, SCORER_TARGETS } from './scorer_attacks.js';
import { computeScore } from '../lib/rewards/index.js';
import type { RewardCase } from '../lib/rewards/types.js';

export interface ScorerWorstResult {
  name: string;
  /** worst per-call ms over all targets, per attack */
  worst_ms: Record<string, { ms: number; target: string }>;
  /** max over targets of (ms per char at 262,144) / (ms per char at 1,024) */
  per_char_ratio: number;
  details: string;
}

/** Best of `reps` calls (1 for ground-truth attacks: math_verify memoises parsed ground truths). */
function cpuMs(c: RewardCase, reps = 3): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    computeScore(c);
    const d = process.cpuUsage(c0);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

export function benchScorerWorstCase(): ScorerWorstResult {
  const attacks: { name: string; n: number; where: 'response' | 'ground_truth'; only?: string }[] = [
    { name: '65,536 spaces in the response', n: 65_536, where: 'response' },
    { name: '262,144 spaces in the response', n: 262_144, where: 'response' },
    { name: '64K-space math ground truth', n: 65_536, where: 'ground_truth', only: 'math_longcot_math_verify' },
  ];
  const worst: ScorerWorstResult['worst_ms'] = {};
  let ratio = 0;
  const rows: string[] = [];
  for (const t of SCORER_TARGETS) {
    computeScore(t.make(' '.repeat(64), 'response'));
    const base = cpuMs(t.make(' '.repeat(1024), 'response')) / 1024;
    for (const a of attacks) {
      if (a.only && t.name !== a.only) continue;
      const ms = cpuMs(t.make(' '.repeat(a.n), a.where), a.where === 'ground_truth' ? 1 : 3);
      if (!worst[a.name] || ms > worst[a.name].ms) worst[a.name] = { ms, target: t.name };
      if (a.n === 262_144) {
        const r = ms / a.n / Math.max(base, 1e-6);
        ratio = Math.max(ratio, r);
        rows.push(`${t.name} ${ms.toFixed(1)} ms`);
      }
    }
  }
  // The longest math ground truth that is still parsed (2,048 units, MAX_GOLD_LENGTH): every attack kind.
  const math = SCORER_TARGETS.find((t) => t.name === 'math_longcot_math_verify')!;
  for (const a of ATTACKS) {
    const ms = cpuMs(math.make(a.payload(1010), 'ground_truth'), 1);
    const key = 'math ground truth of ~2,040 characters (any attack kind)';
    if (!worst[key] || ms > worst[key].ms) worst[key] = { ms, target: `math_longcot_math_verify, ${a.name}` };
  }
  const details =
    Object.entries(worst).map(([k, v]) => `${k}: worst ${v.ms.toFixed(1)} ms (${v.target})`).join('; ') +
    ` | per-char time at 262,144 vs 1,024 spaces: max ratio ${ratio.toFixed(2)} (linear ≈ 1, quadratic ≈ 256) | 262,144 spaces per target: ${rows.join(', ')}`;
  return { name: 'scorer worst case (audit attacks)', worst_ms: worst, per_char_ratio: ratio, details };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = benchScorerWorstCase();
  process.stdout.write(`${r.name}: ${r.details}\n`);
}

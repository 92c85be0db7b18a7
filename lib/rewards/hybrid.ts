/**
 * QwenLong-L1's hybrid reward (GOLONGRL.md §F; `verl/utils/reward_score/docmath.py`, `docqa.py` there):
 * the rule score first; if it is below 1 and a judge is configured, an LLM judge decides equivalence,
 * and the final score is
 *
 *   score = max(rule, judge)        judge = 1 for [[YES]], 0 for [[NO]]
 *
 * When the judge gives no usable verdict (timeout, HTTP error, malformed reply: llm_judge.ts) the rule
 * score stands and the failure is counted. Counters (`HybridStats`) are what the trainer logs as
 * `reward/judge_calls`, `reward/judge_yes`, `reward/judge_no`, `reward/judge_fallbacks`,
 * `reward/judge_raised` (rule < 1 lifted to 1).
 */
import type { Judge, JudgeFailure, JudgeRequest } from './llm_judge.js';

export interface HybridStats {
  calls: number;
  yes: number;
  no: number;
  fallbacks: number;
  raised: number;
  failures: Partial<Record<JudgeFailure, number>>;
}

export function emptyHybridStats(): HybridStats {
  return { calls: 0, yes: 0, no: 0, fallbacks: 0, raised: 0, failures: {} };
}

/** One hybrid score; `stats` is updated in place. */
export async function hybridScore(rule: number, req: JudgeRequest, judge: Judge | null, stats: HybridStats): Promise<number> {
  if (judge === null || rule >= 1) return rule;
  stats.calls++;
  let r;
  try {
    r = await judge.judge(req);
  } catch (e) {
    r = { verdict: null, reason: 'network_error' as const, detail: (e as Error).message };
  }
  if (r.verdict === null) {
    stats.fallbacks++;
    const k = r.reason ?? 'no_verdict';
    stats.failures[k] = (stats.failures[k] ?? 0) + 1;
    return rule;
  }
  if (r.verdict) {
    stats.yes++;
    if (rule < 1) stats.raised++;
    return Math.max(rule, 1);
  }
  stats.no++;
  return rule;
}

/**
 * Hybrid scores of many items with at most `concurrency` judge requests in flight; results are in
 * input order, so the outcome does not depend on reply timing.
 */
export async function hybridScores(items: readonly { rule: number; req: JudgeRequest }[], judge: Judge | null, stats: HybridStats, concurrency = 8): Promise<number[]> {
  const out = items.map((x) => x.rule);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await hybridScore(items[i].rule, items[i].req, judge, stats);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

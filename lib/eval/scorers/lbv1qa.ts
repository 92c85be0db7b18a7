/**
 * LongBench-v1 QA — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/lbv1qa_eval.py`:
 * - subsets narrativeqa, qasper, hotpotqa, 2wikimqa, musique; context middle-truncated to 500 000
 *   characters (`middleTruncate`: first ⌊max/2⌋ + "\n...[truncated]...\n" + last ⌊max/2⌋).
 * - `stripThink`: the text after the LAST `</think>`, stripped.
 * - `extractAnswer`: the LAST line matching `[Tt]herefore,?\s*the answer is:?\s*(.+)` (case-insensitive),
 *   else the last non-empty line, else the stripped text; then `clean`: strip, strip `"` then `'`,
 *   rstrip('.'), unwrap one pair of parentheses.
 * - the sample score is the MAX over gold answers of the judge verdict (judge.ts `lbv1JudgeWithRetry`);
 *   a subset's score is the mean × 100; the overall number is the unweighted mean of the subsets. (The
 *   reference's log calls it "F1"; its F1 helpers are unused.)
 */
import { lbv1JudgeWithRetry } from './judge.js';
import { pySplitlines, pyStrip, pyStripChars } from './pytext.js';

export const LBV1_SUBSETS = ['narrativeqa', 'qasper', 'hotpotqa', '2wikimqa', 'musique'] as const;
export const LBV1_MAX_CONTEXT_CHARS = 500_000;

export const LBV1_PROMPT_TEMPLATE = `Please read the following text and answer the question below.
<text>
{context}
</text>
{question}
Format your response as follows: "Therefore, the answer is (insert answer here)".`;

export function middleTruncate(text: string, maxChars = LBV1_MAX_CONTEXT_CHARS): string {
  const cps = [...text];
  if (cps.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return cps.slice(0, half).join('') + '\n...[truncated]...\n' + cps.slice(cps.length - half).join('');
}

export function stripThink(text: string): string {
  return text.includes('</think>') ? pyStrip(text.split('</think>').at(-1) as string) : pyStrip(text);
}

function clean(s: string): string {
  let t = pyStripChars(pyStripChars(pyStripChars(pyStrip(s), '"'), "'"), '.', 'right');
  if (t.startsWith('(') && t.endsWith(')')) t = pyStrip(t.slice(1, -1));
  return t;
}

const THEREFORE = /[Tt]herefore,?\s*the answer is:?\s*(.+)/iu;

export function extractAnswer(text: string): string {
  let match: RegExpExecArray | null = null;
  for (const line of pySplitlines(text)) {
    const m = THEREFORE.exec(line);
    if (m) match = m;
  }
  if (match) return clean(match[1]);
  const lines = pySplitlines(text).map(pyStrip).filter((l) => l !== '');
  if (lines.length) return clean(lines[lines.length - 1]);
  return pyStrip(text);
}

/** Max over gold answers of the judge verdict; `judge(pred, answer)` returns the reply text (may throw). */
export async function scoreLbv1Sample(response: string, answers: readonly string[] | string, judge: (pred: string, answer: string, attempt: number) => Promise<string>): Promise<{ pred: string; score: number }> {
  const pred = extractAnswer(response);
  const golds = typeof answers === 'string' ? [answers] : answers;
  let best = 0;
  for (const a of golds) best = Math.max(best, (await lbv1JudgeWithRetry((attempt) => judge(pred, a, attempt))).score);
  return { pred, score: golds.length ? best : 0 };
}

/** Per-subset mean × 100 and the unweighted mean over the subsets present. */
export function summarizeLbv1(items: readonly { dataset: string; llm_score: number }[]): { per_subset: Record<string, number>; overall: number } {
  const groups = new Map<string, number[]>();
  for (const it of items) groups.set(it.dataset, [...(groups.get(it.dataset) ?? []), it.llm_score]);
  const per: Record<string, number> = {};
  for (const s of LBV1_SUBSETS) {
    const g = groups.get(s);
    if (g && g.length) per[s] = (g.reduce((a, b) => a + b, 0) / g.length) * 100;
  }
  const vals = Object.values(per);
  return { per_subset: per, overall: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : 0 };
}

/**
 * Frames — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/score_frame.py` (max(CEM, LLM judge)) and the
 * adapter's answer extraction (`evalscope/benchmarks/frames/frames_adapter.py`).
 *
 * - `normalize`: NFKD, lower-case, articles (a|an|the as whole words) → ' ', digit,digit → digitdigit
 *   ("1,000" → "1000"), ASCII punctuation removed, whitespace collapsed.
 * - `cem(prediction, target)`: the normalised target occurs in the normalised prediction between word
 *   boundaries (so '2' does not match '2019'); an empty normalised target never matches.
 * - `stripThink`: remove `<think>…</think>` blocks, then keep what follows the LAST remaining `</think>`.
 * - `scoreFrames`: 1 if CEM on the think-stripped full output OR the judge's acc ≥ 0.5.
 * - `extractFramesAnswer` (the adapter, for the judge): delete `*`; the text after the LAST 'the answer is',
 *   stripped of whitespace and dots; '' when absent.
 *
 * Python's `\b` and `\d` are Unicode-aware; JS's are not, so the patterns use pytext.ts equivalents.
 */
import { escapeRegex, pyBoundary, pySplit, pyStrip, pyStripChars, removeAsciiPunctuation } from './pytext.js';

const ARTICLES = new RegExp(`${pyBoundary}(a|an|the)${pyBoundary}`, 'gu');
const DIGIT_COMMA = /(\p{Nd}),(\p{Nd})/gu;

export function normalize(text: string): string {
  let t = text.normalize('NFKD').toLowerCase();
  t = t.replace(ARTICLES, ' ');
  t = t.replace(DIGIT_COMMA, '$1$2');
  t = removeAsciiPunctuation(t);
  return pyStrip(pySplit(t).join(' '));
}

export function cem(prediction: string, target: string): boolean {
  const np = normalize(prediction);
  const nt = normalize(target);
  if (!nt) return false;
  return new RegExp(`${pyBoundary}${escapeRegex(nt)}${pyBoundary}`, 'u').test(np);
}

export function stripThink(text: string): string {
  let t = text.replace(/<think>[\s\S]*?<\/think>/g, '');
  if (t.includes('</think>')) t = t.split('</think>').at(-1) as string;
  return pyStrip(t);
}

export function extractFramesAnswer(prediction: string): string {
  const r = prediction.replaceAll('*', '');
  const k = r.lastIndexOf('the answer is');
  if (k < 0) return '';
  return pyStrip(pyStripChars(pyStrip(r.slice(k + 'the answer is'.length)), '.'));
}

export interface FramesReview {
  target: string;
  /** The model's full output. */
  prediction: string;
  /** The judge's acc (evalscope `sample_score.score.value.acc`). */
  llmAcc: number;
}

export function scoreFrames(r: FramesReview): { cem: boolean; llm: number; score: 0 | 1 } {
  const hit = cem(stripThink(r.prediction), r.target);
  return { cem: hit, llm: r.llmAcc, score: hit || r.llmAcc >= 0.5 ? 1 : 0 };
}

/** score_frame.py's report: accuracy (max(CEM, LLM)), CEM and LLM rates, ×100. */
export function summarizeFrames(reviews: readonly FramesReview[]): { n: number; accuracy: number; cem: number; llm: number } {
  const s = reviews.map(scoreFrames);
  const n = s.length;
  const pct = (k: number) => (n ? (k / n) * 100 : 0);
  return { n, accuracy: pct(s.filter((x) => x.score === 1).length), cem: pct(s.filter((x) => x.cem).length), llm: pct(s.filter((x) => x.llm >= 0.5).length) };
}

/**
 * CorpusQA — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/corpusqa_eval.py`:
 * - `stripThink`: the text after the LAST `</think>` (`split('</think>')[-1]`), stripped; else the whole
 *   text stripped.
 * - `extractAnswer`: the first match of `[Tt]he answer is:?\s*(.*)` (`.` stops at a newline), stripped;
 *   else the whole text stripped.
 * - the verdict: judge.ts `corpusqaVerdict`; overall = correct / total (×100 here), plus per domain
 *   (the id prefix: financial_zh, financial_en, education_en, real_estate_en).
 */
import { corpusqaVerdict } from './judge.js';
import { pyStrip } from './pytext.js';

export const CORPUSQA_DOMAINS = ['financial_zh', 'financial_en', 'education_en', 'real_estate_en'] as const;

export function stripThink(text: string): string {
  return text.includes('</think>') ? pyStrip(text.split('</think>').at(-1) as string) : pyStrip(text);
}

export function extractAnswer(text: string): string {
  const m = /[Tt]he answer is:?\s*([^\n]*)/u.exec(text);
  return m ? pyStrip(m[1]) : pyStrip(text);
}

export function domainOf(id: string): string | null {
  return CORPUSQA_DOMAINS.find((d) => id.startsWith(d)) ?? null;
}

export interface CorpusQaEvalRow {
  id: string;
  /** The stored verdict. */
  correct?: boolean;
  /** The judge's reply (`reason` in evals/*.jsonl); when present the verdict is recomputed from it. */
  reason?: string;
}

export function summarizeCorpusQa(rows: readonly CorpusQaEvalRow[]): { total: number; correct: number; accuracy: number; per_domain: Record<string, { total: number; correct: number; accuracy: number }> } {
  let correct = 0;
  const per: Record<string, { total: number; correct: number; accuracy: number }> = {};
  for (const r of rows) {
    const ok = typeof r.reason === 'string' && !r.reason.startsWith('Error: ') ? corpusqaVerdict(r.reason) : r.correct === true;
    if (ok) correct++;
    const d = domainOf(r.id);
    if (d) {
      per[d] ??= { total: 0, correct: 0, accuracy: 0 };
      per[d].total++;
      if (ok) per[d].correct++;
    }
  }
  for (const d of Object.values(per)) d.accuracy = (d.correct / d.total) * 100;
  return { total: rows.length, correct, accuracy: rows.length ? (correct / rows.length) * 100 : 0, per_domain: per };
}

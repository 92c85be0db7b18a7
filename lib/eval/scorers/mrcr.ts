/**
 * MRCR grading — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/mrcr_eval.py` (the openai/mrcr rule):
 *
 * - `stripThinking`: remove every `<think>…</think>` (non-greedy, across lines), then if a `</think>` is
 *   left (vLLM drops the opening tag) keep the text after the FIRST one; then `strip()`.
 * - `grade(response, answer, prefix)`: 0 if the response does not start with `random_string_to_prepend`;
 *   otherwise remove that prefix from both (`removeprefix`) and return
 *   `difflib.SequenceMatcher(None, response, answer).ratio()` (lib/eval/difflib.ts, bit-exact).
 * - `summarizeMrcr` (run_report): overall = mean score × 100, per needle_count, per token bin, each
 *   rounded with Python's round(·, 2); n_samples. Missing needle_count/bin group under "?" and JSON null
 *   under "None", as `str()` of the value does in the reference.
 */
import { sequenceRatio } from '../difflib.js';
import { pyRound2, pyStrip } from './pytext.js';

export function stripThinking(text: string): string {
  let t = text.replace(/<think>[\s\S]*?<\/think>/g, '');
  const k = t.indexOf('</think>');
  if (k >= 0) t = t.slice(k + '</think>'.length);
  return pyStrip(t);
}

export function grade(response: string, answer: string, prefix: string): number {
  if (!response.startsWith(prefix)) return 0;
  const r = response.slice(prefix.length);
  const a = answer.startsWith(prefix) ? answer.slice(prefix.length) : answer;
  return sequenceRatio(r, a);
}

export interface MrcrRecord {
  id?: unknown;
  needle_count?: unknown;
  bin?: unknown;
  answer: string;
  random_string_to_prepend: string;
  response: string;
  score?: number;
}

export interface MrcrSummary {
  overall: number;
  n_samples: number;
  per_needle: Record<string, number>;
  per_bin: Record<string, number>;
}

function key(v: unknown): string {
  if (v === undefined) return '?';
  if (v === null) return 'None';
  return String(v);
}

const avgPct = (xs: number[]) => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length) * 100 : 0);

/** The reference's `--rescore`: strip thinking from `response`, grade again; then run_report's summary. */
export function rescoreMrcr(records: readonly MrcrRecord[]): { records: (MrcrRecord & { score: number })[]; summary: MrcrSummary } {
  const out = records.map((r) => {
    const response = stripThinking(r.response);
    return { ...r, response, score: grade(response, r.answer, r.random_string_to_prepend) };
  });
  return { records: out, summary: summarizeMrcr(out) };
}

export function summarizeMrcr(records: readonly { needle_count?: unknown; bin?: unknown; score?: number }[]): MrcrSummary {
  const overall: number[] = [];
  const byNeedle = new Map<string, number[]>();
  const byBin = new Map<string, number[]>();
  for (const r of records) {
    const s = Number(r.score ?? 0);
    overall.push(s);
    const nk = key(r.needle_count);
    const bk = key(r.bin);
    byNeedle.set(nk, [...(byNeedle.get(nk) ?? []), s]);
    byBin.set(bk, [...(byBin.get(bk) ?? []), s]);
  }
  const binKey = (x: string) => {
    if (x.includes('-')) {
      const n = Number(x.split('-')[0]);
      return /^[+-]?\d+$/.test(x.split('-')[0].trim()) ? n : 1e9;
    }
    return 1e9;
  };
  const perNeedle: Record<string, number> = {};
  for (const k of [...byNeedle.keys()].sort()) perNeedle[k] = pyRound2(avgPct(byNeedle.get(k) as number[]));
  const perBin: Record<string, number> = {};
  for (const k of [...byBin.keys()].sort((a, b) => binKey(a) - binKey(b))) perBin[k] = pyRound2(avgPct(byBin.get(k) as number[]));
  return { overall: pyRound2(avgPct(overall)), n_samples: overall.length, per_needle: perNeedle, per_bin: perBin };
}

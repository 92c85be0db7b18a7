/**
 * NDCG@k with trec_eval `ndcg_cut` semantics — LongBench-Pro retrieval sub-tasks (T1.1, T1.2);
 * capability "graded ranking".
 *
 *   k     = |A|                                   (gold list length, duplicates included)
 *   qrels = { A[i]: |A| − i }                     (dict: a repeated gold line keeps its LATER, lower value)
 *   run   = { P[i]: |P| − i }                     (dict: a repeated prediction line keeps its later, lower score)
 *   ranked run = run sorted by score descending   (scores are distinct, so no tie-breaking is needed)
 *   DCG@k  = Σ_{r=1..k} gain(doc_r) / D(r),   gain = qrels relevance (linear; 0 if not in qrels)
 *   IDCG@k = Σ_{r=1..k} rel_(r) / D(r),       rel_(r) = qrels relevances sorted descending
 *   D(r) = log2(r + 1)                        (rank 1 undiscounted; rank 2 divided by log2 3)
 *   NDCG = DCG@k / IDCG@k                     (DCG@k itself if IDCG@k is 0)
 *
 * The discount: GOLONGRL.md §A.2 describes an older `m_ndcg_cut.c` (D(r) = log2 r for r ≥ 2, i.e.
 * no discount at ranks 1–2). The golden vectors, produced by running NIST trec_eval for
 * pytrec_eval, disagree with that on every non-trivial case and agree with D(r) = log2(r + 1)
 * on all of them, so that is what we implement. Those golden values are trec_eval's printed
 * output, rounded to 4 decimals; we return the full double, as pytrec_eval does, and the golden
 * test compares NDCG after rounding to 4 decimals (see test/rewards/golden.test.ts).
 *
 * Source: GoLongRL `long_bench_pro.py::NDCG`, which calls `pytrec_eval.RelevanceEvaluator(qrels,
 * {"ndcg_cut.k"})`; the formula is NIST trec_eval `m_ndcg_cut.c` (te_calc_ndcg_cut).
 */
import { normalizeAnswers, predictionLines } from './normalize.js';

function discount(rank: number): number {
  return Math.log2(rank + 1);
}

export function ndcg(answers: readonly string[], prediction: string): number {
  const A = normalizeAnswers(answers);
  const P = predictionLines(prediction);
  if (A.length === 0 || P.length === 0) return 0;
  const k = A.length;
  const qrels = new Map<string, number>();
  A.forEach((a, i) => qrels.set(a, A.length - i));
  const run = new Map<string, number>();
  P.forEach((p, i) => run.set(p, P.length - i));
  const ranked = [...run.entries()].sort((x, y) => y[1] - x[1]).map(([doc]) => doc);
  let dcg = 0;
  for (let i = 0; i < ranked.length && i < k; i++) {
    const gain = qrels.get(ranked[i]) ?? 0;
    if (gain !== 0) dcg += gain / discount(i + 1);
  }
  const ideal = [...qrels.values()].sort((x, y) => y - x);
  let idcg = 0;
  for (let i = 0; i < ideal.length && i < k; i++) {
    if (ideal[i] <= 0) break;
    idcg += ideal[i] / discount(i + 1);
  }
  return idcg > 0 ? dcg / idcg : dcg;
}

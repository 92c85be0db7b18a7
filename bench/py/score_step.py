"""Python reference for `npm run bench` (bench/scoring_step.ts): score one GoLongRL step's rows with the
libraries GoLongRL's reward code uses — pltrdy `rouge` 1.0.1, `jieba` 0.42.1, Hugging Face `math-verify`
0.8.0 — following GoLongRL's `default_compute_score` as /docs/rewards.md (GOLONGRL.md §A) describes it.
NDCG is trec_eval's ndcg_cut written out with the discount the golden vectors show (pytrec_eval is not
installed here; its cost is negligible next to ROUGE and math_verify). Prints one JSON line: {"seconds": wall seconds of the scoring loop (after
imports and jieba's dictionary load, which are timed separately), "import_seconds", "scores": [...]}.

usage: python score_step.py ROWS.jsonl
"""
import json
import math
import re
import sys
import time
from collections import Counter

t_import = time.perf_counter()
import jieba  # noqa: E402
from math_verify import parse, verify  # noqa: E402
from rouge import Rouge  # noqa: E402

jieba.setLogLevel(60)
jieba.initialize()
import_seconds = time.perf_counter() - t_import

TASK_METRIC = {}
for k, m in [
    ("T1.1 Global Cohesive Retrieval", "NDCG"), ("T1.2 Key-Snippet Retrieval", "NDCG"),
    ("T2.1 Global Timeline Reconstruction", "Pairwise_Accuracy"), ("T2.2 Local Causal Chain Sorting", "Pairwise_Accuracy"),
    ("T6.3 Global Frequency Analysis", "Pairwise_Accuracy"), ("T3.1 Multi-Doc Integration QA", "Accuracy"),
    ("T3.2 Single-Hop Fact QA", "Accuracy"), ("T11.1 Long-Range Entity & Commitment Tracking", "Accuracy"),
    ("T11.2 Short-Range Reference Resolution & State Query", "Accuracy"), ("T4.1 Global-Coverage Constrained Summary", "Summary"),
    ("T4.2 Query-Focused Summary", "Summary"), ("T5.1 Full-Sentence Citation Alignment", "F1_Score"),
    ("T5.2 Key-Statement Citation Alignment", "F1_Score"), ("T6.2 Targeted Subset Cluster Identification", "F1_Score"),
    ("T7.1 Global Conflict & Inconsistency Localization", "F1_Score"), ("T7.2 Targeted Rule or Condition Violation Detection", "F1_Score"),
    ("T7.3 Comprehensive Error & Anomaly Sweep", "F1_Score"), ("T9.1 Dependency-Aware Multi-Version Impact Analysis", "F1_Score"),
    ("T9.2 Localized Interface Change Detection", "F1_Score"), ("T6.1 Large-Scale Document Clustering", "SubEM"),
    ("T8.1 Structured Multi-Source Consistency Verification", "SubEM"), ("T8.2 Single-Source Targeted Aggregation", "SubEM"),
    ("T8.3 Long-Context Procedural State Tracking", "SubEM"), ("T10.1 Large-Scale In-Context Rule Induction", "SubEM"),
    ("T10.2 Targeted Example-Based Rule Induction", "SubEM"),
]:
    TASK_METRIC[k] = m


def fix_space(s):
    return " ".join(s.split())


def answer_area(t):
    if "[Answer]" in t:
        t = t[t.rfind("[Answer]") + 8:]
    elif "[答案]" in t:
        t = t[t.rfind("[答案]") + 4:]
    return t.strip()


def ndcg_cut(A, P):
    k = len(A)
    qrels = {a: len(A) - i for i, a in enumerate(A)}
    run = {p: len(P) - i for i, p in enumerate(P)}
    ranked = sorted(run.items(), key=lambda x: -x[1])[:k]
    # D(r) = log2(r + 1): what the trec_eval behind pytrec_eval computes (the golden vectors; lib/rewards/ndcg.ts)
    disc = lambda r: 1.0 / math.log2(r + 1)  # noqa: E731
    dcg = sum(qrels.get(d, 0) * disc(r) for r, (d, _) in enumerate(ranked, 1))
    idcg = sum(g * disc(r) for r, g in enumerate(sorted(qrels.values(), reverse=True)[:k], 1))
    return dcg / idcg if idcg > 0 else dcg


def lbp(pred, answers, sub_task, language):
    try:
        metric = TASK_METRIC[sub_task]
        A = [fix_space(a.lower().strip()) for a in answers]
        if not pred or not A:
            return 0.0
        if metric == "Summary":
            p = fix_space(pred.lower().strip())
            if language == "Chinese":
                p = " ".join(jieba.cut(p, cut_all=False))
                A = [" ".join(jieba.cut(a, cut_all=False)) for a in A]
            scores = Rouge().get_scores([p] * len(A), A)
            return max(s["rouge-l"]["f"] for s in scores)
        P = [fix_space(line.strip()) for line in answer_area(pred).lower().split("\n")]
        if metric == "Accuracy":
            return 1.0 if A[0] == P[0] else 0.0
        if metric == "F1_Score":
            i = len(set(A) & set(P))
            if i == 0:
                return 0.0
            p, r = i / len(set(P)), i / len(set(A))
            return 2 * p * r / (p + r)
        if metric == "SubEM":
            return sum(1 for a in A if a in P) / len(A)
        if metric == "Pairwise_Accuracy":
            if len(A) <= 1 or len(P) <= 1:
                return 0.0
            idx = {p: i for i, p in enumerate(P)}
            ok = sum(1 for i in range(len(A)) for j in range(i + 1, len(A)) if A[i] in idx and A[j] in idx and idx[A[i]] < idx[A[j]])
            return ok / (len(P) * (len(P) - 1) / 2)
        if metric == "NDCG":
            return ndcg_cut(A, P)
    except Exception:
        return 0.0
    return 0.0


def math_score(sol, gt):
    try:
        parsed = parse(sol[-500:], parsing_timeout=5)
        if len(parsed) < 2:
            return 0.0
        if parsed[1] in [gt]:
            return 1.0
        return 1.0 if verify(parse("\\boxed{" + gt + "}", parsing_timeout=5), parsed, timeout_seconds=5) else 0.0
    except Exception:
        return 0.0


def iou(sol, gt):
    try:
        gold = json.loads(gt["golden_label"])["data"]
    except Exception:
        return 0.0
    m = re.search(r"<answer>(.*?)</answer>", sol, re.S)
    try:
        pred = json.loads((m.group(1) if m else sol).strip())["data"]
    except Exception:
        pred = []
    key = lambda r: tuple(str(v) for v in r) if isinstance(r, list) else str(r)  # noqa: E731
    c = Counter(key(r) for r in gold) & Counter(key(r) for r in pred)
    mm = sum(c.values())
    d = len(pred) + len(gold) - mm
    return mm / d if d > 0 else 0.0


def choice(t):
    t = t.replace("*", "")
    m = re.search(r"The correct answer is \(([A-D])\)", t) or re.search(r"The correct answer is ([A-D])", t)
    return m.group(1) if m else None


def score(row):
    r, ds, gt, ei = row["response"], row["data_source"], row["ground_truth"], row.get("extra_info") or {}
    if "</think>" not in r or r.count("<think>") > 1 or r.count("</think>") > 1:
        return 0.0
    g = gt[-1] if isinstance(gt, list) else gt
    after = r.split("</think>")[-1]
    if ds == "longbench_pro":
        return lbp(r, g["doc_ids"], ei["reward_mode"], g["summary"])
    if ds == "EM":
        return 1.0 if g["golden_label"].strip() == after.strip() else 0.0
    if ds == "selection":
        x = choice(after)
        return 1.0 if x is not None and (x == g["golden_label"] or x == choice(g["golden_label"])) else 0.0
    if "math_longcot_math_verify" in ds:
        return math_score(r, g if isinstance(g, str) else g["golden_label"])
    if ds == "multitableqa_pretraining":
        return iou(r, gt)
    if ds == "retrieval_calculate":
        m1 = re.search(r"<relevant_doc_ids>(.*?)</relevant_doc_ids>", after, re.S)
        ids = re.findall(r"<\|doc_\d+\|>", m1.group(1)) if m1 else []
        m2 = re.search(r"<continue_reasoning>(.*?)</continue_reasoning>", after, re.S)
        cr = m2.group(1).strip() if m2 else ""
        if not ids or not cr or set(ids) != set(g["doc_ids"]):
            return 0.0
        return 1.0 if math_score(cr, g["golden_label"]) > 0 else 0.0
    raise NotImplementedError(ds)


rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
t0 = time.perf_counter()
c0 = time.process_time()
out = [score(r) for r in rows]
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0, "import_seconds": import_seconds, "scores": out}))

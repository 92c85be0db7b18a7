#!/usr/bin/env python3
"""Pure-Python ROUGE-L F in the manner of pltrdy `rouge` 1.0.1 (summary level, exclusive=True).

This is our own port written for the benchmark in bench/rouge.ts. It follows the algorithm of
pltrdy/rouge `rouge/rouge.py` + `rouge/rouge_score.py` (1.0.1) step for step, including its costs:
  - sentences: pieces of text.split(".") with len > 0, each whitespace-normalised;
  - words: sentence.split(" ");
  - for every (reference sentence, hypothesis sentence) pair, a full LCS table stored in a dict keyed
    by (i, j) (O(|x|·|y|) entries), then a RECURSIVE backtrack from (|x|, |y|): diagonal on equal words,
    up when T[i-1, j] > T[i, j-1], left otherwise; the backtracked words are collected as a set;
  - the union of those sets over all pairs gives llcs; m / n are the unique reference / hypothesis
    words; F = 2 * ((P * R) / (P + R + 1e-8)).
Only ROUGE-L is computed (the real `get_scores` also computes ROUGE-1 and ROUGE-2 on every call).

Usage: rouge_pltrdy.py FILE.jsonl [--every K]
  FILE.jsonl: one {"hyp": str, "ref": str} per line.  --every K: score only lines 0, K, 2K, ...
Prints one JSON object: {"indices": [...], "scores": [...], "elapsed_s": float} (elapsed = scoring only).
"""
import json
import sys
import time

# The backtrack recurses once per step, up to |x| + |y| + 1 frames deep. The real library runs under
# Python's default limit (1000), so long sentence pairs make it raise RecursionError, which GoLongRL's
# `except:` turns into a score of 0. The benchmark wants the true scores, so we lift the limit.
sys.setrecursionlimit(100_000)


def split_sentences(text):
    return [" ".join(piece.split()) for piece in text.split(".") if len(piece) > 0]


def lcs_dict_table(a, b):
    """Classic LCS lengths for every prefix pair, kept in a dict keyed by (i, j)."""
    cells = {}
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            if i == 0 or j == 0:
                cells[i, j] = 0
            elif a[i - 1] == b[j - 1]:
                cells[i, j] = cells[i - 1, j - 1] + 1
            else:
                cells[i, j] = max(cells[i - 1, j], cells[i, j - 1])
    return cells


def lcs_word_set(ref_words, hyp_words):
    """Words of the one LCS the recursive backtrack picks (ties move left, i.e. along the hypothesis)."""
    cells = lcs_dict_table(ref_words, hyp_words)

    def walk(i, j):
        if i == 0 or j == 0:
            return []
        if ref_words[i - 1] == hyp_words[j - 1]:
            return walk(i - 1, j - 1) + [ref_words[i - 1]]
        if cells[i - 1, j] > cells[i, j - 1]:
            return walk(i - 1, j)
        return walk(i, j - 1)

    return set(walk(len(ref_words), len(hyp_words)))


def rouge_l_f(hyp, ref):
    hyp_sents = split_sentences(hyp)
    ref_sents = split_sentences(ref)
    if not hyp_sents or not ref_sents:
        raise ValueError("Collections must contain at least 1 sentence.")
    hyp_words = [s.split(" ") for s in hyp_sents]
    ref_words = [s.split(" ") for s in ref_sents]
    m = len({w for ws in ref_words for w in ws})
    n = len({w for ws in hyp_words for w in ws})
    union = set()
    for rw in ref_words:
        for hw in hyp_words:
            union |= lcs_word_set(rw, hw)
    r = len(union) / m
    p = len(union) / n
    return 2.0 * ((p * r) / (p + r + 1e-8))


def main(argv):
    path = argv[1]
    every = 1
    if "--every" in argv:
        every = int(argv[argv.index("--every") + 1])
    with open(path, encoding="utf-8") as fh:
        pairs = [json.loads(line) for line in fh if line.strip()]
    indices = list(range(0, len(pairs), every))
    t0 = time.perf_counter()
    scores = []
    for k in indices:
        try:
            scores.append(rouge_l_f(pairs[k]["hyp"], pairs[k]["ref"]))
        except ValueError:
            scores.append(None)
    elapsed = time.perf_counter() - t0
    json.dump({"indices": indices, "scores": scores, "elapsed_s": elapsed}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""TMN-Reweight (tmn_grpo with difficulty_reweight) in vectorised numpy — the baseline for
bench/advantage.ts.

Same formulas as GoLongRL's `compute_tmn_grpo_outcome_advantage`
(Train/verl/verl/trainer/ppo/core_algos.py), written with np.bincount scatter-adds and
fancy-index gathers, in float64. Written for this benchmark, not copied from the reference.

Usage: tmn_numpy.py DIR N G K ALPHA GAMMA REPEATS
  DIR/scores.f64  float64 little-endian, N values
  DIR/group.i32   int32 little-endian, dense uid index 0..G-1
  DIR/task.i32    int32 little-endian, dense mode index 0..K-1
Writes DIR/adv_numpy.f64 and prints one JSON line:
  {"best_s": ..., "times_s": [...], "mean_pass_rate": ..., "numpy": "..."}
Only the compute is timed (not reading the files or writing the result).
"""
import json
import sys
import time

import numpy as np


def tmn_reweight(scores, uid, mode, G, K, alpha, gamma, eps=1e-6):
    cnt = np.bincount(uid, minlength=G).astype(np.float64)
    s1 = np.bincount(uid, weights=scores, minlength=G)
    s2 = np.bincount(uid, weights=scores * scores, minlength=G)
    c1 = np.maximum(cnt, 1.0)
    mean = s1 / c1
    var = np.maximum(s2 / c1 - mean * mean, 0.0) * (cnt / np.maximum(cnt - 1.0, 1.0))
    one = cnt <= 1
    mean = np.where(one, 0.0, mean)
    var = np.where(one, 1.0, var)

    uid_mode = np.full(G, -1, dtype=np.int64)
    uid_mode[uid] = mode  # last write wins, as the reference's scatter
    if (uid_mode < 0).any():
        raise ValueError("uid with no reward_mode")
    mode_uids = np.maximum(np.bincount(uid_mode, minlength=K).astype(np.float64), 1.0)
    scale = np.sqrt(np.maximum(np.bincount(uid_mode, weights=var, minlength=K) / mode_uids, 0.0))

    mean_row = mean[uid]
    adv = (scores - mean_row) / (scale[mode] + eps)

    mode_mean = np.bincount(uid_mode, weights=mean, minlength=K) / mode_uids
    mm_uid = mode_mean[uid_mode]
    smoothed = np.where(one, mm_uid, alpha * mean + (1.0 - alpha) * mm_uid)
    correct = np.bincount(uid, weights=(scores > smoothed[uid]).astype(np.float64), minlength=G)
    pass_rate = correct / c1
    w_pos = np.exp(gamma * (0.5 - pass_rate))
    w_neg = np.exp(gamma * (pass_rate - 0.5))
    adv *= np.where(scores > mean_row, w_pos[uid], w_neg[uid])
    return adv, float(pass_rate.mean())


def main():
    d, n, G, K = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    alpha, gamma, repeats = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    scores = np.fromfile(f"{d}/scores.f64", dtype="<f8", count=n)
    uid = np.fromfile(f"{d}/group.i32", dtype="<i4", count=n).astype(np.intp)
    mode = np.fromfile(f"{d}/task.i32", dtype="<i4", count=n).astype(np.intp)
    times = []
    adv = None
    mpr = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        adv, mpr = tmn_reweight(scores, uid, mode, G, K, alpha, gamma)
        times.append(time.perf_counter() - t0)
    adv.astype("<f8").tofile(f"{d}/adv_numpy.f64")
    print(json.dumps({"best_s": min(times), "times_s": times, "mean_pass_rate": mpr, "numpy": np.__version__}))


if __name__ == "__main__":
    main()

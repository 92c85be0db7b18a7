"""GoLongRL's reward, returning the ids a rollout dump needs for `golongrl replay`.

verl's `custom_reward_function` (`custom_reward_function.path=<this file>`,
`custom_reward_function.name=compute_score`; the cluster recipes' switch `custom_reward: golongrl_ids`
renders both). verl calls

    compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)

for every trajectory. We call GoLongRL's own `default_compute_score`
(`verl.utils.reward_score.default_compute_score` in GoLongRL's verl fork, `Train/verl`) unchanged and
return a dict

    {"score": <GoLongRL's reward>, "uid": <prompt id>, "reward_mode": <task>, "capability": <one of nine>}

When a reward function returns a dict, verl's reward manager uses `score` as the reward and keeps every
key in `reward_extra_info`; `trainer.rollout_data_dir` then writes each of them into every dump line
(`_dump_generations`: each reward_extra_info key with one value per trajectory). So the dump carries
its groups and tasks, and `golongrl replay` needs no dataset join.

- `uid`: the prompt's id from the dataset row, `extra_info["uid"]`, else `extra_info["index"]`
  (verl's own data preprocessors write `index`), else a stable hash of data_source, ground truth and
  `extra_info["question"]`. (verl's GRPO uid is a uuid made per prompt per step inside the trainer,
  which a reward function never sees; within one step a prompt id groups the same rollouts.)
- `reward_mode`: `extra_info["reward_mode"]` (a LongBench-Pro sub-task name, or the reward type
  for the other data), else the data_source — what GoLongRL's trainer reads.
- `capability`: the nine capability types of the GoLongRL dataset card, from the reward type
  (the same table as golongrl-lab's lib/rewards/capabilities.ts); "unknown" when no rule applies.

The reward itself is exactly GoLongRL's: a dict result of `default_compute_score` is passed through
with its `score`, plain numbers become `{"score": float(x)}`.
"""
import hashlib
import json

# LongBench-Pro metric → capability; other data_sources map directly (lib/rewards/capabilities.ts).
_METRIC_CAPABILITY = {
    "NDCG": "graded_ranking",
    "Pairwise_Accuracy": "sequence_ordering",
    "Accuracy": "comprehension",
    "F1_Score": "exhaustive_retrieval",
    "SubEM": "structured_matching",
    "Summary": "summarization",
}


def _golongrl():
    """GoLongRL's scorer and its sub-task table (imported on first use, from GoLongRL's verl)."""
    try:
        from verl.utils.reward_score import default_compute_score
        from verl.utils.reward_score.long_bench_pro import TASK_METRIC_CONFIG
    except ImportError as e:  # pragma: no cover - message only
        raise ImportError(
            "golongrl_reward.py needs GoLongRL's verl fork (Train/verl) on the Python path: "
            "verl.utils.reward_score.default_compute_score and long_bench_pro.TASK_METRIC_CONFIG; " + str(e)
        ) from e
    return default_compute_score, TASK_METRIC_CONFIG


def capability_of(data_source, reward_mode, task_metric_config):
    if data_source == "longbench_pro":
        return _METRIC_CAPABILITY.get(task_metric_config.get(reward_mode), "unknown")
    if data_source == "EM":
        return "precise_retrieval"
    if data_source == "selection":
        return "comprehension"
    if data_source == "multitableqa_pretraining":
        return "structured_extraction"
    if data_source == "retrieval_calculate" or "math_longcot_math_verify" in str(data_source):
        return "numerical_reasoning"
    return "unknown"


def prompt_uid(data_source, ground_truth, extra_info):
    ei = extra_info if isinstance(extra_info, dict) else {}
    for key in ("uid", "index"):
        v = ei.get(key)
        if v is not None:
            return str(v)
    blob = json.dumps([data_source, ground_truth, ei.get("question")], sort_keys=True, ensure_ascii=False, default=str)
    return "h" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    default_compute_score, task_metric_config = _golongrl()
    result = default_compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)
    out = dict(result) if isinstance(result, dict) else {"score": float(result)}
    ei = extra_info if isinstance(extra_info, dict) else {}
    reward_mode = ei.get("reward_mode") or data_source
    out["uid"] = prompt_uid(data_source, ground_truth, extra_info)
    out["reward_mode"] = str(reward_mode)
    out["capability"] = capability_of(data_source, reward_mode, task_metric_config)
    return out

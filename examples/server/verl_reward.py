"""verl custom reward: custom_reward_function.path=examples/server/verl_reward.py
custom_reward_function.name=compute_score (or compute_score_batch with reward_model.reward_manager=batch).

ground_truth (reward_model.ground_truth in the parquet) is the Sample answer as a dict or a JSON
string, optionally {"answer": {...}, "coords": {...}, "pipeline": name}.
"""
import json

from glimpse_client import glimpse_rewards


def _item(solution_str, ground_truth):
    gt = json.loads(ground_truth) if isinstance(ground_truth, str) else dict(ground_truth)
    answer = gt.get("answer", gt)
    item = {"completion": solution_str, "sample": {"answer": answer}}
    if gt.get("coords"):
        item["coords"] = gt["coords"]
    return item, gt.get("pipeline")


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    item, pipeline = _item(solution_str, ground_truth)
    res = glimpse_rewards([item], pipeline)[0]
    # verl logs every key besides "score"; None (reward did not apply) is left out
    return {"score": res["reward"], **{k: v for k, v in res["components"].items() if v is not None}}


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None):
    pairs = [_item(s, g) for s, g in zip(solution_strs, ground_truths)]
    pipelines = {p for _, p in pairs}
    if len(pipelines) == 1:  # one request for the whole batch
        results = glimpse_rewards([i for i, _ in pairs], pipelines.pop())
    else:
        results = [glimpse_rewards([i], p)[0] for i, p in pairs]
    return [{"score": r["reward"], **{k: v for k, v in r["components"].items() if v is not None}} for r in results]

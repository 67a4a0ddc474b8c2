"""TRL GRPOTrainer reward function backed by `glimpse serve`.

The dataset has an "answer" column (the Sample answer: a dict or a JSON string) and, for models
answering in norm1000 / resized-pixel coordinates, an optional "coords" column.

    trainer = GRPOTrainer(model=..., reward_funcs=[glimpse_grounding], train_dataset=ds, ...)
"""
import json

from glimpse_client import glimpse_rewards


def _text(completion):
    # standard format: a string; conversational format: [{"role": "assistant", "content": ...}]
    if isinstance(completion, str):
        return completion
    content = completion[-1]["content"]
    if isinstance(content, list):  # multimodal content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


def glimpse_grounding(prompts, completions, answer, coords=None, **kwargs):
    items = []
    for i, completion in enumerate(completions):
        a = json.loads(answer[i]) if isinstance(answer[i], str) else answer[i]
        item = {"completion": _text(completion), "sample": {"answer": a}}
        if coords is not None and coords[i]:
            item["coords"] = json.loads(coords[i]) if isinstance(coords[i], str) else coords[i]
        items.append(item)
    return [r["reward"] for r in glimpse_rewards(items, pipeline="grounding")]

"""Calls a running `glimpse serve --pipelines examples/server/pipelines` the way each client
recipe does (OpenRLHF's request, verl compute_score and its batch form, a TRL reward function)
and prints the rewards. Run: GLIMPSE_URL=http://127.0.0.1:8000 python3 examples/server/smoke.py
"""
import json

import requests

from glimpse_client import GLIMPSE_URL
from trl_reward import glimpse_grounding
from verl_reward import compute_score, compute_score_batch

good = '<think>the cat is on the left</think><answer>{"bbox_2d": [10, 20, 110, 220]}</answer>'
half = "<think>hmm</think><answer>[60, 20, 160, 220]</answer>"
gt = {"answer": {"bbox": [10, 20, 110, 220]}, "pipeline": "grounding"}

# OpenRLHF: exactly the request its remote_rm_fn sends
prompt = "<|im_start|>user\nWhere is the cat?<|im_end|>\n<|im_start|>assistant\n"
r = requests.post(f"{GLIMPSE_URL}/get_reward", json={"query": [prompt + good + "<|im_end|>", prompt + half], "prompts": [prompt, prompt], "labels": [json.dumps(gt)] * 2}, timeout=60)
r.raise_for_status()
openrlhf = r.json()
print("openrlhf", openrlhf["rewards"], openrlhf["extra_logs"])
assert abs(openrlhf["rewards"][0] - 1.5) < 1e-6 and abs(openrlhf["rewards"][1] - (0.5 + 1 / 3)) < 1e-6

v = compute_score("refcoco", good, json.dumps(gt))
print("verl", v)
assert abs(v["score"] - 1.5) < 1e-6
vb = compute_score_batch(["refcoco"] * 2, [good, half], [gt, gt])
print("verl batch", vb)
assert abs(vb[1]["score"] - (0.5 + 1 / 3)) < 1e-6

t = glimpse_grounding(prompts=["p", "p"], completions=[[{"role": "assistant", "content": good}], half], answer=[json.dumps(gt["answer"]), gt["answer"]])
print("trl", t)
assert abs(t[0] - 1.5) < 1e-6
print("all client recipes OK")

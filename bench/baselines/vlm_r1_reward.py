"""A straightforward Python implementation of VLM-R1's REC rewards (Shen et al. 2025,
open-r1-multimodal): format_reward_rec + iou_reward (inclusive-pixel intersection, box rescaled
from the resized model input to the original image), summed. Baseline of bench/rewards.bench.ts.

usage: python3 vlm_r1_reward.py records.json [seconds]
records.json: [{"completion": str, "gt": [x1,y1,x2,y2], "image_size": [W,H], "input_size": [w,h]}]
prints one JSON line: {"completions_per_s": float (per CPU-second of this process),
"completions_per_wall_s": float, "checksum": float, "n": int}
"""
import json
import re
import sys
import time

FORMAT_PATTERN = r"<think>.*?</think>\s*<answer>.*?\{.*\[\d+,\s*\d+,\s*\d+,\s*\d+\].*\}.*?</answer>"
ANSWER_TAG_PATTERN = r"<answer>(.*?)</answer>"
BBOX_PATTERN = r"\[(\d+),\s*(\d+),\s*(\d+),\s*(\d+)]"


def format_reward(content):
    return 1.0 if re.search(FORMAT_PATTERN, content, re.DOTALL) is not None else 0.0


def iou(box1, box2):
    inter_x1 = max(box1[0], box2[0])
    inter_y1 = max(box1[1], box2[1])
    inter_x2 = min(box1[2] - 1, box2[2] - 1)
    inter_y2 = min(box1[3] - 1, box2[3] - 1)
    if inter_x1 < inter_x2 and inter_y1 < inter_y2:
        inter = (inter_x2 - inter_x1 + 1) * (inter_y2 - inter_y1 + 1)
    else:
        inter = 0
    union = (box1[2] - box1[0]) * (box1[3] - box1[1]) + (box2[2] - box2[0]) * (box2[3] - box2[1]) - inter
    return float(inter) / union


def resize_bbox(bbox, input_height, input_width, image_height, image_width):
    bbox[0] = bbox[0] / input_width * image_width
    bbox[1] = bbox[1] / input_height * image_height
    bbox[2] = bbox[2] / input_width * image_width
    bbox[3] = bbox[3] / input_height * image_height
    return bbox


def iou_reward(content, sol, image_size, input_size):
    reward = 0.0
    try:
        m = re.search(ANSWER_TAG_PATTERN, content, re.DOTALL)
        if m:
            answer = m.group(1).strip()
            b = re.search(BBOX_PATTERN, answer)
            if b:
                bbox = [int(b.group(1)), int(b.group(2)), int(b.group(3)), int(b.group(4))]
                bbox = resize_bbox(bbox, input_size[1], input_size[0], image_size[1], image_size[0])
                reward = iou(bbox, sol)
    except Exception:
        pass
    return reward


def main():
    records = json.load(open(sys.argv[1]))
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    checksum = sum(format_reward(r["completion"]) + iou_reward(r["completion"], r["gt"], r["image_size"], r["input_size"]) for r in records)
    best = 0.0
    best_wall = 0.0
    for _ in range(3):
        n = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        while time.perf_counter() - t0 < seconds / 3:
            for r in records:
                format_reward(r["completion"]) + iou_reward(r["completion"], r["gt"], r["image_size"], r["input_size"])
            n += len(records)
        best = max(best, n / (time.process_time() - c0))
        best_wall = max(best_wall, n / (time.perf_counter() - t0))
    print(json.dumps({"completions_per_s": best, "completions_per_wall_s": best_wall, "checksum": checksum, "n": len(records)}))


if __name__ == "__main__":
    main()

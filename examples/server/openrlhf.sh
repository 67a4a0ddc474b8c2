#!/usr/bin/env bash
# OpenRLHF with glimpse as its remote reward model. The prompt dataset's label column
# (--label_key answer) holds, per prompt, a JSON string such as
#   {"answer": {"bbox": [12, 40, 200, 310]}, "coords": {"image_size": [1280, 960], "space": "norm1000"}}
# or plain text (read as {"answer": {"text": ...}}). A "pipeline" key picks another pipeline.
set -euo pipefail
glimpse serve --port 5000 --pipelines examples/server/pipelines --default grounding &
GLIMPSE_PID=$!
trap 'kill -TERM $GLIMPSE_PID' EXIT

python3 -m openrlhf.cli.train_ppo_ray \
  --remote_rm_url http://127.0.0.1:5000/get_reward \
  --label_key answer \
  "$@"

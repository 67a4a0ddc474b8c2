"""A small client for `glimpse serve` (POST /v1/rewards), shared by the verl and TRL recipes.

Retries 429 (queue full, honouring Retry-After), 503 (draining) and connection errors; raises on
4xx, whose message says what is wrong with the request.
"""
import os
import time

import requests

GLIMPSE_URL = os.environ.get("GLIMPSE_URL", "http://127.0.0.1:8000")
GLIMPSE_KEY = os.environ.get("GLIMPSE_API_KEY")  # when the server runs with --api-key-env
_session = requests.Session()


def glimpse_rewards(items, pipeline=None, timeout=180, retries=8):
    """items: [{"completion": str, "sample": {"answer": {...}}, "coords"?: {...}}] -> results."""
    body = {"items": items}
    if pipeline:
        body["pipeline"] = pipeline
    headers = {"Authorization": f"Bearer {GLIMPSE_KEY}"} if GLIMPSE_KEY else {}
    for attempt in range(retries):
        try:
            r = _session.post(f"{GLIMPSE_URL}/v1/rewards", json=body, headers=headers, timeout=timeout)
        except requests.ConnectionError:
            time.sleep(min(2**attempt, 30))
            continue
        if r.status_code in (429, 503):
            time.sleep(float(r.headers.get("Retry-After", 1)))
            continue
        if r.status_code != 200:
            raise RuntimeError(f"glimpse serve: HTTP {r.status_code}: {r.json()['error']['message']}")
        return r.json()["results"]
    raise RuntimeError(f"glimpse serve at {GLIMPSE_URL}: no answer after {retries} tries")

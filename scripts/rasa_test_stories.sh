#!/usr/bin/env bash
# Runs Rasa's test stories against the current model; fails on any wrong prediction.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false
# endpoints.yml names these; test stories call no action server, but Rasa insists.
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:9/webhook}"
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-unused-by-test-stories}"
model="$($PY -c 'from bot.rasa.model import ensure_model; print(ensure_model(quiet=True))')"
out="${1:-results/stories}"
$PY -m rasa test core --stories tests/stories --model "$model" --endpoints endpoints.yml \
    --fail-on-prediction-errors --out "$out" --no-plot

#!/usr/bin/env bash
# The whole suite: lint, then pytest (which also trains the model if its data
# changed, validates Rasa data and content, runs Rasa test stories and the
# end-to-end tests against real servers).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
echo "==> ruff"
$PY -m ruff check bot actions tests benchmarks
echo "==> mypy (bot/ and actions/)"
$PY -m mypy
echo "==> training the Rasa model if its data changed"
$PY -m bot train
echo "==> web chat widget, a headless browser and nginx for the end-to-end tests"
scripts/ensure_web.sh
scripts/ensure_browser.sh
scripts/ensure_nginx.sh   # for the reverse-proxy test (tests/e2e/test_reverse_proxy.py)
echo "==> pytest"
set +e
$PY -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
fi
exit "$rc"

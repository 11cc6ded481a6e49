#!/usr/bin/env bash
# Installs the web chat widget (rasa-webchat) into web/node_modules from the committed
# web/package-lock.json. Quick when nothing changed: a stamp holds the lock file's hash.
set -euo pipefail
cd "$(dirname "$0")/../web"

STAMP=node_modules/.installed-lock-hash
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" = "$have" ] && [ -f node_modules/rasa-webchat/lib/index.js ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm (Node.js 18 or newer) is needed for the web chat widget." >&2
    echo "       Install Node.js, or skip the web page: Telegram and REST work without it." >&2
    exit 1
fi
echo "==> installing the web chat widget (npm ci in web/)"
log="$(mktemp)"
if ! npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "error: npm ci in web/ failed" >&2
    exit 1
fi
rm -f "$log"
test -f node_modules/rasa-webchat/lib/index.js || {
    echo "error: web/node_modules/rasa-webchat/lib/index.js is missing after npm ci" >&2
    exit 1
}
echo "$want" > "$STAMP"

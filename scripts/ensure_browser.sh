#!/usr/bin/env bash
# A headless browser for the web chat's end-to-end test: Debian's Chromium (Playwright's
# own browser download is not used). Does nothing when one is already there.
set -euo pipefail
BROWSER="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "==> installing Chromium for the browser test (apt-get install chromium)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "warning: no Chromium at $BROWSER and no way to install it here;" >&2
    echo "         the web chat browser test will be skipped (set CHROMIUM_PATH or install chromium)." >&2
fi

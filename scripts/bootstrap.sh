#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies.
# Re-running is quick: it reinstalls only when requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed-lock-hash"

find_python310() {
    local candidates=()
    if [ -n "${PYTHON310:-}" ]; then candidates+=("$PYTHON310"); fi
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root)"
        for p in "$root"/versions/3.10.*/bin/python; do
            [ -x "$p" ] && candidates+=("$p")
        done
    fi
    for p in python3.10 python3 python; do
        command -v "$p" >/dev/null 2>&1 && candidates+=("$(command -v "$p")")
    done
    local c
    for c in "${candidates[@]}"; do
        if "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    if ! PY="$(find_python310)"; then
        echo "error: Python 3.10 is required (Rasa 3.6 supports nothing newer)." >&2
        echo "       Looked in \$PYTHON310, \$(pyenv root)/versions/3.10.*/bin/python and PATH." >&2
        echo "       Install it, e.g. 'pyenv install 3.10.13', or set PYTHON310=/path/to/python3.10." >&2
        exit 1
    fi
    echo "==> creating $VENV with $PY"
    "$PY" -m venv "$VENV"
fi

want="$(sha256sum requirements.lock | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "==> installing pinned dependencies (requirements.lock); this takes a few minutes the first time"
    log="$VENV/pip-install.log"
    if ! "$VENV/bin/python" -m pip install --quiet --upgrade --disable-pip-version-check --no-deps \
            -r requirements.lock >"$log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$log" >&2 || true
        echo "error: installing requirements.lock failed (full log: $log)" >&2
        exit 1
    fi
    "$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check; exit 1; }
    echo "$want" > "$STAMP"
fi

#!/usr/bin/env bash
# nginx for the reverse-proxy test (tests/e2e/test_reverse_proxy.py, which runs the
# example in deploy/nginx/ as the current user, never the system service): Debian's
# package. Does nothing, quietly, when nginx is already there. Installing it does not
# start it where policy-rc.d forbids (containers); on a full system Debian starts its
# default site, which docs/deployment.md says to remove.
set -euo pipefail
NGINX="${NGINX_PATH:-}"
if [ -n "$NGINX" ] && [ -x "$NGINX" ]; then
    exit 0
fi
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: nginx is not installed and there is no apt-get here; install nginx" >&2
    echo "         (or set NGINX_PATH) for the reverse-proxy test, or set" >&2
    echo "         GP_CBT_SKIP_NGINX_TEST=1 to leave that test out." >&2
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "warning: nginx is not installed and installing it needs root:" >&2
    echo "         sudo apt-get install -y nginx-light   (or set GP_CBT_SKIP_NGINX_TEST=1)" >&2
    exit 0
fi
echo "==> installing nginx for the reverse-proxy test (apt-get install nginx-light)"
"${SUDO[@]}" apt-get update -qq >/dev/null
# nginx-light is the smallest build with everything the example uses (TLS, HTTP/2,
# map, limit_req, upstream keepalive); newer Debian releases ship that as "nginx".
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1; then
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi

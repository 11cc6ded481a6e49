"""The action server: rasa-sdk's app, closed to everyone but the Rasa server.

``python -m rasa_sdk`` listens on every interface, answers anyone (a forged webhook
call with a patient's chat id once closed that patient's risk event as "safe"), and
echoes the request body, patient text included, in its 500 replies. Here:

* it listens on ``BIND_HOST`` (127.0.0.1 unless configured);
* every route but ``/health`` needs ``?token=<ACTION_SERVER_TOKEN>``, which Rasa sends
  from endpoints.yml (``action_endpoint.token``); no token configured, no service;
* a failure answers 500 with no request detail, and is logged by type only;
* connections are kept alive longer than Rasa's HTTP client keeps them (aiohttp: 15 s),
  so the server never closes a connection the client is about to reuse ("Cannot write
  to closing transport ... the action's events are lost" under load).
"""
from __future__ import annotations

import hmac
import logging

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.logs import configure as configure_logging

log = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})
KEEP_ALIVE_SECONDS = 75


def build(token: str, package: str = "actions") -> Sanic:
    if not token:
        raise ValueError("the action server needs ACTION_SERVER_TOKEN (bot run makes one)")
    app = create_app(package, cors_origins=None)
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            log.warning("action server: refused a call to %s without the right token",
                        request.path)
            return response.json({"error": "unauthorised"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exc: Exception) -> HTTPResponse:
        log.error("action server: %s on %s", type(exc).__name__, request.path)
        return response.json({"error": "the action failed"}, status=500)

    return app


def serve(host: str, port: int, token: str) -> None:
    configure_logging("INFO")
    from bot.content.validate import startup_errors
    from bot.core.settings import load_settings

    broken = startup_errors(load_settings().content_dir)
    if broken:
        raise SystemExit("the content has errors; fix them (python -m bot content validate):\n"
                         + "\n".join(f"  {line}" for line in broken[:20]))
    app = build(token)
    log.info("action server on http://%s:%d", host, port)
    app.run(host=host, port=port, workers=1, access_log=False, motd=False)

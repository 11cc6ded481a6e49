"""Starts the Rasa server the way ``rasa run`` does, closed by default.

``rasa run --enable-api --cors "*"`` on all interfaces let anyone who could reach the
machine read every conversation (``GET /conversations/<id>/tracker``), inject events
and swap the model. Here the HTTP API needs ``?token=<RASA_API_TOKEN>`` (the
scheduler's reminders send it), the server listens on ``BIND_HOST`` (127.0.0.1 unless
configured) and only the web chat page's origins may call it from a browser
(``CORS_ORIGINS``). The patients' channels (``/webhooks/...``) stay open, as they must.

The token is handed to Rasa's own command line inside this process, so it never
appears in the process table (``ps``) as a command-line argument would.

    python -m bot.rasa.server --model M --endpoints E --credentials C
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.core.settings import Settings, load_settings


def rasa_argv(settings: Settings, model: str, endpoints: str, credentials: str) -> list[str]:
    # "--auth-token=..." in one piece: a random token may start with "-", which argparse
    # would take for an option (seen once in 64 runs: "expected one argument").
    return ["rasa", "run", "--enable-api", f"--auth-token={settings.rasa_api_token}",
            "--interface", settings.bind_host, "--port", str(settings.rasa_port),
            "--model", model, "--endpoints", endpoints, "--credentials", credentials,
            "--cors", *settings.cors_origins]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.rasa.server")
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--credentials", default="credentials.yml")
    args = parser.parse_args(argv)
    settings = load_settings()
    if not settings.rasa_api_token:
        print("error: RASA_API_TOKEN is not set; the Rasa HTTP API is not started open "
              "(`python -m bot run` makes a token for each run)", file=sys.stderr)
        return 2
    sys.argv = rasa_argv(settings, args.model, args.endpoints, args.credentials)
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())

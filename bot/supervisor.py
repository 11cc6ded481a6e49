"""Starts the Rasa server and the action server, keeps them running, stops them cleanly.

One command for a practice's single machine (`make run`). A crashed process is
restarted with a growing delay; Ctrl-C or SIGTERM stops everything.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.rasa_model import ensure_model
from bot.settings import REPO_ROOT, Settings, load_settings


def rasa_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{settings.action_server_port}/webhook")
    tracker = env.get("TRACKER_URL") or f"sqlite:///{REPO_ROOT / 'var' / 'tracker.db'}"
    env["TRACKER_URL"] = tracker
    env.setdefault("TRACKER_DIALECT", tracker.split(":", 1)[0].split("+", 1)[0])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # credentials.yml names these; Rasa refuses to start when one is unset, so they are
    # always set: an empty token switches the Telegram channel off, an empty webhook URL
    # means long polling (see bot/channels/telegram.py).
    env["TELEGRAM_TOKEN"] = settings.telegram_token
    env["TELEGRAM_API_BASE_URL"] = settings.telegram_api_base_url
    env["TELEGRAM_WEBHOOK_URL"] = settings.telegram_webhook_url
    env["TELEGRAM_WEBHOOK_SECRET"] = settings.telegram_webhook_secret
    return env


def web_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.web_port}/"


def telegram_mode(settings: Settings) -> str:
    if not settings.telegram_token:
        return "off (set TELEGRAM_TOKEN to turn it on)"
    if settings.telegram_webhook_url:
        return f"webhook at {settings.telegram_webhook_url}"
    return f"long polling as @{settings.telegram_bot_username}"


def commands(settings: Settings, model: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "actions": [py, "-m", "rasa_sdk", "--actions", "actions", "--port",
                    str(settings.action_server_port)],
        "rasa": [py, "-m", "rasa", "run", "--enable-api", "--model", str(model),
                 "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                 "--port", str(settings.rasa_port), "--cors", "*"],
        "worker": [py, "-m", "bot", "worker"],
        "gpweb": [py, "-m", "bot", "gpweb", "--port", str(settings.gp_web_port)],
        "web": [py, "-m", "bot", "web", "--port", str(settings.web_port)],
        "scheduler": [py, "-m", "bot", "scheduler"],
    }


@dataclass
class Child:
    name: str
    cmd: list[str]
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - local URL
                if resp.status < 500:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def run_stack(out: TextIO) -> int:
    settings = load_settings()
    model = ensure_model(quiet=True)
    env = rasa_env(settings)
    log_dir = REPO_ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    children = [Child(n, c) for n, c in commands(settings, model).items()]
    stopping = False

    def start(child: Child) -> None:
        log = open(log_dir / f"{child.name}.log", "ab")  # noqa: SIM115 - owned by the child
        child.proc = subprocess.Popen(child.cmd, cwd=REPO_ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        child.started_at = time.monotonic()

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for child in children:
        start(child)
    print("==> starting the action server and the Rasa server (logs in var/log/)", file=out, flush=True)
    ok = wait_http(f"http://127.0.0.1:{settings.action_server_port}/health", 60) and wait_http(
        f"http://127.0.0.1:{settings.rasa_port}/status", 180)
    if not ok:
        print("error: the servers did not come up; see var/log/rasa.log and var/log/actions.log",
              file=sys.stderr)
        stopping = True
    else:
        base = f"http://127.0.0.1:{settings.rasa_port}"
        print(f"""
==> ready.
    Chat in a browser:       {web_url(settings)}
    Chat in a terminal:      make shell
    Telegram:                {telegram_mode(settings)}
    REST:                    curl -s {base}/webhooks/rest/webhook \\
                               -d '{{"sender": "me", "message": "/start YOUR-CODE"}}'
    Stop:                    Ctrl-C
""", file=out, flush=True)
    while not stopping:
        time.sleep(0.5)
        for child in children:
            assert child.proc is not None
            if child.proc.poll() is not None and not stopping:
                delay = min(30, 2 ** min(child.restarts, 5))
                print(f"!! {child.name} exited with {child.proc.returncode}; restarting in {delay}s",
                      file=out, flush=True)
                deadline = time.monotonic() + delay
                while not stopping and time.monotonic() < deadline:
                    time.sleep(0.2)  # Ctrl-C during the wait stops at once
                if stopping:
                    break
                child.restarts = 0 if time.monotonic() - child.started_at > 300 else child.restarts + 1
                start(child)
    for child in children:
        if child.proc and child.proc.poll() is None:
            os.killpg(child.proc.pid, signal.SIGTERM)
    for child in children:
        if child.proc:
            try:
                child.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.proc.pid, signal.SIGKILL)
    print("==> stopped", file=out)
    return 0 if ok else 1

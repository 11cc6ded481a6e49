"""Starts the Rasa server and the action server, keeps them running, stops them cleanly.

One command for a practice's single machine (`make run`). A crashed process is
restarted with a growing delay; Ctrl-C or SIGTERM stops everything.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.core.settings import REPO_ROOT, Settings, default_tracker_url, load_settings, var_dir
from bot.rasa.model import ensure_model


def rasa_env(settings: Settings) -> dict[str, str]:
    """The environment every child runs with. The Rasa API and action-server tokens
    are the configured ones, or random ones made for this run: every child gets the
    same, nothing outside this process tree knows them, and there is no default."""
    env = dict(os.environ)
    env["RASA_API_TOKEN"] = settings.rasa_api_token or secrets.token_urlsafe(32)
    env["ACTION_SERVER_TOKEN"] = settings.action_server_token or secrets.token_urlsafe(32)
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{settings.action_server_port}/webhook")
    tracker = default_tracker_url()
    env["TRACKER_URL"] = tracker
    env.setdefault("TRACKER_DIALECT", tracker.split(":", 1)[0].split("+", 1)[0])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # credentials.yml names these; Rasa refuses to start when one is unset, so they are
    # always set: an empty token switches the Telegram channel off, an empty webhook URL
    # means long polling (see bot/rasa/channels/telegram.py).
    env["TELEGRAM_TOKEN"] = settings.telegram_token
    env["TELEGRAM_API_BASE_URL"] = settings.telegram_api_base_url
    env["TELEGRAM_WEBHOOK_URL"] = settings.telegram_webhook_url
    env["TELEGRAM_WEBHOOK_SECRET"] = settings.telegram_webhook_secret
    return env


def local_host(settings: Settings) -> str:
    """Where this machine reaches the servers: BIND_HOST, or loopback for 'all'."""
    return "127.0.0.1" if settings.bind_host in ("0.0.0.0", "::", "") else settings.bind_host  # noqa: S104


def web_url(settings: Settings) -> str:
    return f"http://{local_host(settings)}:{settings.web_port}/"


def telegram_mode(settings: Settings) -> str:
    if not settings.telegram_token:
        return "off (set TELEGRAM_TOKEN to turn it on)"
    if settings.telegram_webhook_url:
        return f"webhook at {settings.telegram_webhook_url}"
    return f"long polling as @{settings.telegram_bot_username}"


def server_commands(model: Path, endpoints: Path | str = "endpoints.yml",
                    credentials: Path | str = "credentials.yml") -> dict[str, list[str]]:
    """The action server and the Rasa server (ports, tokens and the address to listen
    on come from the settings in their environment). The e2e tests start these too."""
    py = sys.executable
    return {
        "actions": [py, "-m", "bot", "actions"],
        "rasa": [py, "-m", "bot.rasa.server", "--model", str(model), "--endpoints",
                 str(endpoints), "--credentials", str(credentials)],
    }


def commands(settings: Settings, model: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        **server_commands(model),
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


def ready_text(settings: Settings, code: str | None) -> str:
    base = f"http://{local_host(settings)}:{settings.rasa_port}"
    start = f"/start {code}" if code else "/start YOUR-CODE"
    page = web_url(settings) + (f"?code={code}" if code else "")
    invite = ("" if code else
              "\n    Invite a patient:        python -m bot patients invite --gp <id or e-mail>")
    return f"""
==> ready.
    Chat in a browser:       {page}
    Chat in a terminal:      make shell   (then type: {start})
    Telegram:                {telegram_mode(settings)}
    REST:                    curl -s {base}/webhooks/rest/webhook \\
                               -d '{{"sender": "me", "message": "{start}"}}'{invite}
    Listening on:            {settings.bind_host} only (BIND_HOST)
    Stop:                    Ctrl-C
"""


def run_stack(out: TextIO, demo: bool = False) -> int:
    settings = load_settings()
    from bot.content.validate import startup_errors

    broken = startup_errors(settings.content_dir)
    if broken:
        # Fail fast: a bot with a broken message or crisis file would fail on every reply.
        print(f"error: the content in {settings.content_dir} has {len(broken)} error(s); "
              "fix them (python -m bot content validate) and start again:", file=sys.stderr)
        for line in broken[:20]:
            print(f"  {line}", file=sys.stderr)
        return 2
    # Logs, databases and secrets this process tree makes are readable by its user only.
    os.umask(0o077)
    code = None
    if demo:
        from bot.app import get_services
        from bot.cli.demo import ensure_demo

        code = ensure_demo(get_services(), out)
    model = ensure_model(quiet=True)
    env = rasa_env(settings)
    log_dir = var_dir() / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    # var/ holds the SQLite databases, logs, mail and secrets: its user's only (files
    # made there before, e.g. by `bot db upgrade`, are then out of others' reach too).
    var_dir().chmod(0o700)
    children = [Child(n, c) for n, c in commands(settings, model).items()]
    stopping = False

    def start(child: Child) -> None:
        log = open(log_dir / f"{child.name}.log", "ab")  # noqa: SIM115 - owned by the child
        os.chmod(log_dir / f"{child.name}.log", 0o600)  # made before the umask, perhaps
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
    host = local_host(settings)
    ok = wait_http(f"http://{host}:{settings.action_server_port}/health", 60) and wait_http(
        f"http://{host}:{settings.rasa_port}/status?token={env['RASA_API_TOKEN']}", 180)
    if not ok:
        print("error: the servers did not come up; see var/log/rasa.log and var/log/actions.log",
              file=sys.stderr)
        stopping = True
    else:
        print(ready_text(settings, code), file=out, flush=True)
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

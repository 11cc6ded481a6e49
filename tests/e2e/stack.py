"""Starts the real action server and Rasa server for end-to-end tests and benchmarks."""
from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.core.settings import REPO_ROOT
from bot.processes.supervisor import server_commands
from bot.rasa.model import ensure_model
from bot.safety.model import ensure_risk_model
from tests.ports import free_port

__all__ = ["Stack", "buttons", "free_port", "running_stack", "texts"]


@dataclass
class Stack:
    workdir: Path
    database_url: str
    rasa_port: int
    action_port: int
    max_session_events: int = 150
    procs: list[subprocess.Popen] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    # Channels: the credentials file Rasa starts with (credentials.yml lists REST,
    # socket.io and Telegram; Telegram stays off unless extra_env sets TELEGRAM_TOKEN).
    credentials: Path = REPO_ROOT / "credentials.yml"
    # The tokens the servers require (as `bot run` makes them: random, per stack).
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _spawned: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def api(self, path: str) -> str:
        """A URL of Rasa's HTTP API, with the token it requires."""
        sep = "&" if "?" in path else "?"
        return f"{self.rasa_url}{path}{sep}token={self.rasa_token}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "TRACKER_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
            "TRACKER_DIALECT": "sqlite",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "RASA_PORT": str(self.rasa_port),
            "ACTION_SERVER_PORT": str(self.action_port),
            "PYTHONPATH": str(REPO_ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            # Named by credentials.yml; off and hermetic unless a test turns them on.
            "TELEGRAM_TOKEN": "",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
            "TELEGRAM_WEBHOOK_URL": "",
            "TELEGRAM_WEBHOOK_SECRET": "",
            "RASA_API_TOKEN": self.rasa_token,
            "ACTION_SERVER_TOKEN": self.action_token,
            "BIND_HOST": "127.0.0.1",
        })
        env.update(self.extra_env)
        return env

    def spawn(self, name: str, cmd: list[str]) -> None:
        """Starts another process of the product (e.g. the escalation worker) with this env."""
        self._spawned.append((name, cmd))
        self._spawn(name, cmd)

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = self.workdir / f"{name}.log"
        self.logs.append(log)
        with open(log, "ab") as fh:  # a restart appends to the same log
            self.procs.append(subprocess.Popen(cmd, cwd=REPO_ROOT, env=self.env(), stdout=fh,
                                               stderr=subprocess.STDOUT, start_new_session=True))

    def start(self, timeout: float = 240) -> Stack:
        model = ensure_model(quiet=True)
        ensure_risk_model(REPO_ROOT, quiet=True)  # built here, loaded by each process
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text((REPO_ROOT / "endpoints.yml").read_text().replace(
            "max_session_events: 150", f"max_session_events: {self.max_session_events}"))
        for name, cmd in server_commands(model, endpoints, self.credentials).items():
            self._spawn(name, cmd)  # exactly what `make run` starts
        deadline = time.monotonic() + timeout
        for url in (f"http://127.0.0.1:{self.action_port}/health", self.api("/status")):
            while True:
                for proc, log in zip(self.procs, self.logs, strict=True):
                    if proc.poll() is not None:
                        self.stop()  # the others too: no server left behind for later tests
                        raise RuntimeError(f"{log.name} exited early:\n{log.read_text()[-3000:]}")
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{url} did not come up in {timeout}s")
                time.sleep(0.5)
        return self

    def restart(self, timeout: float = 240) -> Stack:
        """Stops every process this stack started and starts them all again: Rasa, the
        action server and whatever was added with spawn() (in that order)."""
        spawned = self._spawned
        self.stop()
        self.procs.clear()
        self.logs.clear()
        self._spawned = []
        self.start(timeout)
        for name, cmd in spawned:
            self.spawn(name, cmd)
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    def say(self, sender: str, message: str, session: requests.Session | None = None) -> list[dict[str, Any]]:
        http = session or requests
        resp = http.post(f"{self.rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": message}, timeout=30)
        resp.raise_for_status()
        return list(resp.json())


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for r in replies for b in r.get("buttons") or []]


@contextlib.contextmanager
def running_stack(tmp_path_factory: Any, name: str, **kwargs: Any) -> Iterator[Stack]:
    """A started stack on a fresh migrated SQLite database in its own folder, stopped
    afterwards: what most end-to-end modules need as their fixture."""
    from bot.db.migrate import upgrade

    workdir: Path = tmp_path_factory.mktemp(name)
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    stack = Stack(workdir=workdir, database_url=url, rasa_port=free_port(),
                  action_port=free_port(), **kwargs)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()

"""A fresh installation for the attacker's tests: the working tree copied into a temp
folder (no .env, no var/, no SECRET_KEY, no tokens), the models linked in, then
`python -m bot db upgrade` and `python -m bot run --demo` there, exactly as `make run`
ends, on ports of its own.

The product keeps var/ under its own checkout (``REPO_ROOT / "var"``, see
bot/core/settings.py and bot/processes/supervisor.py), and tests/e2e/stack.py sets the
database, tracker, tokens and bind address itself; so to see the defaults a fresh
clone really runs with, the checkout itself has to be fresh. Only the ports (and, for
the Telegram channel, its token and the fake API's address) are set.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.core.settings import REPO_ROOT
from bot.rasa.model import ensure_model, model_path
from bot.safety.model import ensure_risk_model
from bot.safety.model import model_path as risk_model_path
from tests.ports import free_port

# What a shell on the machine has; nothing of the product's own configuration.
_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "TMPDIR")


def checkout_files() -> list[str]:
    """The working tree as a clone would have it (tracked and new files, nothing ignored)."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                         capture_output=True, check=True).stdout.decode()
    return [f for f in out.split("\0") if f and (REPO_ROOT / f).is_file()]


def copy_checkout(dest: Path) -> Path:
    for rel in checkout_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO_ROOT / rel).read_bytes())
        target.chmod((REPO_ROOT / rel).stat().st_mode & 0o777)
    # The models, built (or reused) here, are linked in by name (a hard link or a copy:
    # another test run may retrain and delete the shared one meanwhile); the copy's
    # training hash is the same, so `bot run` finds them and trains nothing.
    rasa_model = ensure_model(quiet=True)
    risk_model = ensure_risk_model(REPO_ROOT, quiet=True)
    (dest / "models").mkdir()
    for model in (rasa_model, risk_model):
        try:
            os.link(model, dest / "models" / model.name)
        except OSError:
            shutil.copy2(model, dest / "models" / model.name)
    if model_path(dest).name != rasa_model.name or risk_model_path(dest).name != risk_model.name:
        raise RuntimeError("the copied checkout hashes differently from the working tree")
    widget = REPO_ROOT / "web" / "node_modules"
    if widget.is_dir():
        (dest / "web" / "node_modules").symlink_to(widget)
    return dest


def proc_env(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(x.split("=", 1) for x in raw.decode(errors="replace").split("\0") if "=" in x)


def proc_cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").rstrip("\0").split("\0")


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


@dataclass
class FreshInstall:
    root: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)
    code: str = ""  # the demo invite printed in the "ready" block

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.var / 'bot.db'}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['RASA_PORT']}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['ACTION_SERVER_PORT']}"

    @property
    def web_origin(self) -> str:
        return f"http://127.0.0.1:{self.ports['WEB_PORT']}"

    @property
    def gp_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['GP_WEB_PORT']}"

    def env(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in _KEEP if k in os.environ}
        env.update({k: str(v) for k, v in self.ports.items()})
        # What the Makefile exports for every target (and nothing from a .env).
        env.update({"PYTHONPATH": str(self.root), "RASA_TELEMETRY_ENABLED": "false",
                    "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                    "PYTHONWARNINGS": "ignore::DeprecationWarning"})
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """`python -m bot ...` in the fresh checkout, as its operator would run it."""
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=self.root, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def start(self, timeout: float = 240) -> FreshInstall:
        for name in ("RASA_PORT", "ACTION_SERVER_PORT", "WEB_PORT", "GP_WEB_PORT"):
            self.ports.setdefault(name, free_port())
        upgraded = self.cli("db", "upgrade")
        if upgraded.returncode != 0:
            raise RuntimeError(f"bot db upgrade failed:\n{upgraded.stdout}{upgraded.stderr}")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--demo"], cwd=self.root,
                                     env=self.env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            self._read_ready(timeout)
        except BaseException:
            self.stop()  # never a stack left behind
            raise
        return self

    def _read_ready(self, timeout: float) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if "Stop:" in line:  # the last line of the "ready" block
                break
        text = "".join(self.output)
        if "ready." not in text:
            logs = "".join(p.read_text(errors="replace")[-2000:] for p in (self.var / "log").glob("*.log"))
            raise RuntimeError(f"bot run did not get ready:\n{text}\n{logs}")
        found = re.search(r"/start ([A-Z0-9]{4}-[A-Z0-9]{4})", text)
        self.code = found.group(1) if found else ""
        # Keep reading, so a full pipe never blocks the supervisor.
        threading.Thread(target=self._drain, daemon=True).start()
        self._wait_up(f"{self.web_origin}/health", 60)
        self._wait_up(f"{self.gp_url}/health", 60)

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    @staticmethod
    def _wait_up(url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(url, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{url} did not come up")

    def child(self, name: str) -> int:
        """The pid of the supervisor's child whose command line names ``name``."""
        assert self.proc is not None
        for pid in children(self.proc.pid):
            if name in proc_cmdline(pid):
                return pid
        raise LookupError(name)

    def tokens(self) -> dict[str, str]:
        """The tokens `bot run` made for this run, as its children got them (for the
        tests' controls: the same request with the right token is accepted)."""
        env = proc_env(self.child("bot.rasa.server"))
        return {"rasa": env["RASA_API_TOKEN"], "action": env["ACTION_SERVER_TOKEN"]}

    def say(self, sender: str, message: str, timeout: float = 30) -> list[dict[str, Any]]:
        resp = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=timeout)
        resp.raise_for_status()
        return list(resp.json())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

"""`python -m bot run` (what `make run` ends with): starts every process, serves a
chat, restarts a crashed process, and stops everything on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.core.settings import REPO_ROOT
from bot.db.migrate import upgrade
from tests.e2e.stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().rstrip("\0").split("\0")


def _listening(port: str) -> list[str]:
    """Local addresses listening on ``port`` (from ss)."""
    out = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout
    return [f.rsplit(":", 1)[0] for line in out.splitlines() for f in line.split()[3:4]
            if f.rsplit(":", 1)[-1] == port]


def test_run_starts_serves_restarts_and_stops(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(db)
    ports = {k: str(free_port()) for k in ("RASA_PORT", "ACTION_SERVER_PORT", "WEB_PORT", "GP_WEB_PORT")}
    env = dict(os.environ, DATABASE_URL=db, TRACKER_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
               PYTHONPATH=str(REPO_ROOT), RASA_TELEMETRY_ENABLED="false",
               RASA_API_TOKEN="t" * 32, ACTION_SERVER_TOKEN="", **ports)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "ready." in line or not line:
                break
        assert any("ready." in x for x in lines), "".join(lines)
        r = requests.post(f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook",
                          json={"sender": "sup", "message": "hello"}, timeout=30)
        assert "invite code" in r.text
        children = _children(proc.pid)
        assert len(children) >= 4
        # Closed by default: every server on loopback only; Rasa's API and the action
        # server answer only with their tokens; no token on any command line.
        for name, port in ports.items():
            assert _listening(port) and set(_listening(port)) <= {"127.0.0.1"}, (name, _listening(port))
        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        assert requests.get(f"{rasa}/conversations/sup/tracker", timeout=10).status_code == 401
        assert requests.get(f"{rasa}/conversations/sup/tracker?token={'t' * 32}",
                            timeout=10).status_code == 200
        action = f"http://127.0.0.1:{ports['ACTION_SERVER_PORT']}"
        forged = requests.post(f"{action}/webhook", json={"next_action": "action_program",
                                                          "sender_id": "sup"}, timeout=10)
        assert forged.status_code == 401
        assert requests.get(f"{action}/actions", timeout=10).status_code == 401
        for c in children:
            assert "t" * 32 not in " ".join(_cmdline(c))
        # A crashed process comes back.
        victim = next(c for c in children
                      if _cmdline(c)[-2:] == ["bot", "actions"])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                healthy = requests.get(f"http://127.0.0.1:{ports['ACTION_SERVER_PORT']}/health", timeout=2).ok
                if healthy and victim not in _children(proc.pid):
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        assert victim not in _children(proc.pid)
        r = requests.post(f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook",
                          json={"sender": "sup", "message": "hello"}, timeout=30)
        assert "invite code" in r.text
    finally:
        children = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    time.sleep(1)
    alive = [c for c in children if Path(f"/proc/{c}").exists()]
    assert alive == [], f"children left running: {alive}"

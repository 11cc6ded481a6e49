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

from bot.db.migrate import upgrade
from bot.settings import REPO_ROOT
from tests.e2e.stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_run_starts_serves_restarts_and_stops(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(db)
    ports = {k: str(free_port()) for k in ("RASA_PORT", "ACTION_SERVER_PORT", "WEB_PORT", "GP_WEB_PORT")}
    env = dict(os.environ, DATABASE_URL=db, TRACKER_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
               PYTHONPATH=str(REPO_ROOT), RASA_TELEMETRY_ENABLED="false", **ports)
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
        # A crashed process comes back.
        children = _children(proc.pid)
        assert len(children) >= 4
        victim = next(c for c in children if "rasa_sdk" in Path(f"/proc/{c}/cmdline").read_text())
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

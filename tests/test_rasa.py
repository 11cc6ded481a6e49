"""Rasa's own checks: data validation and the test stories (dialogue level)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT), RASA_TELEMETRY_ENABLED="false",
                TRACKER_URL=f"sqlite:///{tmp_path / 'tracker.db'}", TRACKER_DIALECT="sqlite",
                ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook")


def test_rasa_data_validate(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--data", "nlu_data", "stories",
         "--domain", "domain.yml", "--config", "config.yml", "--fail-on-warnings"],
        cwd=REPO_ROOT, env=_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]


def test_rasa_test_stories(tmp_path: Path) -> None:
    proc = subprocess.run(["bash", "scripts/rasa_test_stories.sh", str(tmp_path / "out")],
                          cwd=REPO_ROOT, env=_env(tmp_path), capture_output=True, text=True)
    report = (tmp_path / "out" / "failed_test_stories.yml")
    detail = report.read_text() if report.exists() else ""
    assert proc.returncode == 0, detail + proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Correct:" in proc.stdout + proc.stderr

"""`python -m bot …` as an operator or editor runs it: real processes, real database."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.core.settings import REPO_ROOT
from bot.db.migrate import upgrade


def bot(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def _env(db_url: str) -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=db_url, PYTHONPATH=str(REPO_ROOT),
                TELEGRAM_BOT_USERNAME="FjordCbtBot")


def test_gp_and_invite(db_url: str) -> None:
    upgrade(db_url)
    env = _env(db_url)
    r = bot(["gps", "add", "--name", "Dr Ada Berg", "--email", "ada@example.org", "--practice", "Fjord"], env)
    assert r.returncode == 0, r.stderr
    assert "added GP #1" in r.stdout
    r = bot(["gps", "add", "--name", "Dr Ada Berg", "--email", "ada@example.org"], env)
    assert r.returncode == 1 and "already exists" in r.stderr
    r = bot(["patients", "invite", "--gp", "ada@example.org"], env)
    assert r.returncode == 0, r.stderr
    m = re.search(r"invite code: ([A-Z0-9]{4}-[A-Z0-9]{4})", r.stdout)
    assert m, r.stdout
    assert re.search(r"https://t\.me/FjordCbtBot\?start=[A-Z0-9]{8}\b", r.stdout)
    assert "timezone Europe/Oslo" in r.stdout
    r = bot(["patients", "invite", "--gp", "ada@example.org", "--timezone", "Europe/London"], env)
    assert r.returncode == 0 and "timezone Europe/London" in r.stdout, r.stderr
    r = bot(["patients", "invite", "--gp", "ada@example.org", "--timezone", "Oslo"], env)
    assert r.returncode == 1 and "not a known IANA timezone" in r.stderr
    r = bot(["patients", "invite", "--gp", "nobody@example.org"], env)
    assert r.returncode == 1 and "no GP with id or e-mail" in r.stderr
    r = bot(["gps", "list"], env)
    assert "patients=2" in r.stdout
    r = bot(["reminders", "status"], env)
    assert r.returncode == 0, r.stderr
    assert "patients with reminders: 0 on" in r.stdout
    assert "scheduler: has not run on this database yet" in r.stdout


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    r = bot(["gps", "list"], dict(os.environ, DATABASE_URL="mysql://x", PYTHONPATH=str(REPO_ROOT)))
    assert r.returncode == 2
    assert "DATABASE_URL='mysql://x' is not supported" in r.stderr


def test_content_validate_and_preview() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    r = bot(["content", "validate"], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 error(s)" in r.stdout
    r = bot(["content", "preview", "1"], env)
    assert r.returncode == 0 and "[ Next ]" in r.stdout and "GP" in r.stdout
    r = bot(["content", "preview", "nope"], env)
    assert r.returncode == 2


def test_content_validate_reports_a_broken_tree(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(REPO_ROOT / "cbt_content", tmp_path / "c")
    f = tmp_path / "c" / "en" / "modules" / "01_connections.yaml"
    f.write_text(f.read_text().replace("next: ", "next: no_such_step_", 1) + "\n", encoding="utf-8")
    text = f.read_text()
    if "no_such_step_" not in text:  # module 1 has no explicit next: break an id instead
        f.write_text(text.replace("id: intro", "id: four_parts", 1))
    r = bot(["content", "validate", "--dir", str(tmp_path / "c")], dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert r.returncode == 1
    assert "01_connections.yaml:" in r.stdout and "error" in r.stdout


def test_risk_check_is_the_bots_decision() -> None:
    from bot.safety.decision import decide

    lines = [
        {"text": "i want to kms", "lang": "en"},
        {"text": "this traffic is killing me", "lang": "en", "id": 7},
        {"text": "jeg vil ikke leve lenger", "lang": "nb"},
        {"text": "han slår meg når han er full", "lang": "nb"},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    r = bot(["risk", "check"], dict(os.environ, PYTHONPATH=str(REPO_ROOT)), stdin=stdin)
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(out) == 5
    for given, got in zip(lines, out, strict=False):
        expected = decide(given["text"], given["lang"])
        want = expected.to_dict()
        assert (got["risk"], got["action"], got["category"]) == (
            want["risk"], want["action"], want["category"])
        assert abs(got["score"] - want["score"]) < 1e-3
        assert set(got) == {"risk", "action", "category", "score", "evidence"}
    assert [o["risk"] for o in out[:4]] == [True, False, True, True]
    assert "error" in out[4]

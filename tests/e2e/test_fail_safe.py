"""The crisis path fails safe under a running stack.

A patient who has just disclosed risk must get the crisis numbers even when the
database is broken or the content files are, and the failure must be logged for
the operator without the patient's words. The static response lives in domain.yml,
so it needs neither the database nor the content.
"""
from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT
from tests.e2e.stack import Stack, free_port, texts
from tests.e2e.test_rest_flow import onboard

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RISK = "i have the pills and the whisky ready for tonight"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from bot.db.migrate import upgrade

    workdir: Path = tmp_path_factory.mktemp("failsafe")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    content = workdir / "content"
    shutil.copytree(REPO_ROOT / "cbt_content", content)
    s = Stack(workdir=workdir, database_url=url, rasa_port=free_port(), action_port=free_port(),
              extra_env={"CONTENT_DIR": str(content)})
    s.start()
    try:
        yield s
    finally:
        s.stop()


def action_log(stack: Stack) -> str:
    return (stack.workdir / "actions.log").read_text(errors="replace")


def test_a_broken_database_still_gives_the_crisis_numbers(stack: Stack) -> None:
    onboard(stack, "hana")
    con = sqlite3.connect(stack.workdir / "bot.db")
    con.execute("ALTER TABLE risk_events RENAME TO risk_events_gone")
    con.commit()
    con.close()
    try:
        r = stack.say("hana", RISK)
        out = texts(r)
        assert "113" in out and "116 123" in out, out
        # Nothing that claims the GP was told: that write has just failed.
        assert "letting your gp" not in out.lower()
        log = action_log(stack)
        assert "sent the static crisis fallback" in log
        assert "whisky" not in log and "pills" not in log
    finally:
        con = sqlite3.connect(stack.workdir / "bot.db")
        con.execute("ALTER TABLE risk_events_gone RENAME TO risk_events")
        con.commit()
        con.close()
    # Mended: the next disclosure is handled in full again.
    r = stack.say("hana", "i want to end my life tonight")
    assert "safe right now" in texts(r).lower()


def test_broken_content_still_gives_the_crisis_numbers(stack: Stack) -> None:
    onboard(stack, "ivar")
    messages = stack.workdir / "content" / "en" / "messages.yaml"
    good = messages.read_text()
    messages.write_text("risk_opening: [unclosed\n  : : :\n")
    time.sleep(1.1)  # the content is hot-reloaded by modification time
    try:
        r = stack.say("ivar", RISK)
        assert "113" in texts(r), texts(r)
    finally:
        messages.write_text(good)

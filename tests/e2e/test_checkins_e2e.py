"""End to end: a PHQ-9 and a mood rating over REST against the real servers, and a
scheduled reminder delivered through Rasa's trigger_intent endpoint."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.checkins.models import CheckIn, ReminderSend
from bot.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.models import Escalation, Patient, RiskEvent
from bot.enrolment import add_gp, format_code, invite_patient
from bot.scheduler.delivery import RasaTrigger, deliver
from bot.scheduler.reminders import Decision, ReminderService
from bot.settings import REPO_ROOT, load_settings
from tests.e2e.stack import Stack, buttons, free_port, texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("checkins")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    s = Stack(workdir=workdir, database_url=url, rasa_port=free_port(), action_port=free_port())
    s.start()
    try:
        yield s
    finally:
        s.stop()


def onboard(stack: Stack, sender: str) -> list[dict]:
    db = Database(stack.database_url)
    with db.session() as s:
        gp = add_gp(s, f"Dr {sender}", f"{sender}@example.org", "Fjord Practice",
                    SystemClock().now())
        code = format_code(invite_patient(s, gp, SystemClock().now(), 14).code)
    db.dispose()
    stack.say(sender, f"/start {code}")
    stack.say(sender, "/consent_agree")
    return stack.say(sender, '/consent_agree{"share":"yes"}')


def test_phq9_in_chat_typed_and_tapped_then_mood(stack: Stack) -> None:
    replies = onboard(stack, "ck1")
    assert any(b["payload"] == "/start_phq9" for b in buttons(replies))
    replies = stack.say("ck1", "/start_phq9")
    assert "1 of 9" in texts(replies)
    answers = ["not at all", '/phq_answer{"phq_value":"1"}', "hmm what", "most days", "2",
               "several days", "nearly every day", "flere dager", "not at all", "not at all"]
    for answer in answers:
        replies = stack.say("ck1", answer)
    assert "didn't quite catch" not in texts(replies)
    replies = stack.say("ck1", "somewhat difficult")
    assert "10 out of 27" in texts(replies), texts(replies)
    replies = stack.say("ck1", "/log_mood")
    assert "0 (the worst) to 10" in texts(replies)
    stack.say("ck1", "about a 6")
    replies = stack.say("ck1", "went for a walk")
    assert "6 out of 10" in texts(replies)
    replies = stack.say("ck1", "how am i doing?")
    assert "10 out of 27" in texts(replies)
    db = Database(stack.database_url)
    with db.session() as s:
        rows = s.execute(select(CheckIn).where(CheckIn.status == "complete")).scalars().all()
        assert sorted(r.instrument for r in rows) == ["mood", "phq9"]
    db.dispose()


def test_item9_inside_the_form_starts_the_crisis_response(stack: Stack) -> None:
    onboard(stack, "ck2")
    stack.say("ck2", "/start_phq9")
    for _ in range(8):
        stack.say("ck2", "several days")
    replies = stack.say("ck2", "more than half the days")
    assert "safe right now" in texts(replies).lower()
    db = Database(stack.database_url)
    with db.session() as s:
        ev = s.execute(select(RiskEvent).where(RiskEvent.sender_id == "ck2")).scalar_one()
        assert ev.source == "phq9_item9"
        assert s.execute(select(Escalation).where(Escalation.risk_event_id == ev.id)).scalar_one()
    db.dispose()


def test_reminder_arrives_through_trigger_intent(stack: Stack) -> None:
    onboard(stack, "ck3")
    db = Database(stack.database_url)
    settings = load_settings({"DATABASE_URL": stack.database_url,
                              "CONTENT_DIR": str(REPO_ROOT / "cbt_content")})
    reminders = ReminderService(settings, SystemClock())
    with db.session() as s:
        pid = s.execute(select(Patient.id).join(Patient.identities)
                        .where(Patient.identities.any(sender_id="ck3"))).scalars().first()
    out = deliver(db, reminders, RasaTrigger(stack.rasa_url), pid, "daily",
                  lambda state: Decision(True, "due", kind="mood", slot="2026-03-02"))
    assert out.sent
    again = deliver(db, reminders, RasaTrigger(stack.rasa_url), pid, "daily",
                    lambda state: Decision(True, "due", kind="mood", slot="2026-03-02"))
    assert again.reason == "already_sent"
    tracker = requests.get(f"{stack.rasa_url}/conversations/ck3/tracker", timeout=30).json()
    said = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert any("daily check-in" in t for t in said)
    with db.session() as s:
        assert len(s.execute(select(ReminderSend)).all()) == 1
    db.dispose()

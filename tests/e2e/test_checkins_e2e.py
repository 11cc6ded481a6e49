"""End to end: a PHQ-9 and a mood rating over REST against the real servers, and a
scheduled reminder delivered through Rasa's trigger_intent endpoint."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from bot.core.clock import SystemClock
from bot.core.settings import REPO_ROOT, load_settings
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import Escalation, Patient, RiskEvent
from bot.db.tables.checkins import CheckIn, ReminderSend
from bot.enrolment.service import add_gp, format_code, invite_patient
from bot.reminders.delivery import RasaTrigger, deliver
from bot.reminders.service import Decision, ReminderService
from tests.e2e.stack import Stack, buttons, free_port, running_stack, texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, "checkins") as s:
        yield s


def onboard(stack: Stack, sender: str, tz: str | None = None) -> list[dict]:
    db = Database(stack.database_url)
    with db.session() as s:
        gp = add_gp(s, f"Dr {sender}", f"{sender}@example.org", "Fjord Practice",
                    SystemClock().now(), language="en")
        code = format_code(invite_patient(s, gp, SystemClock().now(), 14, timezone=tz).code)
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


def test_two_question_check_positive_offers_the_phq9(stack: Stack) -> None:
    onboard(stack, "ck4")
    replies = stack.say("ck4", "can i do the two questions")
    assert "1 of 2" in texts(replies), texts(replies)
    stack.say("ck4", "more than half the days")
    replies = stack.say("ck4", '/phq_answer{"phq_value":"1"}')
    assert "3 out of 6" in texts(replies), texts(replies)
    assert any(b["payload"] == "/start_phq9" for b in buttons(replies))
    replies = stack.say("ck4", "/start_phq9")
    assert "1 of 9" in texts(replies)


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
    out = deliver(db, reminders, RasaTrigger(stack.rasa_url, stack.rasa_token), pid, "daily",
                  lambda state: Decision(True, "due", kind="mood", slot="2026-03-02"))
    assert out.sent
    again = deliver(db, reminders, RasaTrigger(stack.rasa_url, stack.rasa_token), pid, "daily",
                    lambda state: Decision(True, "due", kind="mood", slot="2026-03-02"))
    assert again.reason == "already_sent"
    tracker = requests.get(stack.api("/conversations/ck3/tracker"), timeout=30).json()
    said = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert any("daily check-in" in t for t in said)
    with db.session() as s:
        assert len(s.execute(select(ReminderSend)).all()) == 1
    db.dispose()


# ---- a reminder at the patient's chosen time, across a restart of every process ---------

def midday_zone(now: datetime) -> str:
    """A fixed-offset zone in which it is about 12:00 now, so that quiet hours
    (22:00-08:00 local) never get in the way whenever the test runs. POSIX signs:
    Etc/GMT-2 is two hours ahead of UTC."""
    ahead = (12 - now.astimezone(timezone.utc).hour + 12) % 24 - 12  # -12 .. 11
    return f"Etc/GMT{-ahead:+d}" if ahead else "Etc/GMT"


@pytest.fixture
def full_stack(tmp_path: Path) -> Iterator[Stack]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    s = Stack(workdir=tmp_path, database_url=url, rasa_port=free_port(), action_port=free_port())
    s.start()
    s.spawn("scheduler", [sys.executable, "-m", "bot", "scheduler"])
    try:
        yield s
    finally:
        s.stop()


def _wait_for(what: str, check, timeout: float, stack: Stack):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in stack.logs)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def test_reminder_at_the_chosen_time_across_a_restart_of_every_process(
        full_stack: Stack) -> None:
    stack, sender = full_stack, "ck-restart"
    tz = midday_zone(datetime.now(timezone.utc))
    onboard(stack, sender, tz=tz)
    # A time two or so minutes ahead, in the patient's own timezone.
    due = (datetime.now(ZoneInfo(tz)) + timedelta(seconds=100 + 59)).replace(second=0,
                                                                             microsecond=0)
    replies = stack.say(sender, f"remind me at {due:%H:%M}")
    assert f"every day at {due:%H:%M}" in texts(replies), texts(replies)

    db = Database(stack.database_url)
    try:
        with db.session() as s:
            pid = s.execute(select(Patient.id).where(Patient.timezone == tz)).scalar_one()
            # As if the patient last wrote hours ago: someone mid-conversation gets the
            # reminder later (tests/test_scheduler.py covers that).
            s.execute(update(Patient).where(Patient.id == pid)
                      .values(last_active_at=datetime.now(timezone.utc) - timedelta(hours=3)))

        def job_due() -> bool:
            try:
                with db.engine.connect() as conn:
                    run_at = conn.execute(
                        text("SELECT next_run_time FROM scheduler_jobs WHERE id = :id"),
                        {"id": f"daily:{pid}"}).scalar()
            except OperationalError:
                return False  # the scheduler has not made its job table yet (a slow start)
            return run_at is not None and abs(run_at - due.timestamp()) < 1

        # The scheduler takes up the new time within one sync (10 s).
        _wait_for("the reminder job at the chosen time", job_due, 60, stack)

        # Every process stops and starts again: Rasa, the action server, the scheduler.
        stack.restart()
        restarted_at = datetime.now(timezone.utc)

        def reminders_said() -> list[dict]:
            events = requests.get(stack.api(f"/conversations/{sender}/tracker"),
                                  timeout=30).json()["events"]
            return [e for e in events if e["event"] == "bot"
                    and "it's time for" in (e.get("text") or "")]

        latest = max(due, restarted_at) + timedelta(seconds=90)
        said = _wait_for("the reminder in the patient's conversation", reminders_said,
                         (latest - datetime.now(timezone.utc)).total_seconds(), stack)
        arrived = datetime.fromtimestamp(said[0]["timestamp"], timezone.utc)
        assert arrived >= due, (arrived, due)  # never early
        # A sync and a pass later there is still exactly one, recorded once.
        time.sleep(12)
        assert len(reminders_said()) == 1
        with db.session() as s:
            sends = s.execute(select(ReminderSend).where(ReminderSend.patient_id == pid)
                              ).scalars().all()
            assert [(r.purpose, r.status, r.due_slot) for r in sends] == [
                ("daily", "sent", due.date().isoformat())]
            job = s.execute(text("SELECT next_run_time FROM scheduler_jobs WHERE id = :id"),
                            {"id": f"daily:{pid}"}).scalar()
            assert job == pytest.approx((due + timedelta(days=1)).timestamp())
    finally:
        db.dispose()

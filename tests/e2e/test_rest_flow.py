"""End to end over REST with the real Rasa server and action server.

A patient links with /start <code>, consents, enters module 1, works through
steps, and a risk message mid-module produces the crisis reply and an urgent
escalation record.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import Escalation, ModuleProgress, Notification, Patient, RiskEvent, WorkbookEntry
from bot.enrolment.service import add_gp, format_code, invite_patient
from tests.e2e.stack import Stack, buttons, free_port, texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("stack")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    # A small tracker window, so every flow below crosses several window boundaries.
    s = Stack(workdir=workdir, database_url=url, rasa_port=free_port(), action_port=free_port(),
              max_session_events=25)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def new_code(stack: Stack) -> str:
    db = Database(stack.database_url)
    with db.session() as s:
        gp = s.execute(select(__import__("bot.db.tables", fromlist=["Gp"]).Gp)).scalars().first()
        if gp is None:
            gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", SystemClock().now(), language="en")
        code = invite_patient(s, gp, SystemClock().now(), 14).code
    db.dispose()
    return format_code(code)


def payload_for(replies: list[dict], fragment: str) -> str:
    for b in buttons(replies):
        if fragment.lower() in b["title"].lower() or fragment in b["payload"]:
            return b["payload"]
    raise AssertionError(f"no button like {fragment!r} in {json.dumps(replies)[:1500]}")


def onboard(stack: Stack, sender: str) -> list[dict]:
    r = stack.say(sender, f"/start {new_code(stack)}")
    assert "connected" in texts(r).lower()
    assert payload_for(r, "consent_agree") == "/consent_agree"
    r = stack.say(sender, "/consent_agree")
    r = stack.say(sender, payload_for(r, '"share":"yes"'))
    assert "module" in texts(r).lower()
    return stack.say(sender, payload_for(r, "continue_program"))


def test_unknown_sender_is_told_how_to_get_a_code(stack: Stack) -> None:
    r = stack.say("stranger", "hello there")
    assert "invite code" in texts(r).lower()
    r = stack.say("stranger", "/start NOPE-NOPE")
    assert "couldn't use that code" in texts(r).lower()


def test_nothing_of_the_program_before_consent(stack: Stack) -> None:
    stack.say("shy", f"/start {new_code(stack)}")
    r = stack.say("shy", "/continue_program")
    assert "agreement" in texts(r).lower() or "agree" in texts(r).lower()
    assert not any("choose" in b["payload"] for b in buttons(r))


def test_link_consent_and_work_through_module_1(stack: Stack) -> None:
    r = onboard(stack, "alice")
    assert "Module 1" in texts(r)
    answered_text = False
    for _ in range(40):
        payloads = [b["payload"] for b in buttons(r)]
        if any(p.startswith("/choose") for p in payloads):
            r = stack.say("alice", "b")  # typed answer to a multiple-choice question
        elif "/skip" in payloads:
            r = stack.say("alice", "I stayed in bed and felt guilty about it, then worse.")
            answered_text = True
        elif "/continue_program" in payloads and "finished module 1" not in texts(r).lower():
            r = stack.say("alice", "next")
        else:
            break
    assert "finished module 1" in texts(r).lower(), texts(r)
    assert answered_text
    db = Database(stack.database_url)
    with db.session() as s:
        p = s.execute(select(ModuleProgress)).scalars().all()
        assert any(row.module_id.startswith("m1") and row.status == "finished" for row in p)
        assert s.execute(select(WorkbookEntry).where(WorkbookEntry.answer.like("%stayed in bed%"))).first()
        kinds = {e.kind for e in s.execute(select(Escalation)).scalars()}
        assert {"new_patient", "followup_due"} <= kinds
    db.dispose()
    # The conversation crossed tracker windows (bounded latency) without losing its place.
    import sqlite3

    con = sqlite3.connect(stack.workdir / "tracker.db")
    starts = con.execute("SELECT count(*) FROM events WHERE sender_id='alice' "
                         "AND type_name='session_started'").fetchone()[0]
    con.close()
    assert starts >= 3


def test_pause_and_resume_where_left_off(stack: Stack) -> None:
    r = onboard(stack, "bob")
    r = stack.say("bob", "next")
    before = texts(r)
    r = stack.say("bob", "pause")
    assert "paused" in texts(r).lower()
    r = stack.say("bob", "continue")
    assert "where you left off" in texts(r).lower()
    assert before.strip().splitlines()[-1] in texts(r)


def test_risk_message_mid_module_escalates(stack: Stack) -> None:
    onboard(stack, "carol")
    r = stack.say("carol", "honestly i just want to kms, everyone would be better off")
    out = texts(r)
    assert "safe right now" in out.lower()
    assert "113" in out
    assert "/im_safe" in [b["payload"] for b in buttons(r)]
    db = Database(stack.database_url)
    with db.session() as s:
        patient = s.execute(select(Patient).join(Patient.identities).where(
            Patient.identities.any(sender_id="carol"))).scalars().first()
        assert patient is not None and patient.risk_open_since is not None
        esc = s.execute(select(Escalation).where(Escalation.patient_id == patient.id,
                                                 Escalation.kind == "risk")).scalar_one()
        assert esc.urgency == "urgent" and esc.ack_deadline is not None
        event = s.execute(select(RiskEvent).where(RiskEvent.id == esc.risk_event_id)).scalar_one()
        assert event.context.startswith("module:m1")
        assert s.execute(select(Notification).where(Notification.escalation_id == esc.id)).first()
    db.dispose()
    # The program waits for the safety answer, then resumes. A typed answer in doubt
    # does not close the risk conversation, whatever the classifier made of it.
    r = stack.say("carol", "/continue_program")
    assert "are you safe" in texts(r).lower()
    r = stack.say("carol", "i'm not sure i'm safe tonight")
    assert "glad you're safe" not in texts(r).lower()
    assert "/im_safe" in [b["payload"] for b in buttons(r)]
    db = Database(stack.database_url)
    with db.session() as s:
        assert s.execute(select(Patient.risk_open_since).join(Patient.identities).where(
            Patient.identities.any(sender_id="carol"))).scalars().first() is not None
    db.dispose()
    r = stack.say("carol", "/im_safe")
    assert "glad you're safe" in texts(r).lower()
    r = stack.say("carol", "/continue_program")
    assert "where you left off" in texts(r).lower()


def test_typed_yes_to_the_direct_risk_question_gets_the_crisis_response(stack: Stack) -> None:
    """When only the NLU model suspects risk the bot asks directly; a typed "yes" is
    classified as affirm (the program's rule), and still gets the crisis response."""
    onboard(stack, "dave")
    stack.say("dave", "work has been so grey lately")
    r = stack.say("dave", "/risk_detected")  # the model's guess, without the detector
    assert "are you having thoughts" in texts(r).lower()
    r = stack.say("dave", "yes")
    assert "safe right now" in texts(r).lower(), texts(r)
    db = Database(stack.database_url)
    with db.session() as s:
        event = s.execute(select(RiskEvent).where(RiskEvent.sender_id == "dave")).scalar_one()
        assert event.message_text == "work has been so grey lately"
    db.dispose()


def to_free_text_step(stack: Stack, sender: str) -> list[dict]:
    """Onboards and walks module 1 up to its first free-text exercise step."""
    r = onboard(stack, sender)
    for _ in range(40):
        payloads = [b["payload"] for b in buttons(r)]
        if "/skip" in payloads:
            return r
        r = stack.say(sender, "b" if any(p.startswith("/choose") for p in payloads) else "next")
    raise AssertionError("module 1 has no free-text step within 40 turns")


def risk_events(stack: Stack, sender: str) -> list[RiskEvent]:
    db = Database(stack.database_url)
    with db.session() as s:
        rows = s.execute(select(RiskEvent).join(Patient, RiskEvent.patient_id == Patient.id).where(
            Patient.identities.any(sender_id=sender)).order_by(RiskEvent.id)).scalars().all()
        s.expunge_all()
    db.dispose()
    return list(rows)


def test_risk_inside_an_exercise_is_never_saved_as_an_answer(stack: Stack) -> None:
    """Seen in a real try: inside module 1's free-text exercise, pills and alcohol
    "ready for tonight" got only the direct question, and the urge to cut that
    followed was "Saved to your workbook.". Both are risk wherever they are typed."""
    to_free_text_step(stack, "erin")
    r = stack.say("erin", "the tablets and the vodka are on the table for tonight")
    first = texts(r).lower()
    # Crisis, or (when the model is unsure) the direct question; never the workbook.
    assert "safe right now" in first or "thoughts of ending your life" in first, first
    assert "saved" not in first
    r = stack.say("erin", "the urge to cut is really strong right now")
    assert "saved" not in texts(r).lower(), texts(r)
    assert "113" in texts(r)
    events = risk_events(stack, "erin")
    assert events and events[0].context.startswith("module:m1")
    assert "urge to cut" in events[-1].message_text
    db = Database(stack.database_url)
    with db.session() as s:
        assert not s.execute(select(WorkbookEntry).where(WorkbookEntry.answer.like("%vodka%"))).first()
    db.dispose()


def test_risk_spread_over_two_messages_is_noticed(stack: Stack) -> None:
    onboard(stack, "finn")
    r = stack.say("finn", "i can't keep doing this anymore")
    first = texts(r).lower()
    r = stack.say("finn", "i've got them all here now, the whole box")
    out = texts(r).lower()
    assert "safe right now" in out or "thoughts of ending your life" in out or \
        "safe right now" in first or "thoughts of ending your life" in first, (first, out)


def test_not_safe_out_of_the_blue_is_a_disclosure(stack: Stack) -> None:
    """Typed "I'm not safe" with no risk conversation open got a polite nothing."""
    onboard(stack, "gina")
    r = stack.say("gina", "I'm not safe")
    assert "113" in texts(r), texts(r)
    assert len(risk_events(stack, "gina")) == 1

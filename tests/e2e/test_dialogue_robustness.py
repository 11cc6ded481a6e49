"""The sentences a tester found the dialogue losing, over REST against the real servers.

Inside a free-text exercise step, a safety statement (typed or tapped), a request, an
unknown or broken button payload must not be "Saved to your workbook."; a double tap on
a mood button is not the mood note; doubt in answer to "are you safe right now?" keeps
the conversation open, and "not really" is not safe.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.db.tables import WorkbookEntry
from bot.db.tables.checkins import CheckIn
from tests.e2e.stack import Stack, buttons, running_stack, texts
from tests.e2e.test_rest_flow import onboard, risk_events, to_free_text_step

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, "dialogue") as s:
        yield s


def saved_answers(stack: Stack) -> list[str]:
    db = Database(stack.database_url)
    try:
        with db.session() as s:
            return [e.answer or "" for e in s.execute(select(WorkbookEntry)).scalars()]
    finally:
        db.dispose()


@pytest.mark.parametrize("said", ["I'm not safe", "/not_safe"])
def test_not_safe_inside_a_free_text_step_is_risk_not_an_answer(stack: Stack, said: str) -> None:
    sender = "ns" + str(abs(hash(said)) % 1000)
    to_free_text_step(stack, sender)
    r = stack.say(sender, said)
    out = texts(r)
    assert "saved" not in out.lower(), out
    assert "113" in out, out
    assert len(risk_events(stack, sender)) == 1
    assert said not in saved_answers(stack)


MOOD_QUESTION = "0 (the worst) to 10"


@pytest.mark.parametrize(("said", "expect"), [
    ("can I do my mood check-in", MOOD_QUESTION), ("I want to rate my mood", MOOD_QUESTION),
    ("/log_mood", MOOD_QUESTION), ("/nonexistent_intent", "haven't saved it"),
    ('/choose{"choice":', ""),  # a broken choice: the step is simply shown again
])
def test_a_request_or_stray_payload_inside_a_free_text_step_is_not_saved(
        stack: Stack, said: str, expect: str) -> None:
    sender = "rq" + str(abs(hash(said)) % 10000)
    step = texts(to_free_text_step(stack, sender)).strip().splitlines()[-1]
    r = stack.say(sender, said)
    out = texts(r)
    assert "saved to your workbook" not in out.lower(), (said, out)
    assert said not in saved_answers(stack)
    assert expect in out, (said, out)
    if expect != MOOD_QUESTION:
        assert step in out  # the step is asked again


def test_a_double_tap_on_a_mood_button_is_not_the_note(stack: Stack) -> None:
    onboard(stack, "tap2")
    r = stack.say("tap2", "/log_mood")
    payload = next(b["payload"] for b in buttons(r) if "7" in b["title"])
    stack.say("tap2", payload)
    r = stack.say("tap2", payload)  # the second tap lands where the note is asked
    db = Database(stack.database_url)
    with db.session() as s:
        notes = [c.note for c in s.execute(select(CheckIn)).scalars() if getattr(c, "note", None)]
    db.dispose()
    assert not any(n.startswith("/") for n in notes), notes
    assert texts(r).strip()


@pytest.mark.parametrize(("reply", "expect"), [
    ("i dont know", "asked_again"), ("idk", "asked_again"), ("maybe", "asked_again"),
    ("not really", "not_safe"), ("maybe not", "not_safe"),
])
def test_doubt_about_being_safe_keeps_the_conversation_open(
        stack: Stack, reply: str, expect: str) -> None:
    sender = "db" + str(abs(hash(reply)) % 10000)
    onboard(stack, sender)
    r = stack.say(sender, "i want to end my life tonight")
    assert "safe right now" in texts(r).lower()
    r = stack.say(sender, reply)
    out = texts(r)
    assert "/im_safe" in [b["payload"] for b in buttons(r)], (reply, out)  # still asking
    if expect == "not_safe":
        assert "113" in out, out
    events = risk_events(stack, sender)
    assert events[-1].closed_at is None
    assert events[-1].safety_answer == ("not_safe" if expect == "not_safe" else "unclear")


def test_doubt_that_stays_tells_the_gp(stack: Stack) -> None:
    from bot.db.tables import Escalation

    onboard(stack, "doubt2")
    stack.say("doubt2", "i want to end my life tonight")
    stack.say("doubt2", "i dont know")
    r = stack.say("doubt2", "idk really")
    assert "/im_safe" in [b["payload"] for b in buttons(r)]
    db = Database(stack.database_url)
    with db.session() as s:
        summaries = [e.summary for e in s.execute(select(Escalation).where(
            Escalation.kind == "risk")).scalars()]
    db.dispose()
    assert any("could not say they are safe" in x for x in summaries), summaries


def test_withdrawing_over_rest(stack: Stack) -> None:
    onboard(stack, "wd1")
    r = stack.say("wd1", "i want to withdraw my consent")
    confirm = next(b["payload"] for b in buttons(r) if "confirm" in b["payload"])
    r = stack.say("wd1", confirm)
    assert "stopped the program" in texts(r)
    r = stack.say("wd1", "next")
    assert "stopped the program" in texts(r) and "Module" not in texts(r)
    r = stack.say("wd1", "i want to end my life tonight")
    assert "113" in texts(r)  # risk is heard after withdrawal too

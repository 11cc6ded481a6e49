"""The trained NLU pipeline on real text: the deterministic layers have the last word.

`rasa test core` takes a story's intents as given, so the NLU side of "the risk rule
wins" is checked here by parsing text with the trained model.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bot.rasa.model import ensure_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def parse() -> Iterator[Any]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(ensure_model(quiet=True)))
    loop = asyncio.new_event_loop()

    def _parse(text: str) -> dict[str, Any]:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()


@pytest.mark.parametrize("text", [
    "i want to kms",
    "honestly everyone would be better off without me",
    "I'm not suicidal, I just wouldn't care if I didn't wake up",
    "cut myself again last night",
    "my husband hits me when he drinks",
    "jeg vil ikke leve lenger",
    "han slår meg",
    "Situation: at work. Thought: I should just end it all. Feeling: numb",
    "/start but first, i have been thinking about unaliving myself",
])
def test_risk_text_becomes_the_risk_intent_with_evidence(parse: Any, text: str) -> None:
    result = parse(text)
    assert result["intent"]["name"] == "risk_detected"
    assert result["intent"]["confidence"] == 1.0
    assert result["risk"]["risk"] is True and result["risk"]["evidence"]


@pytest.mark.parametrize("text", [
    "this traffic is killing me", "dead tired today", "my phone died", "I could murder a pizza",
    "next", "I feel low and tired", "jeg er dødstrøtt",
])
def test_ordinary_text_is_not_risk(parse: Any, text: str) -> None:
    result = parse(text)
    assert result["intent"]["name"] != "risk_detected"
    assert "risk" not in result or not result["risk"]


def test_start_command_carries_the_code(parse: Any) -> None:
    result = parse("/start ABCD-EFGH")
    assert result["intent"]["name"] == "start"
    assert {"entity": "invite_code", "value": "ABCD-EFGH"}.items() <= result["entities"][0].items()


@pytest.mark.parametrize(("text", "intent"), [
    ("/continue_program", "continue_program"), ("/pause", "pause"), ("/help", "help"),
    ("/progress", "progress"), ('/choose{"choice":"b"}', "choose"),
])
def test_button_payloads(parse: Any, text: str, intent: str) -> None:
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize(("text", "intent"), [
    ("could we do the two questions now", "start_phq2"),
    ("i'd like to do the full questionnaire", "start_phq9"),
    ("log today's mood", "log_mood"),
    ("i'm in paris for work this week", "set_timezone"),
    ("can you use new york time from now on", "set_timezone"),
    ("please don't send anything before 9am", "set_quiet_hours"),
    ("stop sending me the daily reminders", "stop_reminders"),
    ("Back to the program", "continue_program"),  # a button's label, typed
    ("i want to withdraw my consent", "withdraw"),
])
def test_check_ins_in_plain_words(parse: Any, text: str, intent: str) -> None:
    """Unseen wordings: the two-question check, the PHQ-9 and the mood rating apart."""
    assert parse(text)["intent"]["name"] == intent

"""The deterministic reading of a typed answer to "are you safe right now?"."""
from __future__ import annotations

import pytest

from bot.safety.answers import read_clarify_answer, read_safety_answer


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", "safe"), ("yes i'm safe", "safe"), ("i'm safe right now, honestly", "safe"),
    ("i'm alright, i'm safe", "safe"), ("im ok im not gonna do anything", "safe"),
    ("i'm not in danger", "safe"), ("ikke i fare", "safe"), ("ja, jeg er trygg nå", "safe"),
    ("jeg kommer ikke til å gjøre noe dumt", "safe"), ("i won't do anything, i'm ok", "safe"),
    ("no", "not_safe"), ("nei", "not_safe"), ("not really", "not_safe"),
    ("i am in danger", "not_safe"), ("utrygg", "not_safe"), ("jeg er ikke trygg", "not_safe"),
    ("i'm not sure i'm safe", "not_safe"), ("i can't say i'm safe", "not_safe"),
    ("i don't feel safe", "not_safe"), ("i dont feel safe", "not_safe"),
    ("not feeling safe", "not_safe"), ("i'm not ok", "not_safe"), ("no i need help now", "not_safe"),
    ("maybe", "unclear"), ("i don't know", "unclear"), ("jeg vet ikke", "unclear"),
    ("no, i'm fine", "unclear"), ("yes but i'm scared", "unclear"), ("i want to be safe", "unclear"),
    ("", "unclear"), ("hmm", "unclear"),
    ("maybe not", "not_safe"), ("probably not", "not_safe"), ("i dont think so", "not_safe"),
    ("kanskje ikke", "not_safe"), ("i dont know", "unclear"), ("idk", "unclear"),
    ("dunno", "unclear"),
])
def test_read_safety_answer(text: str, expected: str) -> None:
    assert read_safety_answer(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", "yes"), ("yeah sometimes", "yes"), ("i don't know", "yes"), ("kanskje", "yes"),
    ("no", "no"), ("nei", "no"), ("not at all", "no"),
    ("no but sometimes", "yes"), ("nei, men av og til", "yes"), ("not often, now and then", "yes"),
    ("no, but thanks for asking", None),  # unclear: handled as usual, not closed
    ("next", None), ("what do you mean", None), ("", None),
])
def test_read_clarify_answer(text: str, expected: str | None) -> None:
    assert read_clarify_answer(text) == expected


def test_blind_answers_are_never_read_as_safe_when_they_are_not() -> None:
    """The batches written blind (benchmarks/safety_answers_history.md has their
    first-sight figures): a reply read as safe closes the risk conversation, so a
    reply labelled not safe or unclear must never be read as safe."""
    import json
    from pathlib import Path

    from bot.safety.answers import read_typed_safety

    rows = [json.loads(line) for path in sorted(Path("tests/data").glob("safety-answers-*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 100
    false_safe = [r["text"] for r in rows
                  if r["label"] != "safe" and read_typed_safety(r["text"], None) == "safe"]
    assert false_safe == []

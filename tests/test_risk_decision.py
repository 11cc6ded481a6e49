"""The one risk decision (crisis | ask | none) and the model behind it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT
from bot.safety.confusables import fold_confusables
from bot.safety.corpus import CorpusError, Example, load_corpus, parse_record, read_jsonl
from bot.safety.decision import ASK, CRISIS, NONE, decide
from bot.safety.detector import detect
from bot.safety.model import choose_thresholds, chunks, get_model


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return get_model(REPO_ROOT)


def test_three_outcomes_and_their_shape(model) -> None:  # type: ignore[no-untyped-def]
    crisis = decide("i want to kill myself tonight, i have the pills ready", "en", model=model)
    assert crisis.action == CRISIS and crisis.risk and crisis.category == "plan_or_intent"
    assert set(crisis.to_dict()) == {"risk", "action", "category", "score", "evidence"}
    assert any("model" in e for e in crisis.evidence)
    calm = decide("can we move on to the next step please", "en", model=model)
    assert calm.action == NONE and not calm.risk and calm.category is None
    assert decide("   ", model=model).action == NONE


def test_a_rule_hit_is_never_none(model) -> None:  # type: ignore[no-untyped-def]
    # Whatever the model thinks, the deterministic floor keeps a rule hit noticed.
    for text in ("kms", "jeg vil ta livet mitt", "i want to die"):
        d = decide(text, model=model)
        assert d.action in (CRISIS, ASK) and d.source == "rules", (text, d)


def test_look_alike_letters_do_not_hide_risk(model) -> None:  # type: ignore[no-untyped-def]
    assert fold_confusables("i wаnt to dіe") == "i want to die"  # Cyrillic а and і
    assert fold_confusables("jeg vil dø, blåbær") == "jeg vil dø, blåbær"  # æøå kept
    assert fold_confusables("Привет") == "Привет"  # a Cyrillic word stays Cyrillic
    assert decide("i wаnt to dіe", model=model).risk
    assert detect("i wаnt to dіe").risk  # the rules read it too


def test_risk_spread_over_two_messages_is_read_together(model) -> None:  # type: ignore[no-untyped-def]
    alone = decide("got them all lined up here now", "en", model=model)
    together = decide("got them all lined up here now", "en",
                      context=["i cant keep doing this anymore"], model=model)
    assert together.score > alone.score
    assert together.risk and together.source == "context"


def test_a_risk_sentence_buried_in_a_long_message_is_read(model) -> None:  # type: ignore[no-untyped-def]
    filler = ("Today I went to the shop and bought bread and milk, then I walked the dog "
              "along the river and talked to my neighbour about her garden. ") * 12
    text = filler + "Tonight I am going to take all my pills. " + filler
    assert len(chunks(text)) > 1
    assert decide(text, "en", model=model).risk


def test_a_plain_checkin_answer_is_read_by_the_rules_only(model) -> None:  # type: ignore[no-untyped-def]
    assert decide("more than half the days", rules_only=True, model=model).action == NONE
    assert decide("nearly every day, i want to kill myself", rules_only=True,
                  model=model).action == CRISIS


def test_without_a_model_the_rules_still_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.safety.decision as decision

    def broken() -> None:
        raise OSError("model file unreadable")

    monkeypatch.setattr(decision, "get_model", broken)
    assert decision.decide("i want to kill myself").action == CRISIS
    d = decision.decide("the weather is nice")
    assert d.action == NONE and d.evidence == ["risk model unavailable"]


def test_thresholds_come_from_the_scores() -> None:
    import numpy as np

    y = np.array([1] * 50 + [0] * 50)
    scores = np.concatenate([np.linspace(0.5, 1.0, 50), np.linspace(0.0, 0.6, 50)])
    t_ask, t_crisis, figures = choose_thresholds(scores, y)
    assert t_ask <= 0.5 < t_crisis
    assert figures["oof_recall_noticed"] >= 0.985
    assert figures["oof_crisis_precision"] >= 0.90


def test_the_model_records_how_it_was_chosen(model) -> None:  # type: ignore[no-untyped-def]
    meta = model.meta
    assert meta["t_ask"] == model.t_ask < model.t_crisis == meta["t_crisis"]
    assert meta["oof_recall_noticed"] >= 0.98 and meta["groups"] >= 10
    assert meta["per_language"]["en"] >= 2500 and meta["per_language"]["nb"] >= 2500


def test_the_corpus_is_labelled_by_the_guide() -> None:
    rows = load_corpus(REPO_ROOT)
    assert len(rows) >= 6000
    for row in rows:
        assert isinstance(row, Example) and row.lang in ("en", "nb")
        assert (row.category is None) is (not row.risk)
    # No sealed batch is ever read by the model.
    assert not any(r.group.startswith("incoming") for r in rows)


@pytest.mark.parametrize(("record", "error"), [
    ({"text": "x", "lang": "de", "risk": False}, "'lang'"),
    ({"text": "x", "lang": "en", "risk": "yes"}, "'risk'"),
    ({"text": "x", "lang": "en", "risk": True, "category": "sad"}, "category"),
    ({"text": "x", "lang": "en", "risk": False, "category": "abuse"}, "null"),
    ({"text": "", "lang": "en", "risk": False}, "'text'"),
])
def test_a_bad_record_is_named(record: dict, error: str) -> None:
    with pytest.raises(CorpusError, match=error):
        parse_record(record, "f.jsonl:3", "f")


def test_a_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({"text": "hi", "lang": "en", "risk": False}) + "\n{oops\n")
    with pytest.raises(CorpusError, match=r"b.jsonl:2: invalid JSON"):
        read_jsonl(path)


def test_random_junk_never_pages_a_gp(model) -> None:  # type: ignore[no-untyped-def]
    import random
    import string

    rng = random.Random(7)
    for n in (2_000, 20_000, 100_000):
        junk = "".join(rng.choice(string.ascii_lowercase + "    ") for _ in range(n))
        assert decide(junk, model=model).action != CRISIS
    # A real long message is not junk, typos and all.
    real = ("so the week was ok i guess, went to work monday and tuesday, skipped the gym "
            "again and my sister came round with the kids which was nice but exhausting. "
            "i keep thinking about taking all my tablets at once tonight when everyone is asleep")
    assert model.known_share(real) > 0.8
    assert decide(real, "en", model=model).risk

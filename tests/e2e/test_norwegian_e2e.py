"""End to end in Norwegian bokmål over REST with the real Rasa server and action server:
a patient of a Norwegian practice links, consents, works through the first steps of
module 1, does a mood check-in and gets a Norwegian crisis response with Norwegian
numbers, with no English sentence on the way; then switches to English mid-module
and continues at the same step. The GP's brief of that risk is in bokmål."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.content import ContentRepository
from bot.core.clock import SystemClock
from bot.core.settings import REPO_ROOT
from bot.db import Database
from bot.db.tables import Escalation, Gp, ModuleProgress, Patient
from bot.enrolment.service import add_gp, format_code, invite_patient
from bot.reports.briefs import build_brief, render_html, render_text
from tests.e2e.stack import Stack, buttons, running_stack, texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Common English function words: none of them is a Norwegian word, so any of them in a
# reply means an English sentence slipped through.
ENGLISH = {"the", "and", "you", "your", "please", "with", "what", "this", "have", "will",
           "would", "that", "are", "here", "now", "can"}


def english_in(replies: list[dict]) -> set[str]:
    words = set()
    for text in [texts(replies), *[b["title"] for b in buttons(replies)]]:
        words |= {w.strip(".,:;!?()«»\"'–-").lower() for w in text.split()}
    return words & ENGLISH


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, "stack_nb") as s:
        yield s


def nb_code(stack: Stack) -> str:
    db = Database(stack.database_url)
    with db.session() as s:
        gp = s.execute(select(Gp).where(Gp.email == "nina@example.org")).scalar_one_or_none() \
            or add_gp(s, "Dr Nina Dahl", "nina@example.org", "Fjordlegene", SystemClock().now())
        code = invite_patient(s, gp, SystemClock().now(), 14, language="nb").code
    db.dispose()
    return format_code(code)


def tap(replies: list[dict], fragment: str) -> str:
    for b in buttons(replies):
        if fragment in b["payload"]:
            return b["payload"]
    raise AssertionError(f"no button {fragment!r} in {json.dumps(replies, ensure_ascii=False)[:1200]}")


def test_a_norwegian_patient_uses_the_product_in_bokmal(stack: Stack) -> None:
    said: list[list[dict]] = []

    def say(message: str) -> list[dict]:
        replies = stack.say("kari", message)
        said.append(replies)
        assert not english_in(replies), (message, english_in(replies), texts(replies))
        return replies

    r = say(f"/start {nb_code(stack)}")
    assert "Dr Nina Dahl" in texts(r) and "/consent_agree" in [b["payload"] for b in buttons(r)]
    r = say("/consent_agree")
    r = say(tap(r, '"share":"yes"'))
    r = say(tap(r, "continue_program"))
    assert "Modul 1" in texts(r) or "modul 1" in texts(r).lower(), texts(r)
    for _ in range(3):
        r = say("neste")
    assert buttons(r), texts(r)
    r = say("/log_mood")
    assert "10" in texts(r)
    say("omtrent 6")
    r = say("gikk en tur rundt vannet")
    assert "6" in texts(r)
    r = say("jeg orker ikke mer, jeg vil ikke leve lenger")
    crisis = texts(r)
    assert "113" in crisis and "116 123" in crisis, crisis
    assert any("safe" in b["payload"] for b in buttons(r)), buttons(r)
    r = say("/im_safe")
    assert sum(len(x) for x in said) > 15

    db = Database(stack.database_url)
    with db.session() as s:
        patient = s.execute(select(Patient).where(Patient.language == "nb")).scalar_one()
        esc = s.execute(select(Escalation).where(Escalation.patient_id == patient.id,
                                                 Escalation.kind == "risk")).scalars().first()
        assert esc is not None and esc.urgency == "urgent"
        brief = build_brief(s, ContentRepository(REPO_ROOT / "cbt_content"), esc)
        text, page = render_text(brief), render_html(brief)
    db.dispose()
    assert brief.lang == "nb"
    for rendered in (text, page):
        assert "Tiltak:" in rendered and "Forslag til agenda" in rendered, rendered[:800]
        assert "Spør direkte om selvmordstanker" in rendered
        assert "What to do" not in rendered and "Suggested agenda" not in rendered
    assert "<html lang=nb>" in page


def test_switching_to_english_mid_module_keeps_the_step(stack: Stack) -> None:
    r = stack.say("jonas", f"/start {nb_code(stack).replace('-', '')}")
    r = stack.say("jonas", "/consent_agree")
    r = stack.say("jonas", tap(r, '"share":"no"'))
    r = stack.say("jonas", tap(r, "continue_program"))
    r = stack.say("jonas", "neste")
    db = Database(stack.database_url)

    def step() -> str:
        with db.session() as s:
            patient = s.execute(select(Patient).where(
                Patient.id == select(ModuleProgress.patient_id).order_by(
                    ModuleProgress.id.desc()).limit(1).scalar_subquery())).scalar_one()
            row = s.execute(select(ModuleProgress).where(
                ModuleProgress.patient_id == patient.id)).scalar_one()
            return f"{patient.language}:{row.current_step_id}"

    before = step()
    assert before.startswith("nb:")
    r = stack.say("jonas", "kan vi snakke engelsk?")
    assert "English" in texts(r), texts(r)
    after = step()
    db.dispose()
    assert after == "en:" + before.split(":", 1)[1]

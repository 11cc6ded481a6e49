"""Code tries are limited per sender and overall; a burst raises one operator alert;
every failure gets one reply; GP codes live 15 minutes; invite lifetimes are capped."""
from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.onboarding import ActionStart
from bot.app import Services
from bot.cli.commands import main as cli
from bot.core.clock import FrozenClock
from bot.core.settings import SettingsError, load_settings
from bot.db.tables import AuditLog
from bot.enrolment.service import (
    MAX_FAILED_OVERALL,
    MAX_FAILED_TRIES,
    OVERALL_WINDOW,
    LinkOutcome,
    add_gp,
    invite_patient,
    redeem_invite,
)
from bot.escalation.gp_telegram import CODE_TTL, create_gp_link_code, link_gp_telegram
from bot.rasa.channels.gp_commands import handle_gp_command
from tests.test_actions import all_text, run, tracker


def _burst(services: Services, clock: FrozenClock, n: int = MAX_FAILED_OVERALL) -> None:
    """``n`` wrong codes, each from its own sender (so no sender is throttled)."""
    with services.db.session() as s:
        for i in range(n):
            assert redeem_invite(s, "rest", f"bot{i}", "ZZZZ-ZZZZ", clock.now()).outcome \
                is LinkOutcome.WRONG


def test_failures_from_many_senders_close_linking_for_everyone_and_alert_once(
        services: Services, clock: FrozenClock, caplog: pytest.LogCaptureFixture) -> None:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now())
        code = invite_patient(s, gp, clock.now(), 14).code
        gp_code = create_gp_link_code(s, gp, clock.now())
    _burst(services, clock, MAX_FAILED_OVERALL - 1)
    with services.db.session() as s:  # one below the limit: a right code still links
        extra = invite_patient(s, gp, clock.now(), 14).code
        assert redeem_invite(s, "rest", "ok", extra, clock.now()).outcome is LinkOutcome.LINKED
        assert redeem_invite(s, "rest", "bot-last", "ZZZZ-ZZZZ", clock.now()).outcome \
            is LinkOutcome.WRONG
    caplog.set_level(logging.ERROR)
    clock.advance(timedelta(minutes=1))
    with services.db.session() as s:
        # The right code from a fresh sender, and a right GP code: refused unseen.
        assert redeem_invite(s, "rest", "patient", code, clock.now()).outcome is LinkOutcome.THROTTLED
        assert link_gp_telegram(s, gp_code, 777, clock.now()) is None
        assert redeem_invite(s, "socketio", "someone", code, clock.now()).outcome \
            is LinkOutcome.THROTTLED
    with services.db.session() as s:
        rows = s.execute(select(AuditLog).where(AuditLog.action == "code_burst")).scalars().all()
        assert len(rows) == 1  # once per window, however many tries are refused
        assert rows[0].details["failures"] == MAX_FAILED_OVERALL
        assert rows[0].details["senders"] == MAX_FAILED_OVERALL
        throttled = s.execute(select(AuditLog).where(
            AuditLog.action == "invite_throttled")).scalars().all()
        assert [t.details["scope"] for t in throttled] == ["overall"] * 3
    alerts = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(alerts) == 1 and "operator alert" in alerts[0].getMessage()
    said = alerts[0].getMessage()
    assert "bot1" not in said and "ZZZZ" not in said and code not in said
    clock.advance(OVERALL_WINDOW)  # the failures age out: linking opens again
    with services.db.session() as s:
        assert redeem_invite(s, "rest", "patient", code, clock.now()).outcome is LinkOutcome.LINKED


def test_every_failure_gets_the_same_reply(services: Services, clock: FrozenClock) -> None:
    """Wrong, used, expired and throttled codes: one reply in the chat."""
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        used = invite_patient(s, gp, clock.now(), 14).code
        short = invite_patient(s, gp, clock.now(), 1).code
        good = invite_patient(s, gp, clock.now(), 14).code
    run(ActionStart(), tracker(f"/start {used}", "start", "owner"))
    clock.advance(timedelta(days=1, seconds=1))
    replies = {}
    for name, sender, code in (("wrong", "a", "ZZZZ-ZZZZ"), ("used", "b", used),
                               ("expired", "c", short)):
        replies[name] = all_text(run(ActionStart(), tracker(f"/start {code}", "start", sender))[1])
    for n in range(MAX_FAILED_TRIES):
        run(ActionStart(), tracker(f"/start ZZZZ-ZZZ{n + 2}", "start", "guesser"))
    replies["throttled"] = all_text(run(ActionStart(), tracker(f"/start {good}", "start",
                                                               "guesser"))[1])
    assert len(set(replies.values())) == 1, replies
    assert "couldn't use that code" in replies["wrong"]


def test_gp_codes_last_15_minutes_and_fail_alike(services: Services, clock: FrozenClock) -> None:
    assert CODE_TTL.total_seconds() == 15 * 60
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        late = create_gp_link_code(s, gp, clock.now())
    clock.advance(CODE_TTL)
    wrong = handle_gp_command("/gp ZZZZZZZZ", 500, "en")
    assert handle_gp_command(f"/gp {late}", 501, "en") == wrong  # expired reads as wrong
    for n in range(MAX_FAILED_TRIES):
        handle_gp_command(f"/gp ZZZZZZZ{n + 2}", 502, "en")
    with services.db.session() as s:
        fresh = create_gp_link_code(s, gp, clock.now())
    assert handle_gp_command(f"/gp {fresh}", 502, "en") == wrong  # throttled reads as wrong
    clock.advance(CODE_TTL - timedelta(seconds=1))
    assert handle_gp_command(f"/gp {fresh}", 503, "en") != wrong  # within 15 minutes: linked
    out = io.StringIO()
    assert cli(["gps", "telegram-code", "--gp", "ada@example.org"], out) == 0
    assert "valid 15 minutes" in out.getvalue()


def test_invite_lifetimes_are_capped(services: Services, clock: FrozenClock,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with services.db.session() as s:
        add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now())
    assert cli(["patients", "invite", "--gp", "ada@example.org", "--days", "31"], io.StringIO()) == 1
    assert "1 to 30 days" in capsys.readouterr().err
    assert cli(["patients", "invite", "--gp", "ada@example.org", "--days", "0"], io.StringIO()) == 1
    out = io.StringIO()
    assert cli(["patients", "invite", "--gp", "ada@example.org", "--days", "30"], out) == 0
    assert "invite code:" in out.getvalue()
    with pytest.raises(SettingsError, match="INVITE_TTL_DAYS=31 is out of range"):
        load_settings({"INVITE_TTL_DAYS": "31"})

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.clock import FrozenClock
from bot.db.actors import sender_actor
from bot.db.tables import AuditLog, ChannelIdentity, Invite
from bot.enrolment.service import (
    ConfirmOutcome,
    EnrolmentError,
    LinkOutcome,
    add_gp,
    confirm_link,
    find_gp,
    find_patient,
    format_code,
    invite_patient,
    record_consent,
    redeem_invite,
)


def _gp(services: Services, clock: FrozenClock):  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en").id


def test_add_gp_validates(services: Services, clock: FrozenClock) -> None:
    _gp(services, clock)
    with services.db.session() as s:
        with pytest.raises(EnrolmentError, match="not a valid e-mail"):
            add_gp(s, "Dr X", "nope", "P", clock.now())
        with pytest.raises(EnrolmentError, match="already exists"):
            add_gp(s, "Dr Y", "ADA@example.org", "P", clock.now())
        with pytest.raises(EnrolmentError, match="no GP with id or e-mail"):
            find_gp(s, "who@example.org")
        assert find_gp(s, "ada@example.org").name == "Dr Ada Berg"


def test_invite_code_links_once(services: Services, clock: FrozenClock) -> None:
    gp_id = _gp(services, clock)
    with services.db.session() as s:
        inv = invite_patient(s, find_gp(s, str(gp_id)), clock.now(), 14)
        code, ref = inv.code, inv.patient.ref
        # Only a hash of the code is stored.
        assert all(code not in (i.code_hash or "") for i in s.execute(select(Invite)).scalars())
    with services.db.session() as s:
        r = redeem_invite(s, "rest", "alice", format_code(code).lower(), clock.now())
        assert r.outcome is LinkOutcome.LINKED
        assert r.patient is not None and r.patient.ref == ref and r.patient.status == "linked"
    with services.db.session() as s:
        assert redeem_invite(s, "rest", "alice", code, clock.now()).outcome is LinkOutcome.ALREADY_LINKED
        assert redeem_invite(s, "rest", "mallory", code, clock.now()).outcome is LinkOutcome.USED
        assert redeem_invite(s, "rest", "bob", "ZZZZ-ZZZZ", clock.now()).outcome is LinkOutcome.WRONG
        assert redeem_invite(s, "rest", "bob", None, clock.now()).outcome is LinkOutcome.MISSING
        assert find_patient(s, "rest", "alice") is not None
        assert find_patient(s, "telegram", "alice") is None
        actions = [a.action for a in s.execute(select(AuditLog)).scalars()]
        assert "channel_linked" in actions


def test_expired_code(services: Services, clock: FrozenClock) -> None:
    gp_id = _gp(services, clock)
    with services.db.session() as s:
        code = invite_patient(s, find_gp(s, str(gp_id)), clock.now(), 1).code
    clock.advance(timedelta(days=1, seconds=1))
    with services.db.session() as s:
        assert redeem_invite(s, "rest", "late", code, clock.now()).outcome is LinkOutcome.EXPIRED


def test_second_channel_is_the_same_patient(services: Services, clock: FrozenClock) -> None:
    gp_id = _gp(services, clock)
    with services.db.session() as s:
        gp = find_gp(s, str(gp_id))
        first = invite_patient(s, gp, clock.now(), 14)
        redeem_invite(s, "telegram", "12345", first.code, clock.now())
        second = invite_patient(s, gp, clock.now(), 14, patient=first.patient)
        r = redeem_invite(s, "socketio", "web-session-1", second.code, clock.now())
        # A second chat waits for the first to confirm it (tests/test_second_channel.py).
        assert r.outcome is LinkOutcome.PENDING and r.patient is None and r.confirm_code
        assert find_patient(s, "socketio", "web-session-1") is None
        assert confirm_link(s, "telegram", "12345", r.confirm_code, clock.now()).outcome \
            is ConfirmOutcome.CONFIRMED
        ids = {i.patient_id for i in s.execute(select(ChannelIdentity)).scalars()}
        assert ids == {first.patient.id}
        assert find_patient(s, "socketio", "web-session-1") is first.patient


def test_consent_recorded_with_version(services: Services, clock: FrozenClock) -> None:
    gp_id = _gp(services, clock)
    with services.db.session() as s:
        inv = invite_patient(s, find_gp(s, str(gp_id)), clock.now(), 14)
        redeem_invite(s, "rest", "c", inv.code, clock.now())
        rec = record_consent(s, inv.patient, 3, "en", "the text", "agreed", clock.now(), share_workbook=True)
        assert inv.patient.status == "consented" and inv.patient.share_workbook
        assert rec.version == 3 and len(rec.text_sha256) == 64
        with pytest.raises(ValueError, match="unknown consent decision"):
            record_consent(s, inv.patient, 3, "en", "t", "maybe", clock.now())


def test_failed_codes_are_audited_throttled_and_all_answered_alike(
        services: Services, clock: FrozenClock) -> None:
    """A guesser learns nothing from the reply (wrong, used and expired read the same
    in the chat), every failure is audited without the code, and after five failures
    in 15 minutes even the right code waits. Codes are stored keyed (HMAC), so the
    database alone does not give them away."""
    import hashlib

    from bot.db.tables import AuditLog
    from bot.enrolment.service import MAX_FAILED_TRIES, TRY_WINDOW

    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        code = invite_patient(s, gp, clock.now(), 14).code
        stored = s.execute(select(Invite)).scalar_one().code_hash
        assert stored != hashlib.sha256(code.encode()).hexdigest()  # keyed, not plain SHA-256
    with services.db.session() as s:
        for n in range(MAX_FAILED_TRIES):
            assert redeem_invite(s, "rest", "guess", f"ZZZZ-ZZZ{n + 2}", clock.now()).outcome \
                is LinkOutcome.WRONG
        assert redeem_invite(s, "rest", "guess", code, clock.now()).outcome is LinkOutcome.THROTTLED
        actions = [a.action for a in s.execute(select(AuditLog).where(
            AuditLog.actor == sender_actor("rest", "guess"))).scalars()]
        assert actions.count("invite_failed") == MAX_FAILED_TRIES and "invite_throttled" in actions
        details = " ".join(str(a.details) for a in s.execute(select(AuditLog)).scalars())
        assert "ZZZZ" not in details and code not in details
    clock.advance(TRY_WINDOW)
    with services.db.session() as s:
        assert redeem_invite(s, "rest", "guess", code, clock.now()).outcome is LinkOutcome.LINKED

"""A second chat for a patient who already has one is linked only when a chat already
linked confirms it (/confirm NNNNNN): the service, the action that shows the number,
and the channel guard that answers /confirm before Rasa for every channel."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sqlalchemy import select

from actions.onboarding import ActionStart
from actions.program import ActionProgram
from bot.app import Services
from bot.content.texts import Texts
from bot.core.clock import FrozenClock
from bot.core.settings import REPO_ROOT
from bot.db.tables import AuditLog, ChannelIdentity, PendingLink
from bot.enrolment.service import (
    CONFIRM_TTL,
    MAX_CONFIRM_TRIES,
    MAX_FAILED_TRIES,
    TRY_WINDOW,
    ConfirmOutcome,
    LinkOutcome,
    add_gp,
    confirm_link,
    find_patient,
    invite_patient,
    redeem_invite,
)
from bot.rasa.channels import inbound
from bot.rasa.channels.commands import command_to_text
from tests.test_actions import all_text, run, tracker


def _linked_patient(services: Services, clock: FrozenClock, language: str = "en") -> tuple[int, str]:
    """A patient linked on Telegram chat 111, and a second invite code for them."""
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        first = invite_patient(s, gp, clock.now(), 14, language=language)
        assert redeem_invite(s, "telegram", "111", first.code, clock.now()).outcome is LinkOutcome.LINKED
        second = invite_patient(s, gp, clock.now(), 14, patient=first.patient)
        return first.patient.id, second.code


def _actions(services: Services) -> list[str]:
    with services.db.session() as s:
        return [a.action for a in s.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]


def test_the_second_chat_is_nobody_until_the_first_confirms(services: Services,
                                                            clock: FrozenClock) -> None:
    patient_id, code = _linked_patient(services, clock)
    with services.db.session() as s:
        r = redeem_invite(s, "socketio", "web1", code, clock.now())
        assert r.outcome is LinkOutcome.PENDING and r.patient is None
        number = r.confirm_code
        assert number is not None and re.fullmatch(r"\d{6}", number)
        assert find_patient(s, "socketio", "web1") is None  # no history, no program
        row = s.execute(select(PendingLink)).scalar_one()
        assert number not in row.code_hash and row.patient_id == patient_id
    with services.db.session() as s:
        # From the new chat itself, from a stranger, with a wrong number: nothing links.
        assert confirm_link(s, "socketio", "web1", number, clock.now()).outcome \
            is ConfirmOutcome.FROM_NEW_CHAT
        assert confirm_link(s, "rest", "stranger", number, clock.now()).outcome is ConfirmOutcome.FAILED
        wrong = "000000" if number != "000000" else "111111"
        assert confirm_link(s, "telegram", "111", wrong, clock.now()).outcome is ConfirmOutcome.FAILED
        assert find_patient(s, "socketio", "web1") is None
    with services.db.session() as s:
        done = confirm_link(s, "telegram", "111", number, clock.now())
        assert done.outcome is ConfirmOutcome.CONFIRMED
        assert (done.new_channel, done.new_sender_id) == ("socketio", "web1")
        patient = find_patient(s, "socketio", "web1")
        assert patient is not None and patient.id == patient_id
        assert s.execute(select(PendingLink)).first() is None
    with services.db.session() as s:  # single use
        assert confirm_link(s, "telegram", "111", number, clock.now()).outcome is ConfirmOutcome.FAILED
        assert {i.sender_id for i in s.execute(select(ChannelIdentity)).scalars()} == {"111", "web1"}
        details = " ".join(str(a.details) for a in s.execute(select(AuditLog)).scalars())
        assert number not in details and code not in details
    actions = _actions(services)
    assert actions.count("link_pending") == 1 and actions.count("link_confirmed") == 1
    assert actions.count("link_confirm_failed") == 4  # new chat, stranger, wrong, used


def test_the_number_expires_wrong_numbers_end_it_and_the_sender_is_throttled(
        services: Services, clock: FrozenClock) -> None:
    _, code = _linked_patient(services, clock)
    with services.db.session() as s:
        number = redeem_invite(s, "rest", "new", code, clock.now()).confirm_code
    clock.advance(CONFIRM_TTL)
    with services.db.session() as s:
        assert confirm_link(s, "telegram", "111", number, clock.now()).outcome is ConfirmOutcome.FAILED
        # The same new chat sends the invite code again: a new number (the invite lasts).
        again = redeem_invite(s, "rest", "new", code, clock.now())
        assert again.outcome is LinkOutcome.PENDING and again.confirm_code
        # Another chat cannot reuse the spent invite.
        assert redeem_invite(s, "rest", "other", code, clock.now()).outcome is LinkOutcome.USED
    with services.db.session() as s:
        # Malformed tries throttle the confirming chat: then even the right number fails.
        for _ in range(MAX_FAILED_TRIES):
            assert confirm_link(s, "telegram", "111", "12", clock.now()).outcome is ConfirmOutcome.FAILED
        assert confirm_link(s, "telegram", "111", again.confirm_code, clock.now()).outcome \
            is ConfirmOutcome.FAILED
        assert find_patient(s, "rest", "new") is None
    assert "link_confirm_throttled" in _actions(services)
    clock.advance(TRY_WINDOW)
    with services.db.session() as s:
        third = redeem_invite(s, "rest", "new", code, clock.now()).confirm_code
        assert third is not None
        wrong = [n for n in ("000001", "000002", "000003", "000004", "000005", "000006")
                 if n != third][:MAX_CONFIRM_TRIES]
        for n in wrong:
            confirm_link(s, "telegram", "111", n, clock.now())
    clock.advance(TRY_WINDOW)  # the sender may try again, but this number is finished
    with services.db.session() as s:
        assert confirm_link(s, "telegram", "111", third, clock.now()).outcome is ConfirmOutcome.FAILED
        assert redeem_invite(s, "rest", "new", code, clock.now()).outcome is LinkOutcome.USED
        assert find_patient(s, "rest", "new") is None
    assert "link_pending_ended" in _actions(services)


def test_the_new_chat_is_told_in_the_patients_language_and_gets_nothing_else(
        services: Services, clock: FrozenClock) -> None:
    _, code = _linked_patient(services, clock, language="nb")
    _, msgs = run(ActionStart(), tracker(f"/start {code}", "start", "web-new"))
    text = all_text(msgs)
    number = re.search(r"/confirm (\d{6})", text)
    assert number, text
    assert text == services.texts.get("link_pending", "nb", number=number.group(1))
    # Still unlinked: the program asks for an invite code, as for anyone unknown.
    _, msgs = run(ActionProgram(), tracker("next", "continue_program", "web-new"))
    assert "/confirm" not in all_text(msgs)
    with services.db.session() as s:
        assert find_patient(s, "rest", "web-new") is None


@pytest.fixture
def pushed() -> Any:
    sent: list[tuple[str, str]] = []

    async def fake_socketio(sender: str, text: str) -> None:
        sent.append((sender, text))

    inbound.register_pusher("socketio", fake_socketio)
    yield sent
    inbound._PUSHERS.pop("socketio", None)


def _say(text: str, sender: str, channel: str) -> tuple[list[str], list[str]]:
    """Through the channel guard; returns (replies, what reached Rasa)."""
    out = CollectingOutputChannel()
    reached: list[str] = []

    async def rasa(msg: UserMessage) -> None:
        reached.append(msg.text or "")
        await msg.output_channel.send_text_message(msg.sender_id, "from rasa")

    guard = inbound.Guard(Texts(REPO_ROOT / "cbt_content"), "en", scorer=None)
    asyncio.run(guard.handle(rasa, UserMessage(text, out, sender, input_channel=channel)))
    return [m["text"] for m in out.messages], reached


def test_confirm_is_answered_by_the_channel_guard_and_both_chats_are_told(
        services: Services, clock: FrozenClock, pushed: list[tuple[str, str]]) -> None:
    patient_id, code = _linked_patient(services, clock, language="nb")
    with services.db.session() as s:
        number = redeem_invite(s, "socketio", "abc123", code, clock.now()).confirm_code
    assert number is not None
    # A wrong number, and a number sent from the new chat: replies, nothing for Rasa.
    replies, reached = _say("/confirm 99999", "111", "telegram")
    assert replies == [services.texts.get("link_confirm_failed", "nb")] and reached == []
    replies, reached = _say(f"/confirm {number}", "abc123", "socketio")
    assert replies == [services.texts.get("link_confirm_from_new_chat", "nb")] and reached == []
    assert pushed == []
    # Typed with a space, on Telegram (the bridge keeps /confirm as it is).
    typed = command_to_text(f"/confirm@FjordCbtBot {number[:3]} {number[3:]}")
    replies, reached = _say(typed, "111", "telegram")
    assert replies == [services.texts.get("link_confirmed", "nb")] and reached == []
    assert pushed == [("abc123", services.texts.get("link_confirmed_new_chat", "nb"))]
    with services.db.session() as s:
        patient = find_patient(s, "socketio", "abc123")
        assert patient is not None and patient.id == patient_id
    # Anything else still goes to Rasa.
    _, reached = _say("/confirmed it", "111", "telegram")
    assert reached == ["/confirmed it"]


def test_a_chat_of_a_channel_that_cannot_be_reached_is_linked_all_the_same(
        services: Services, clock: FrozenClock) -> None:
    """REST has no way to reach a chat unasked: the link completes; the new chat finds
    out when it next writes."""
    _, code = _linked_patient(services, clock)
    with services.db.session() as s:
        number = redeem_invite(s, "rest", "cli-user", code, clock.now()).confirm_code
    replies, _ = _say(f"/confirm {number}", "111", "telegram")
    assert replies == [services.texts.get("link_confirmed", "en")]
    with services.db.session() as s:
        assert find_patient(s, "rest", "cli-user") is not None


def test_the_invite_of_a_patient_without_a_chat_links_at_once(services: Services,
                                                              clock: FrozenClock) -> None:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now())
        inv = invite_patient(s, gp, clock.now(), 14)
        assert redeem_invite(s, "rest", "first", inv.code, clock.now()).outcome is LinkOutcome.LINKED
    clock.advance(timedelta(minutes=1))
    assert "link_pending" not in _actions(services)

"""`/confirm NNNNNN`: a patient confirms, from a chat already linked, a second chat
that redeemed an invite for them (bot/enrolment/service.py ``confirm_link``).

Called by the channel guard (bot/rasa/channels/inbound.py) for every channel, in the
Rasa process, before Rasa: the command never reaches the dialogue, and the reply is
sent directly. When the link completes, the new chat is told too (``push``).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.app import get_services
from bot.enrolment.service import ConfirmOutcome, confirm_link


@dataclass(frozen=True)
class ConfirmReply:
    text: str  # for the chat that sent /confirm
    # When a chat was linked: (channel, sender id, text) to tell it.
    push: tuple[str, str, str] | None = None


def handle_confirm(channel: str, sender_id: str, number: str | None, lang: str) -> ConfirmReply:
    """``lang``: the sender's language as the channel knows it, for a sender who is not
    a patient; a patient's replies are in the patient's language."""
    services = get_services()
    texts = services.texts
    with services.db.session() as session:
        result = confirm_link(session, channel, sender_id, number, services.clock.now())
        own = result.patient.language if result.patient is not None else lang
        if result.outcome is ConfirmOutcome.CONFIRMED:
            assert result.new_channel is not None and result.new_sender_id is not None
            return ConfirmReply(texts.get("link_confirmed", own),
                                (result.new_channel, result.new_sender_id,
                                 texts.get("link_confirmed_new_chat", own)))
        if result.outcome is ConfirmOutcome.FROM_NEW_CHAT:
            return ConfirmReply(texts.get("link_confirm_from_new_chat", result.language or lang))
        return ConfirmReply(texts.get("link_confirm_failed", own))

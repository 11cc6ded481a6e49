"""Acknowledging an escalation: by the signed link, a Telegram button or the CLI.

Acknowledging stops the reminder and fail-over steps: notifications for those steps
that have not gone out yet are cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.content.texts import gp_line
from bot.core.language import gp_language
from bot.db.audit import audit
from bot.db.tables import Escalation, Gp, Notification
from bot.escalation.links import Keys, LinkError, read_ack_callback


class AckError(ValueError):
    """The escalation cannot be acknowledged (unknown id); the message is for the user."""


def acknowledge(
    session: Session, escalation_id: int, by: str, via: str, now: datetime
) -> Escalation:
    """Marks an escalation acknowledged; a second acknowledgement changes nothing."""
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise AckError(f"no escalation #{escalation_id}")
    if esc.status != "open":
        return esc
    esc.status = "acknowledged"
    esc.acknowledged_at = now
    esc.acknowledged_by = by[:200]
    cancelled = session.execute(
        update(Notification)
        .where(
            Notification.escalation_id == esc.id,
            Notification.status == "pending",
            ~Notification.idempotency_key.like("%:initial"),
        )
        .values(status="cancelled", last_error="acknowledged before it was sent")
        .execution_options(synchronize_session=False)
    ).rowcount
    audit(
        session,
        now,
        by[:100],
        "escalation_acknowledged",
        esc.patient_id,
        escalation_id=esc.id,
        via=via,
        cancelled_notifications=cancelled,
    )
    return esc


def handle_telegram_callback(
    session: Session, secret: Keys, data: str, chat_id: str | int, now: datetime,
    lang: str = "en",
) -> str:
    """For the Telegram channel: the GP pressed "Acknowledge". Returns the text to show.

    The button is signed, and it only works from the chat of the escalation's GP or of
    a GP of the same practice (the duty doctor getting a fail-over)."""
    try:
        esc_id = read_ack_callback(secret, data)
    except LinkError as exc:
        return str(exc)
    gp = session.execute(select(Gp).where(Gp.telegram_chat_id == str(chat_id))).scalar_one_or_none()
    lang = gp_language(gp) if gp is not None else lang
    esc = session.get(Escalation, esc_id)
    if esc is None:
        return gp_line(lang, "telegram_ack_gone")
    owner = session.get(Gp, esc.gp_id) if esc.gp_id else None
    if gp is None or owner is None or gp.practice_id != owner.practice_id:
        return gp_line(lang, "telegram_ack_not_linked")
    if esc.status != "open":
        return gp_line(lang, "page_already_acked", id=esc.id,
                       who=esc.acknowledged_by or gp_line(lang, "someone"))
    acknowledge(session, esc.id, f"gp:{gp.id}", "telegram", now)
    return gp_line(lang, "telegram_acked", id=esc.id)

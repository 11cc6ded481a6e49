"""Linking a GP's Telegram chat: `python -m bot gps telegram-code --gp …` prints a
one-time code; the GP sends `/gp CODE` to the bot and the Telegram channel calls
`link_gp_telegram`."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import audit
from bot.db.models import Gp
from bot.enrolment import CODE_ALPHABET, normalise_code
from bot.escalation.models import GpLinkCode

CODE_TTL = timedelta(hours=24)


def _hash(code: str) -> str:
    return hashlib.sha256(("gp:" + normalise_code(code)).encode()).hexdigest()


def create_gp_link_code(session: Session, gp: Gp, now: datetime) -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    session.add(
        GpLinkCode(gp_id=gp.id, code_hash=_hash(code), created_at=now, expires_at=now + CODE_TTL)
    )
    audit(session, now, "cli", "gp_telegram_code_created", None, gp_id=gp.id)
    return code


def link_gp_telegram(session: Session, code: str, chat_id: str | int, now: datetime) -> Gp | None:
    """Links the chat to the GP the code belongs to and turns the Telegram channel on;
    None for an unknown, used or expired code."""
    row = session.execute(
        select(GpLinkCode).where(GpLinkCode.code_hash == _hash(code))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    gp = session.get(Gp, row.gp_id)
    if gp is None:
        return None
    row.used_at = now
    row.used_by_chat = str(chat_id)
    gp.telegram_chat_id = str(chat_id)
    channels = [c.strip() for c in (gp.notify_channels or "").split(",") if c.strip()]
    if "telegram" not in channels:
        gp.notify_channels = ",".join([*channels, "telegram"])
    audit(session, now, f"gp:{gp.id}", "gp_telegram_linked", None, gp_id=gp.id)
    return gp

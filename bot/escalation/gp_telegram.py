"""Linking a GP's Telegram chat: `python -m bot gps telegram-code --gp …` prints a
one-time code; the GP sends `/gp CODE` to the bot and the Telegram channel calls
`link_gp_telegram`."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.audit import audit
from bot.db.tables import Gp
from bot.db.tables.escalation import GpLinkCode
from bot.enrolment.service import (
    CODE_ALPHABET,
    code_hashes,
    code_try_refused,
    hash_code,
    normalise_code,
    record_code_failure,
)

# Short: the GP runs the command and sends the code at once; a code seen later in a
# terminal's scroll-back or a chat is of no use.
CODE_TTL = timedelta(minutes=15)


def _hash(code: str) -> str:
    """Keyed like invite codes (HMAC with SECRET_KEY), and apart from them ("gp:")."""
    return hash_code("gp:" + normalise_code(code))


def _hashes(code: str) -> list[str]:
    """The hash under every key (codes made before a key rotation still link)."""
    return code_hashes("gp:" + normalise_code(code))


def create_gp_link_code(session: Session, gp: Gp, now: datetime) -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    session.add(
        GpLinkCode(gp_id=gp.id, code_hash=_hash(code), created_at=now, expires_at=now + CODE_TTL)
    )
    audit(session, now, "cli", "gp_telegram_code_created", None, gp_id=gp.id)
    return code


def link_gp_telegram(session: Session, code: str, chat_id: str | int, now: datetime) -> Gp | None:
    """Links the chat to the GP the code belongs to and turns the Telegram channel on;
    None for an unknown, used or expired code, and for every try after too many failed
    ones from this chat or from everyone (each failure is audited, without the code)."""
    if code_try_refused(session, "telegram", str(chat_id), now, "gp_code"):
        return None
    row = session.execute(
        select(GpLinkCode).where(GpLinkCode.code_hash.in_(_hashes(code)))
    ).scalars().first()
    gp = session.get(Gp, row.gp_id) if row is not None else None
    if row is None or row.used_at is not None or row.expires_at <= now or gp is None:
        record_code_failure(session, "telegram", str(chat_id), now, what="gp_code")
        return None
    row.used_at = now
    row.used_by_chat = str(chat_id)
    gp.telegram_chat_id = str(chat_id)
    channels = [c.strip() for c in (gp.notify_channels or "").split(",") if c.strip()]
    if "telegram" not in channels:
        gp.notify_channels = ",".join([*channels, "telegram"])
    audit(session, now, f"gp:{gp.id}", "gp_telegram_linked", None, gp_id=gp.id)
    return gp

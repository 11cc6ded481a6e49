"""How long things are kept that need not be kept.

* The e-mails written to var/mail/ when no SMTP server is configured (they hold what a
  GP was told) are deleted after MAIL_RETENTION_DAYS (default 30).
* A conversation (every event Rasa keeps for one chat id) is deleted once it has been
  silent for CONVERSATION_RETENTION_DAYS (default 180): a finished or abandoned
  program's chat does not stay for ever. The program's state, the workbook and the
  check-ins live in the product database, so a patient who comes back after that
  carries on where they were; only the chat history is gone.

The escalation worker runs these once a day; `python -m bot retention` runs them once
and prints what it removed. A patient's whole record goes on request (`patients
erase`, or "delete my data" in chat), see bot/privacy/data_rights.py.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.privacy.data_rights import purge_conversations, tracker_table

log = logging.getLogger(__name__)


def purge_mail(folder: Path, now: datetime, days: int) -> int:
    """Deletes the .eml files in ``folder`` last written more than ``days`` ago."""
    if not folder.is_dir():
        return 0
    cutoff = (now - timedelta(days=days)).timestamp()
    removed = 0
    for path in folder.glob("*.eml"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    if removed:
        log.info("retention: removed %d e-mail file(s) older than %d days", removed, days)
    return removed


def purge_silent_conversations(tracker_url: str | None, now: datetime, days: int) -> tuple[int, int]:
    """Deletes the conversations whose latest event is more than ``days`` old;
    returns (conversations, events) removed."""
    found = tracker_table(tracker_url)
    if found is None:
        return 0, 0
    table, engine = found
    cutoff = (now - timedelta(days=days)).timestamp()
    try:
        with engine.connect() as con:
            senders = list(con.execute(select(table.c.sender_id).group_by(table.c.sender_id)
                                       .having(func.max(table.c.timestamp) < cutoff)).scalars())
    finally:
        engine.dispose()
    removed = 0
    for start in range(0, len(senders), 500):
        removed += purge_conversations(tracker_url, senders[start:start + 500])
    if senders:
        log.info("retention: removed %d conversation(s) silent for more than %d days (%d events)",
                 len(senders), days, removed)
    return len(senders), removed

"""The audit log: who did what, when. Written in the caller's transaction.

Append-only: the database refuses UPDATE and DELETE on it (migration 0007), and a
session that tries is stopped before it reaches the database. Details hold codes,
categories, scores and ids, never a patient's words (those stay in the rows that a
patient's erasure removes)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.db.tables import AuditLog


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("the audit log is append-only")


def audit(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    patient_id: int | None = None,
    **details: Any,
) -> None:
    session.add(AuditLog(at=at, actor=actor, action=action, patient_id=patient_id, details=details))

"""The audit log: who did what, when. Written in the caller's transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.models import AuditLog


def audit(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    patient_id: int | None = None,
    **details: Any,
) -> None:
    session.add(AuditLog(at=at, actor=actor, action=action, patient_id=patient_id, details=details))

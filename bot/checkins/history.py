"""A patient's finished check-ins of one instrument, oldest first: the one query behind
"how am I doing?" (bot.checkins.trend) and the GP's brief (bot.reports.briefs)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables.checkins import CheckIn


def completed(session: Session, patient_id: int, instrument: str,
              since: datetime | None = None) -> list[tuple[datetime, int]]:
    """(completed at, total) of each finished check-in, from `since` if given."""
    query = select(CheckIn.completed_at, CheckIn.total).where(
        CheckIn.patient_id == patient_id, CheckIn.instrument == instrument,
        CheckIn.status == "complete", CheckIn.total.is_not(None))
    if since is not None:
        query = query.where(CheckIn.completed_at >= since)
    rows = session.execute(query.order_by(CheckIn.completed_at))
    return [(at, int(total)) for at, total in rows]

"""The GPs' daily digest of follow-ups that are due or overdue.

A digest is delivered through the same outbox as escalations: a closed escalation of
kind "digest" (one per GP per local day, by its idempotency key) with one notification
per channel of the GP."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.texts import gp_line
from bot.db.audit import audit
from bot.db.tables import Escalation, Gp, Notification, Practice
from bot.escalation.compose import kind_label
from bot.escalation.followups import due_followups
from bot.escalation.outbox import gp_channels


def send_digests(session: Session, now: datetime, hour: int) -> list[Escalation]:
    """Creates today's digest for each GP with due follow-ups, once the local time is
    past `hour`; returns the digests created."""
    out: list[Escalation] = []
    gps = session.execute(select(Gp).where(Gp.active.is_(True)).order_by(Gp.id)).scalars().all()
    for gp in gps:
        practice = session.get(Practice, gp.practice_id)
        local = now.astimezone(ZoneInfo(practice.timezone if practice else "UTC"))
        if local.hour < hour:
            continue
        key = f"digest:{gp.id}:{local.date().isoformat()}"
        if session.execute(select(Escalation.id).where(Escalation.idempotency_key == key)).first():
            continue
        due = due_followups(session, gp, now)
        if not due:
            continue
        items = [
            {
                "escalation_id": d.escalation.id,
                "ref": d.patient.ref,
                "label": kind_label(d.escalation.kind),
                "kind": d.escalation.kind,
                "since": d.since.astimezone(local.tzinfo).date().isoformat(),
                "overdue": d.overdue,
            }
            for d in due
        ]
        esc = Escalation(
            idempotency_key=key,
            patient_id=None,
            gp_id=gp.id,
            kind="digest",
            urgency="routine",
            status="closed",
            summary=gp_line("en", "summary_digest", count=len(items), gp=gp.name),
            details={"items": items, "gp_name": gp.name, "day": local.date().isoformat(),
                     "say": {"key": "summary_digest",
                             "values": {"count": len(items), "gp": gp.name}}},
            created_at=now,
        )
        session.add(esc)
        session.flush()
        for channel, recipient in gp_channels(gp):
            session.add(
                Notification(
                    idempotency_key=f"esc{esc.id}:{channel}:{recipient}:digest",
                    escalation_id=esc.id,
                    channel=channel,
                    recipient=recipient,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        audit(
            session,
            now,
            "system",
            "digest_created",
            None,
            escalation_id=esc.id,
            gp_id=gp.id,
            items=len(items),
        )
        out.append(esc)
    return out

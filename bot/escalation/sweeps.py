"""The disengagement sweep: an enrolled patient with no activity for N days
(DISENGAGED_AFTER_DAYS) is escalated to their GP, once per quiet spell."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.tables import Escalation, Patient
from bot.escalation.outbox import EscalationRequest, escalate


def sweep_disengaged(session: Session, now: datetime, after_days: int) -> list[Escalation]:
    cutoff = now - timedelta(days=after_days)
    last = func.coalesce(Patient.last_active_at, Patient.consented_at)
    finished = select(Escalation.patient_id).where(
        Escalation.kind == "program_finished", Escalation.patient_id.is_not(None)
    )
    patients = (
        session.execute(
            select(Patient)
            .where(
                Patient.status == "consented",
                last.is_not(None),
                last <= cutoff,
                Patient.id.not_in(finished),
            )
            .order_by(Patient.id)
        )
        .scalars()
        .all()
    )
    out = []
    for patient in patients:
        since = patient.last_active_at or patient.consented_at
        days = (now - since).days
        out.append(
            escalate(
                session,
                patient,
                EscalationRequest(
                    kind="disengaged",
                    urgency="routine",
                    say=("summary_disengaged", {"ref": patient.ref, "days": days}),
                    details={"last_active_at": since.isoformat(), "days": days},
                    # One escalation per quiet spell: a new one only after new activity.
                    idempotency_key=f"disengaged:{patient.id}:{since.isoformat()}",
                ),
                now,
            )
        )
    return out

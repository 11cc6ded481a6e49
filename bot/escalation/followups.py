"""Follow-ups: the GP records that a follow-up consultation was held; which follow-ups
are due or overdue (for the daily digest); whether a module's follow-up was held (the
unlock rule in bot.program.service)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.audit import audit
from bot.db.tables import Escalation, Gp, Patient, Practice
from bot.db.tables.escalation import FollowUp

FOLLOWUP_KINDS = ("followup_due", "program_finished")
MAX_NOTE = 2000


class FollowUpError(ValueError):
    """Bad input when recording a follow-up; the message is for the GP."""


def record_followup(
    session: Session, escalation_id: int, held_on: date, note: str, by: str, now: datetime
) -> FollowUp:
    esc = session.get(Escalation, escalation_id)
    if esc is None or esc.patient_id is None:
        raise FollowUpError(f"no patient escalation #{escalation_id}")
    if held_on > now.date() + timedelta(days=1):
        raise FollowUpError("the follow-up date is in the future")
    if held_on < esc.created_at.date() - timedelta(days=1):
        raise FollowUpError("the follow-up date is before the escalation")
    note = note.strip()[:MAX_NOTE]
    existing = (
        session.execute(select(FollowUp).where(FollowUp.escalation_id == esc.id)).scalars().first()
    )
    if existing is not None:
        return existing
    fu = FollowUp(
        patient_id=esc.patient_id,
        gp_id=esc.gp_id,
        escalation_id=esc.id,
        module_id=(esc.details or {}).get("module_id"),
        held_on=held_on,
        note=note,
        recorded_by=by[:200],
        recorded_at=now,
    )
    session.add(fu)
    if esc.status == "open":
        esc.acknowledged_at = now
        esc.acknowledged_by = by[:200]
    esc.status = "closed"
    session.flush()
    audit(
        session,
        now,
        by[:100],
        "followup_recorded",
        esc.patient_id,
        escalation_id=esc.id,
        followup_id=fu.id,
        held_on=held_on.isoformat(),
        module=fu.module_id,
    )
    return fu


def followup_held(session: Session, patient_id: int, module_id: str) -> bool:
    return (
        session.execute(
            select(FollowUp.id)
            .where(FollowUp.patient_id == patient_id, FollowUp.module_id == module_id)
            .limit(1)
        ).first()
        is not None
    )


def last_followup(session: Session, patient_id: int) -> FollowUp | None:
    return session.execute(
        select(FollowUp)
        .where(FollowUp.patient_id == patient_id)
        .order_by(FollowUp.recorded_at.desc(), FollowUp.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class DueFollowUp:
    escalation: Escalation
    patient: Patient
    since: datetime
    overdue: bool


def due_followups(session: Session, gp: Gp, now: datetime) -> list[DueFollowUp]:
    """Follow-ups asked for (module finished, program finished) and not yet recorded;
    overdue once the practice's waiting time has passed."""
    practice = session.get(Practice, gp.practice_id)
    wait = timedelta(days=practice.followup_wait_days if practice else 7)
    held = select(FollowUp.escalation_id).where(FollowUp.escalation_id.is_not(None))
    rows = session.execute(
        select(Escalation, Patient)
        .join(Patient, Patient.id == Escalation.patient_id)
        .where(
            Escalation.gp_id == gp.id,
            Escalation.kind.in_(FOLLOWUP_KINDS),
            Escalation.status != "closed",
            Escalation.id.not_in(held),
            Patient.status != "withdrawn",
        )
        .order_by(Escalation.created_at)
    ).all()
    return [DueFollowUp(e, p, e.created_at, now - e.created_at > wait) for e, p in rows]

"""When to escalate (besides risk, which bot.safety.response handles)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.content.model import Program
from bot.db.tables import Escalation, Patient
from bot.escalation.outbox import EscalationRequest, escalate


def on_consented(session: Session, patient: Patient, now: datetime) -> Escalation:
    return escalate(session, patient, EscalationRequest(
        kind="new_patient", urgency="routine",
        say=("summary_new_patient", {"ref": patient.ref}),
        details={}, idempotency_key=f"new_patient:{patient.id}",
    ), now)


def on_withdrawn(session: Session, patient: Patient, now: datetime) -> Escalation:
    """The patient stopped the program and withdrew consent in chat: the GP is told,
    and whether they asked for their data to be erased (the practice does that)."""
    return escalate(session, patient, EscalationRequest(
        kind="withdrawn", urgency="routine",
        say=("summary_withdrawn", {"ref": patient.ref}),
        details={}, idempotency_key=f"withdrawn:{patient.id}:{now.isoformat()}",
    ), now)


def on_erasure_requested(session: Session, patient: Patient, due_at: datetime,
                         now: datetime) -> Escalation:
    """The patient asked in chat for their data to be erased: the GP is told when, so
    that what the practice must keep goes into the medical record before then."""
    return escalate(session, patient, EscalationRequest(
        kind="erasure_requested", urgency="routine",
        say=("summary_erasure_requested", {"ref": patient.ref, "when": due_at.strftime("%Y-%m-%d %H:%M UTC")}),
        details={"due_at": due_at.isoformat()},
        idempotency_key=f"erasure_requested:{patient.id}:{now.isoformat()}",
    ), now)


def on_module_finished(session: Session, patient: Patient, module_id: str, program: Program,
                       now: datetime) -> Escalation:
    module = program.module(module_id)
    nxt = program.next_module(module_id)
    if nxt is None:
        return escalate(session, patient, EscalationRequest(
            kind="program_finished", urgency="routine",
            say=("summary_program_finished", {"ref": patient.ref, "module": module.title}),
            details={"module_id": module.id}, idempotency_key=f"program_finished:{patient.id}",
        ), now)
    return escalate(session, patient, EscalationRequest(
        kind="followup_due", urgency="routine",
        say=("summary_followup_due",
             {"ref": patient.ref, "order": module.order, "module": module.title}),
        details={"module_id": module.id, "next_module_id": nxt.id,
                 "key_points": list(module.gp.key_points),
                 "agenda": [{"minutes": a.minutes, "item": a.item} for a in module.gp.agenda]},
        idempotency_key=f"followup_due:{patient.id}:{module.id}",
    ), now)

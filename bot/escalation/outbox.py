"""The escalation outbox.

`escalate()` writes an escalation and one pending notification per channel of the
GP, in the caller's transaction: the escalation exists exactly when the event that
caused it does. Delivery is a separate worker's job (at least once, with retries);
the idempotency keys make a repeated call, or a repeated delivery, a no-op.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.audit import audit
from bot.db.tables import Escalation, Gp, Notification, Patient, Practice

KINDS = {"risk", "deterioration", "followup_due", "disengaged", "program_finished", "new_patient",
         "withdrawn", "erasure_requested"}
URGENCIES = {"urgent", "soon", "routine"}


@dataclass(frozen=True)
class EscalationRequest:
    """``say`` is the summary as a gp.yaml key and its values, so that each GP reads it
    in their language; ``summary`` is stored too (English), for tools and old rows."""

    kind: str
    urgency: str
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""
    risk_event_id: int | None = None
    say: tuple[str, dict[str, Any]] | None = None

    def summary_text(self) -> str:
        if self.summary or self.say is None:
            return self.summary
        from bot.content.texts import gp_line

        return gp_line("en", self.say[0], **self.say[1])

    def stored_details(self) -> dict[str, Any]:
        if self.say is None:
            return self.details
        return {**self.details, "say": {"key": self.say[0], "values": dict(self.say[1])}}


def gp_channels(gp: Gp) -> list[tuple[str, str]]:
    """(channel, recipient) pairs for a GP; console is always included as a safety net."""
    wanted = [c.strip() for c in (gp.notify_channels or "").split(",") if c.strip()]
    pairs: list[tuple[str, str]] = [("console", gp.email)]
    if "email" in wanted:
        pairs.append(("email", gp.email))
    if "telegram" in wanted and gp.telegram_chat_id:
        pairs.append(("telegram", gp.telegram_chat_id))
    return pairs


def escalate(session: Session, patient: Patient, request: EscalationRequest, now: datetime) -> Escalation:
    if request.kind not in KINDS:
        raise ValueError(f"unknown escalation kind {request.kind!r}")
    if request.urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {request.urgency!r}")
    if not request.idempotency_key:
        raise ValueError("an escalation needs an idempotency key")
    existing = session.execute(
        select(Escalation).where(Escalation.idempotency_key == request.idempotency_key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    gp = session.get(Gp, patient.gp_id)
    assert gp is not None
    practice = session.get(Practice, gp.practice_id)
    assert practice is not None
    deadline = None
    if request.urgency == "urgent":
        deadline = now + timedelta(minutes=practice.ack_deadline_minutes)
    elif request.urgency == "soon":
        deadline = now + timedelta(days=2)
    esc = Escalation(
        idempotency_key=request.idempotency_key, patient_id=patient.id, gp_id=gp.id,
        kind=request.kind, urgency=request.urgency, status="open",
        summary=request.summary_text(), details=request.stored_details(),
        risk_event_id=request.risk_event_id, created_at=now,
        ack_deadline=deadline,
    )
    session.add(esc)
    session.flush()
    for channel, recipient in gp_channels(gp):
        session.add(Notification(
            idempotency_key=f"esc{esc.id}:{channel}:{recipient}:initial",
            escalation_id=esc.id, channel=channel, recipient=recipient, status="pending",
            attempts=0, next_attempt_at=now, created_at=now,
        ))
    audit(session, now, "system", "escalation_created", patient.id, escalation_id=esc.id,
          kind=request.kind, urgency=request.urgency, gp_id=gp.id)
    return esc

"""Acknowledgement deadlines: an unacknowledged escalation is sent again to its GP
(reminder1) at its deadline, and an urgent one then goes to the practice's duty
doctor(s) and fallback contact (failover). Each step is a set of new notification
rows with their own idempotency keys, plus an audit entry, so a step happens once
however often, and by however many workers, the check runs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.audit import audit
from bot.db.tables import Escalation, Gp, Notification, Practice
from bot.escalation.outbox import gp_channels

log = logging.getLogger(__name__)
MAX_FAILOVER_GRACE = timedelta(minutes=15)


def failover_grace(esc: Escalation) -> timedelta:
    """Time between the reminder and the fail-over: half the acknowledgement window,
    at most 15 minutes."""
    assert esc.ack_deadline is not None
    return min((esc.ack_deadline - esc.created_at) / 2, MAX_FAILOVER_GRACE)


def _add(
    session: Session,
    esc: Escalation,
    channel: str,
    recipient: str,
    stage: str,
    now: datetime,
    keys: set[str],
) -> bool:
    key = f"esc{esc.id}:{channel}:{recipient}:{stage}"
    if key in keys:
        return False
    session.add(
        Notification(
            idempotency_key=key,
            escalation_id=esc.id,
            channel=channel,
            recipient=recipient,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    keys.add(key)
    return True


def failover_recipients(session: Session, esc: Escalation) -> list[tuple[str, str]]:
    gp = session.get(Gp, esc.gp_id) if esc.gp_id else None
    if gp is None:
        return []
    practice = session.get(Practice, gp.practice_id)
    pairs: list[tuple[str, str]] = []
    duty = session.execute(
        select(Gp)
        .where(
            Gp.practice_id == gp.practice_id,
            Gp.is_duty_doctor.is_(True),
            Gp.active.is_(True),
            Gp.id != gp.id,
        )
        .order_by(Gp.id)
    ).scalars()
    for doctor in duty:
        pairs += [p for p in gp_channels(doctor) if p not in pairs]
    if practice is not None and practice.fallback_contact_email:
        for pair in (
            ("console", practice.fallback_contact_email),
            ("email", practice.fallback_contact_email),
        ):
            if pair not in pairs:
                pairs.append(pair)
    return pairs


def check_deadlines(session: Session, now: datetime) -> int:
    """Adds reminder and fail-over notifications that are due; returns how many."""
    added = 0
    overdue = (
        session.execute(
            select(Escalation)
            .where(
                Escalation.status == "open",
                Escalation.ack_deadline.is_not(None),
                Escalation.ack_deadline <= now,
                Escalation.urgency.in_(("urgent", "soon")),
            )
            .order_by(Escalation.id)
        )
        .scalars()
        .all()
    )
    for esc in overdue:
        keys = set(
            session.execute(
                select(Notification.idempotency_key).where(Notification.escalation_id == esc.id)
            ).scalars()
        )
        gp = session.get(Gp, esc.gp_id) if esc.gp_id else None
        if gp is not None and not any(k.endswith(":reminder1") for k in keys):
            n = sum(_add(session, esc, c, r, "reminder1", now, keys) for c, r in gp_channels(gp))
            audit(
                session,
                now,
                "system",
                "escalation_reminder",
                esc.patient_id,
                escalation_id=esc.id,
                notifications=n,
            )
            added += n
        if esc.urgency != "urgent" or now < esc.ack_deadline + failover_grace(esc):
            continue
        if any(k.endswith(":failover") for k in keys):
            continue
        pairs = failover_recipients(session, esc)
        if not pairs:
            # Nobody to fail over to: say so loudly, once, on the console.
            _add(session, esc, "console", "no-duty-doctor-or-fallback", "failover", now, keys)
            log.error(
                "escalation #%s is unacknowledged and the practice has no duty doctor "
                "or fallback contact",
                esc.id,
            )
        n = sum(_add(session, esc, c, r, "failover", now, keys) for c, r in pairs)
        audit(
            session,
            now,
            "system",
            "escalation_failover",
            esc.patient_id,
            escalation_id=esc.id,
            recipients=[r for _, r in pairs],
            notifications=n,
        )
        added += n
    return added

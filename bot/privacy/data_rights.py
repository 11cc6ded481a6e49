"""A patient's data rights, for the practice to carry out: everything held about one
patient, exported; and everything erased.

    python -m bot patients export P-XXXXXX [--out file.json]
    python -m bot patients erase P-XXXXXX --confirm P-XXXXXX

Both are audited. *Export* writes every row that names the patient (progress, workbook,
check-ins, consent, risk events, escalations, notifications, follow-ups, reminders) and
the conversation from Rasa's tracker store, as JSON. *Erase* deletes all of that and the
conversation, and keeps only a tombstone of the patient row (the pseudonymous reference,
status ``erased``) so that the append-only audit log still points at something; the
audit log holds no message text (risk words stay with the risk event, which is erased).
This product is not the medical record: before erasing, the GP copies into the record
what the practice must keep (the export is the way to do it).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, delete, inspect, select
from sqlalchemy.orm import Session

from bot.db.audit import audit
from bot.db.tables import (
    ChannelIdentity,
    ConsentRecord,
    Escalation,
    Invite,
    ModuleProgress,
    Notification,
    Patient,
    RiskEvent,
    WorkbookEntry,
)
from bot.db.tables.checkins import CheckIn, CheckInAnswer, ReminderPreference, ReminderSend
from bot.db.tables.escalation import DeliveryAttempt, FollowUp

# Tables with a patient_id, in an order that deletes children first.
_BY_PATIENT = (ReminderSend, ReminderPreference, FollowUp, WorkbookEntry, ModuleProgress,
               ConsentRecord, Invite, ChannelIdentity)


class DataRightsError(ValueError):
    """The request cannot be carried out as given; the message is for the operator."""


def _row(obj: Any) -> dict[str, Any]:
    out = {}
    for col in inspect(obj).mapper.column_attrs:
        value = getattr(obj, col.key)
        out[col.key] = value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value
    return out


def find(session: Session, ref: str) -> Patient:
    patient = session.execute(select(Patient).where(Patient.ref == ref.strip())).scalar_one_or_none()
    if patient is None:
        raise DataRightsError(f"no patient {ref!r} (python -m bot patients list)")
    return patient


def _sender_ids(session: Session, patient: Patient) -> list[str]:
    return list(session.execute(select(ChannelIdentity.sender_id).where(
        ChannelIdentity.patient_id == patient.id)).scalars())


def _tracker_events(tracker_url: str | None, senders: Iterable[str]) -> tuple[Table, Any] | None:
    """Rasa's tracker table (``events``) and an engine, or None when there is none."""
    senders = list(senders)
    if not tracker_url or not senders:
        return None
    engine = create_engine(tracker_url, future=True)
    if not inspect(engine).has_table("events"):
        engine.dispose()
        return None
    return Table("events", MetaData(), autoload_with=engine), engine


def export_patient(session: Session, patient: Patient, tracker_url: str | None,
                   now: dt.datetime, actor: str = "cli") -> dict[str, Any]:
    """Everything held about the patient, as plain JSON-able data (audited)."""
    data: dict[str, Any] = {"exported_at": now.isoformat(), "patient": _row(patient)}
    for model in _BY_PATIENT:
        data[model.__tablename__] = [_row(r) for r in session.execute(
            select(model).where(model.patient_id == patient.id)).scalars()]
    checkins = session.execute(select(CheckIn).where(CheckIn.patient_id == patient.id)).scalars().all()
    data["checkins"] = [{**_row(c), "answers": [_row(a) for a in session.execute(
        select(CheckInAnswer).where(CheckInAnswer.checkin_id == c.id)).scalars()]} for c in checkins]
    data["risk_events"] = [_row(r) for r in session.execute(
        select(RiskEvent).where(RiskEvent.patient_id == patient.id)).scalars()]
    escalations = session.execute(select(Escalation).where(
        Escalation.patient_id == patient.id)).scalars().all()
    data["escalations"] = [{**_row(e), "notifications": [_row(n) for n in session.execute(
        select(Notification).where(Notification.escalation_id == e.id)).scalars()]}
        for e in escalations]
    senders = _sender_ids(session, patient)
    found = _tracker_events(tracker_url, senders)
    data["conversation"] = []
    if found is not None:
        table, engine = found
        with engine.connect() as con:
            rows = con.execute(select(table.c.timestamp, table.c.type_name, table.c.data)
                               .where(table.c.sender_id.in_(senders))
                               .order_by(table.c.id)).all()
        engine.dispose()
        for stamp, kind, raw in rows:
            if kind in ("user", "bot"):
                event = json.loads(raw)
                data["conversation"].append({"at": stamp, "who": "patient" if kind == "user" else "bot",
                                             "text": event.get("text")})
    audit(session, now, actor, "patient_exported", patient.id)
    return data


def erase_patient(session: Session, patient: Patient, tracker_url: str | None,
                  now: dt.datetime, actor: str = "cli") -> dict[str, int]:
    """Deletes everything held about the patient but a tombstone; returns the counts."""
    if patient.status == "erased":
        raise DataRightsError(f"{patient.ref} was erased already")
    counts: dict[str, int] = {}
    senders = _sender_ids(session, patient)

    def gone(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + n

    checkin_ids = list(session.execute(select(CheckIn.id).where(CheckIn.patient_id == patient.id)).scalars())
    if checkin_ids:
        gone("checkin_answers", session.execute(
            delete(CheckInAnswer).where(CheckInAnswer.checkin_id.in_(checkin_ids))).rowcount)
    esc_ids = list(session.execute(select(Escalation.id).where(
        Escalation.patient_id == patient.id)).scalars())
    if esc_ids:
        note_ids = list(session.execute(select(Notification.id).where(
            Notification.escalation_id.in_(esc_ids))).scalars())
        if note_ids:
            gone("delivery_attempts", session.execute(delete(DeliveryAttempt).where(
                DeliveryAttempt.notification_id.in_(note_ids))).rowcount)
        gone("notifications", session.execute(delete(Notification).where(
            Notification.escalation_id.in_(esc_ids))).rowcount)
        gone("followups", session.execute(delete(FollowUp).where(
            FollowUp.escalation_id.in_(esc_ids))).rowcount)
    for model in _BY_PATIENT:
        gone(model.__tablename__, session.execute(
            delete(model).where(model.patient_id == patient.id)).rowcount)
    gone("escalations", session.execute(delete(Escalation).where(
        Escalation.patient_id == patient.id)).rowcount)
    gone("checkins", session.execute(delete(CheckIn).where(CheckIn.patient_id == patient.id)).rowcount)
    gone("risk_events", session.execute(delete(RiskEvent).where(
        RiskEvent.patient_id == patient.id)).rowcount)
    # Risk events and escalations from before linking carry the sender id, not the patient.
    if senders:
        gone("risk_events", session.execute(delete(RiskEvent).where(
            RiskEvent.patient_id.is_(None), RiskEvent.sender_id.in_(senders))).rowcount)
    patient.status = "erased"
    patient.contact_route = None
    patient.share_workbook = False
    patient.risk_open_since = None
    found = _tracker_events(tracker_url, senders)
    if found is not None:
        table, engine = found
        with engine.begin() as con:
            gone("conversation_events", con.execute(delete(table).where(
                table.c.sender_id.in_(senders))).rowcount)
        engine.dispose()
    audit(session, now, actor, "patient_erased", patient.id,
          **{k: v for k, v in sorted(counts.items()) if v})
    return counts

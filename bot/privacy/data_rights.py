"""A patient's data rights: everything held about one patient, exported; and
everything erased.

    python -m bot patients export P-XXXXXX [--out file.json]
    python -m bot patients erase P-XXXXXX --confirm P-XXXXXX

and in chat ("send me my data", "delete my data"; actions/privacy.py): the patient gets
a signed link, valid for a day, to a readable page and a JSON file of their data; an
erasure asked for in chat is carried out by the worker after ERASURE_GRACE_HOURS (the
GP is told when, and copies into the medical record what the practice must keep: this
product is not the record).

Both are audited. *Export* gathers every row that names the patient (progress, workbook,
check-ins, consent, risk events, escalations, notifications, follow-ups, reminders) and
the conversation from Rasa's tracker store. *Erase* deletes all of that, the
conversation of every chat id the patient used, their reminder jobs, the e-mails in
var/mail/ that name them, and masks their reference and chat ids in var/log/. It keeps
a tombstone of the patient row (status ``erased``, its reference replaced) so that the
append-only audit log still points at something; the audit log holds no message text.
On SQLite, deleted rows are overwritten (``secure_delete``) and the write-ahead log is
truncated, so the words do not linger in free pages of the database files.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import MetaData, Table, create_engine, delete, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.db.actors import pseudonym
from bot.db.audit import audit
from bot.db.tables import (
    ChannelIdentity,
    ConsentRecord,
    Escalation,
    Invite,
    ModuleProgress,
    Notification,
    Patient,
    PendingLink,
    RiskEvent,
    WorkbookEntry,
)
from bot.db.tables.checkins import CheckIn, CheckInAnswer, ReminderPreference, ReminderSend
from bot.db.tables.escalation import DeliveryAttempt, FollowUp
from bot.db.tables.privacy import Erasure
from bot.reminders.jobstore import JOBSTORE_TABLE

log = logging.getLogger(__name__)

# How long a chat export link works, and how long after an erasure the second pass
# looks for conversation events Rasa wrote back for a message in flight.
EXPORT_LINK_SECONDS = 24 * 3600
SECOND_PASS_AFTER = dt.timedelta(minutes=2)
# An erasure waits for the GP's notification to be delivered, but not for ever.
MAX_WAIT_FOR_DELIVERY = dt.timedelta(hours=24)

# Tables with a patient_id, in an order that deletes children first.
_BY_PATIENT = (ReminderSend, ReminderPreference, FollowUp, WorkbookEntry, ModuleProgress,
               ConsentRecord, Invite, PendingLink, ChannelIdentity)


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


def tracker_table(tracker_url: str | None) -> tuple[Table, Engine] | None:
    """Rasa's tracker table (``events``) and an engine (the caller disposes of it), or
    None when there is none."""
    if not tracker_url:
        return None
    engine = create_engine(tracker_url, future=True)
    if not inspect(engine).has_table("events"):
        engine.dispose()
        return None
    return Table("events", MetaData(), autoload_with=engine), engine


def _tracker_events(tracker_url: str | None, senders: Iterable[str]) -> tuple[Table, Engine] | None:
    return tracker_table(tracker_url) if list(senders) else None


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


def _sqlite_secure(conn: Connection | Session) -> None:
    """On SQLite, deleted rows are overwritten with zeros instead of left in free pages
    (per connection; the deleting connection is the one that matters)."""
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    if bind.dialect.name == "sqlite":
        conn.execute(text("PRAGMA secure_delete=ON"))


def checkpoint(engine: Engine) -> None:
    """On SQLite in WAL mode, copies the log into the database and truncates it, so
    older versions of erased pages do not stay in the -wal file."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as con:
        con.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def conversation_ids(tracker_url: str | None) -> list[str]:
    """Every chat id Rasa's tracker store holds a conversation for."""
    found = tracker_table(tracker_url)
    if found is None:
        return []
    table, engine = found
    try:
        with engine.connect() as con:
            return list(con.execute(select(table.c.sender_id).distinct()).scalars())
    finally:
        engine.dispose()


def purge_conversations(tracker_url: str | None, senders: Iterable[str]) -> int:
    """Deletes every tracker event of these chat ids from Rasa's tracker store."""
    found = _tracker_events(tracker_url, senders)
    if found is None:
        return 0
    table, engine = found
    try:
        with engine.begin() as con:
            _sqlite_secure(con)
            n = con.execute(delete(table).where(table.c.sender_id.in_(list(senders)))).rowcount
        checkpoint(engine)
    finally:
        engine.dispose()
    return int(n or 0)


_SQLITE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite", ".sqlite3")


def scrub_files(folder: Path | None, needles: Iterable[str]) -> dict[str, int]:
    """In ``folder`` (var/): deletes the e-mails (``*.eml``) that name any of
    ``needles`` (the patient's reference and chat ids), and masks them byte for byte in
    every other file but the databases and secrets, i.e. the logs (in place: processes
    appending to a log are not disturbed). Returns the counts."""
    counts = {"mail_files": 0, "log_mentions": 0}
    wanted = [n.encode() for n in needles if n and len(n) >= 4]
    if folder is None or not wanted or not folder.is_dir():
        return counts
    for path in folder.rglob("*"):
        if (not path.is_file() or path.is_symlink() or "secrets" in path.relative_to(folder).parts
                or path.name.endswith(_SQLITE_SUFFIXES)):
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            body = os.pread(fd, os.fstat(fd).st_size, 0)
            if body.startswith(b"SQLite format 3"):
                continue
            if path.suffix == ".eml":
                if any(w in body for w in wanted):
                    path.unlink(missing_ok=True)
                    counts["mail_files"] += 1
                continue
            for w in wanted:
                start = body.find(w)
                while start != -1:
                    os.pwrite(fd, b"#" * len(w), start)
                    counts["log_mentions"] += 1
                    start = body.find(w, start + len(w))
        finally:
            os.close(fd)
    return counts


def _tombstone_ref(session: Session) -> str:
    while True:
        ref = "X-" + secrets.token_hex(4).upper()
        if session.execute(select(Patient.id).where(Patient.ref == ref)).first() is None:
            return ref


def erase_patient(session: Session, patient: Patient, tracker_url: str | None,
                  now: dt.datetime, actor: str = "cli",
                  files: Path | None = None) -> dict[str, int]:
    """Deletes everything held about the patient but a tombstone; returns the counts.
    ``files`` is the var/ folder whose mail and logs are scrubbed (None: not scrubbed)."""
    if patient.status == "erased":
        raise DataRightsError(f"{patient.ref} was erased already")
    _sqlite_secure(session)
    counts: dict[str, int] = {}
    senders = _sender_ids(session, patient)
    senders += [s for s in session.execute(select(RiskEvent.sender_id).where(
        RiskEvent.patient_id == patient.id)).scalars() if s not in senders]
    ref = patient.ref

    def gone(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + int(n or 0)

    checkin_ids = list(session.execute(select(CheckIn.id).where(CheckIn.patient_id == patient.id)).scalars())
    if checkin_ids:
        gone("checkin_answers", session.execute(
            delete(CheckInAnswer).where(CheckInAnswer.checkin_id.in_(checkin_ids))).rowcount)
    risk_ids = list(session.execute(select(RiskEvent.id).where(
        RiskEvent.patient_id == patient.id)).scalars())
    if senders:
        # Risk events from before linking carry the chat id, not the patient.
        risk_ids += list(session.execute(select(RiskEvent.id).where(
            RiskEvent.patient_id.is_(None), RiskEvent.sender_id.in_(senders))).scalars())
    esc_where = Escalation.patient_id == patient.id
    if risk_ids:
        esc_where = esc_where | Escalation.risk_event_id.in_(risk_ids)
    esc_ids = list(session.execute(select(Escalation.id).where(esc_where)).scalars())
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
    # The GP's daily digests list the patients due a follow-up by reference.
    for digest in session.execute(select(Escalation).where(
            Escalation.kind == "digest", Escalation.gp_id == patient.gp_id)).scalars():
        items = list((digest.details or {}).get("items") or [])
        kept = [i for i in items if i.get("ref") != ref and i.get("escalation_id") not in esc_ids]
        if len(kept) != len(items):
            digest.details = {**digest.details, "items": kept}
            gone("digest_items", len(items) - len(kept))
    if esc_ids:
        gone("escalations", session.execute(delete(Escalation).where(
            Escalation.id.in_(esc_ids))).rowcount)
    gone("checkins", session.execute(delete(CheckIn).where(CheckIn.patient_id == patient.id)).rowcount)
    if risk_ids:
        gone("risk_events", session.execute(delete(RiskEvent).where(
            RiskEvent.id.in_(risk_ids))).rowcount)
    # The reminder jobs (APScheduler's table, in this database): their ids name the
    # patient's row id only, but a job for an erased patient has nothing left to do.
    if inspect(session.connection()).has_table(JOBSTORE_TABLE):
        gone("reminder_jobs", session.execute(
            text(f"DELETE FROM {JOBSTORE_TABLE} WHERE id LIKE :a OR id LIKE :b"),
            {"a": f"%:{patient.id}", "b": f"resync:{patient.id}"}).rowcount)
    patient.status = "erased"
    patient.ref = _tombstone_ref(session)
    patient.contact_route = None
    patient.share_workbook = False
    patient.risk_open_since = None
    patient.last_active_at = None
    gone("conversation_events", purge_conversations(tracker_url, senders))
    for key, n in scrub_files(files, [ref, *senders]).items():
        gone(key, n)
    pending = session.execute(select(Erasure).where(
        Erasure.patient_id == patient.id, Erasure.done_at.is_(None))).scalars().all()
    erasure = pending[0] if pending else Erasure(
        patient_id=patient.id, requested_at=now, requested_by=actor[:32], due_at=now)
    erasure.done_at = now
    # For the second pass, as pseudonyms: the chat ids themselves are gone now.
    erasure.senders = sorted({pseudonym(s) for s in senders}) or None
    session.add(erasure)
    audit(session, now, actor, "patient_erased", patient.id,
          **{k: v for k, v in sorted(counts.items()) if v})
    return counts


# ---- erasure asked for in chat: carried out by the worker after a grace period ----

def pending_erasure(session: Session, patient: Patient) -> Erasure | None:
    return session.execute(select(Erasure).where(
        Erasure.patient_id == patient.id, Erasure.done_at.is_(None),
        Erasure.cancelled_at.is_(None))).scalars().first()


def request_erasure(session: Session, patient: Patient, now: dt.datetime, by: str,
                    grace: dt.timedelta) -> tuple[Erasure, bool]:
    """Schedules the patient's erasure; (the erasure, whether it is new)."""
    if patient.status == "erased":
        raise DataRightsError(f"{patient.ref} was erased already")
    existing = pending_erasure(session, patient)
    if existing is not None:
        return existing, False
    erasure = Erasure(patient_id=patient.id, requested_at=now, requested_by=by[:32],
                      due_at=now + grace)
    session.add(erasure)
    audit(session, now, by, "erasure_requested", patient.id, due_at=erasure.due_at.isoformat())
    session.flush()
    return erasure, True


def run_due_erasures(db: Any, tracker_url: str | None, files: Path | None,
                     now: dt.datetime) -> int:
    """Carries out the erasures that are due (waiting, up to a day, for the patient's
    notifications to the GP to be delivered first), then the second passes. Each
    erasure commits on its own. Returns how many were carried out."""
    done = 0
    with db.session() as s:
        due = list(s.execute(select(Erasure.id).where(
            Erasure.done_at.is_(None), Erasure.cancelled_at.is_(None),
            Erasure.due_at <= now)).scalars())
    for erasure_id in due:
        with db.session() as s:
            erasure = s.get(Erasure, erasure_id)
            if erasure is None or erasure.done_at is not None:
                continue
            patient = s.get(Patient, erasure.patient_id)
            if patient is None or patient.status == "erased":
                erasure.done_at = now
                continue
            undelivered = s.execute(
                select(Notification.id).join(Escalation, Notification.escalation_id == Escalation.id)
                .where(Escalation.patient_id == patient.id,
                       Notification.status.in_(("pending", "sending")))).first()
            if undelivered is not None and now - erasure.due_at < MAX_WAIT_FOR_DELIVERY:
                continue
            erase_patient(s, patient, tracker_url, now, actor=f"erasure:{erasure.requested_by}",
                          files=files)
            done += 1
        checkpoint(db.engine)
    with db.session() as s:
        for erasure in s.execute(select(Erasure).where(
                Erasure.senders.isnot(None), Erasure.done_at <= now - SECOND_PASS_AFTER)).scalars():
            wanted = set(erasure.senders or [])
            purge_conversations(tracker_url, [c for c in conversation_ids(tracker_url)
                                              if pseudonym(c) in wanted])
            _sqlite_secure(s)
            erasure.senders = None
            erasure.second_pass_at = now
    if done:
        log.info("erasure: %d patient(s) erased", done)
    return done


# ---- the patient's own export, behind a signed link ----

def _export_serializer(keys: str | Sequence[str]) -> URLSafeTimedSerializer:
    """``keys`` newest first (Settings.secret_keys); itsdangerous wants them oldest
    first and signs with the last, so links made before a key rotation still open."""
    ordered = [keys] if isinstance(keys, str) else list(reversed(keys))
    return URLSafeTimedSerializer(ordered, salt="patient-export-v1")


def export_token(secret: str | Sequence[str], patient: Patient) -> str:
    """A link token naming the patient's row (and a random part); valid for a day."""
    return str(_export_serializer(secret).dumps({"p": patient.id, "n": secrets.token_hex(4)}))


def read_export_token(secret: str | Sequence[str], token: str) -> int:
    """The patient's row id, or DataRightsError for an expired or forged token."""
    try:
        data = _export_serializer(secret).loads(token, max_age=EXPORT_LINK_SECONDS)
    except SignatureExpired as exc:
        raise DataRightsError("expired") from exc
    except BadSignature as exc:
        raise DataRightsError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise DataRightsError("invalid")
    return int(data["p"])

"""The product's tables.

Timestamps are stored as naive UTC and handed back timezone-aware (UTCDateTime), so
SQLite and PostgreSQL behave the same. Patients are known by a pseudonymous
reference; no names of patients are stored.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING))


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Practice(Base):
    __tablename__ = "practices"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    country = Column(String(2), nullable=False, default="NO")
    timezone = Column(String(64), nullable=False, default="Europe/Oslo")
    language = Column(String(8))  # None: from the country (bot/core/language.py)
    # Minutes within which an urgent escalation must be acknowledged.
    ack_deadline_minutes = Column(Integer, nullable=False, default=60)
    # Days after which the next module unlocks even if no follow-up was recorded.
    followup_wait_days = Column(Integer, nullable=False, default=7)
    fallback_contact_email = Column(String(254))
    created_at = Column(UTCDateTime, nullable=False)

    gps = relationship("Gp", back_populates="practice")


class Gp(Base):
    __tablename__ = "gps"
    id = Column(Integer, primary_key=True)
    practice_id = Column(ForeignKey("practices.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    email = Column(String(254), nullable=False, unique=True)
    telegram_chat_id = Column(String(64))
    language = Column(String(8))  # None: the practice's language
    # Comma-separated notification channels: console, email, telegram.
    notify_channels = Column(String(100), nullable=False, default="console,email")
    is_duty_doctor = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)

    practice = relationship("Practice", back_populates="gps")


class Patient(Base):
    __tablename__ = "patients"
    id = Column(Integer, primary_key=True)
    ref = Column(String(16), nullable=False, unique=True)  # pseudonymous, e.g. P-7K3M9Q
    gp_id = Column(ForeignKey("gps.id"), nullable=False, index=True)
    language = Column(String(8), nullable=False, default="en")
    timezone = Column(String(64), nullable=False, default="Europe/Oslo")
    # invited -> linked -> consented; withdrawn when they stop.
    status = Column(String(16), nullable=False, default="invited")
    share_workbook = Column(Boolean, nullable=False, default=False)
    # Set while a risk conversation is open: module delivery and reminders pause.
    risk_open_since = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False)
    linked_at = Column(UTCDateTime)
    consented_at = Column(UTCDateTime)
    last_active_at = Column(UTCDateTime)
    # How the practice reaches the patient when a risk brief says "contact today"
    # (a phone number, or "use the practice record"), given by the GP at invite.
    contact_route = Column(String(200))

    gp = relationship("Gp")
    identities = relationship("ChannelIdentity", back_populates="patient")


class Invite(Base):
    __tablename__ = "invites"
    id = Column(Integer, primary_key=True)
    code_hash = Column(String(64), nullable=False, unique=True)  # sha256 of the normalised code
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime)
    used_by = Column(String(200))  # channel:sender_id


class ChannelIdentity(Base):
    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "sender_id", name="uq_identity_channel_sender"),)
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    channel = Column(String(32), nullable=False)  # rest, socketio, telegram, ...
    sender_id = Column(String(200), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)

    patient = relationship("Patient", back_populates="identities")


class PendingLink(Base):
    """A new chat that redeemed an invite for a patient who already has a linked chat:
    it is not that patient until a chat already linked sends ``/confirm NNNNNN`` (the
    number shown in the new chat; only its keyed hash is kept). One per new chat;
    deleted when confirmed; a confirmation number lives 10 minutes and a few wrong
    tries end it (bot/enrolment/service.py)."""
    __tablename__ = "pending_links"
    __table_args__ = (UniqueConstraint("channel", "sender_id", name="uq_pending_channel_sender"),)
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    channel = Column(String(32), nullable=False)  # the new chat
    sender_id = Column(String(200), nullable=False)
    code_hash = Column(String(64), nullable=False)  # HMAC of the confirmation number
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    failed_tries = Column(Integer, nullable=False, default=0)


class ConsentRecord(Base):
    __tablename__ = "consent_records"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    language = Column(String(8), nullable=False)
    text_sha256 = Column(String(64), nullable=False)
    decision = Column(String(16), nullable=False)  # agreed | declined | withdrawn
    share_workbook = Column(Boolean)
    at = Column(UTCDateTime, nullable=False)


class ModuleProgress(Base):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("patient_id", "module_id", name="uq_progress_patient_module"),)
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    module_id = Column(String(64), nullable=False)
    content_version = Column(Integer, nullable=False)
    # in_progress | paused | finished
    status = Column(String(16), nullable=False, default="in_progress")
    current_step_id = Column(String(64))
    current_step_index = Column(Integer, nullable=False, default=0)
    current_field_index = Column(Integer, nullable=False, default=0)
    awaiting = Column(String(16))  # None | "next" | "choice" | "text"
    steps_done = Column(Integer, nullable=False, default=0)
    started_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    finished_at = Column(UTCDateTime)


class WorkbookEntry(Base):
    __tablename__ = "workbook_entries"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    module_id = Column(String(64), nullable=False)
    step_id = Column(String(64), nullable=False)
    field_id = Column(String(64))
    prompt = Column(Text, nullable=False)
    answer = Column(Text)  # None when skipped
    skipped = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False)


class RiskEvent(Base):
    __tablename__ = "risk_events"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), index=True)  # None before linking
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(200), nullable=False)
    source = Column(String(32), nullable=False)  # message | phq9_item9
    category = Column(String(32), nullable=False)
    urgency = Column(String(16), nullable=False)
    evidence = Column(JSON, nullable=False)
    message_text = Column(Text, nullable=False)
    context = Column(String(64))  # where in the conversation: module step, form, ...
    bot_response = Column(String(64), nullable=False)
    detected_at = Column(UTCDateTime, nullable=False)
    safety_answer = Column(String(16))  # safe | not_safe | unclear
    closed_at = Column(UTCDateTime)
    # For the GP's risk brief: [{"at": ISO time, "who": "patient"|"bot", "text": ...}],
    # the messages before the triggering one, it, and the answers that followed.
    transcript = Column(JSON)


class Escalation(Base):
    """The outbox: written in the same transaction as the event that caused it."""

    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(200), nullable=False, unique=True)
    patient_id = Column(ForeignKey("patients.id"), index=True)
    gp_id = Column(ForeignKey("gps.id"), index=True)
    kind = Column(String(32), nullable=False)  # risk | deterioration | followup_due | ...
    urgency = Column(String(16), nullable=False)  # urgent | soon | routine
    status = Column(String(16), nullable=False, default="open")  # open | acknowledged | closed
    summary = Column(Text, nullable=False)
    details = Column(JSON, nullable=False)
    risk_event_id = Column(ForeignKey("risk_events.id"))
    created_at = Column(UTCDateTime, nullable=False)
    ack_deadline = Column(UTCDateTime)
    acknowledged_at = Column(UTCDateTime)
    acknowledged_by = Column(String(200))


class Notification(Base):
    """One delivery of an escalation to one recipient over one channel."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(250), nullable=False, unique=True)
    escalation_id = Column(ForeignKey("escalations.id"), nullable=False, index=True)
    channel = Column(String(16), nullable=False)  # console | email | telegram
    recipient = Column(String(254), nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # pending | sending | sent | failed
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    last_error = Column(Text)
    created_at = Column(UTCDateTime, nullable=False)
    sent_at = Column(UTCDateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, index=True)
    actor = Column(String(100), nullable=False)  # patient:P-..., gp:3, system, cli
    action = Column(String(64), nullable=False)
    patient_id = Column(ForeignKey("patients.id"), index=True)
    details = Column(JSON, nullable=False, default=dict)


class AuditChain(Base):
    """One link of the audit log's hash chain per audit entry (bot/db/audit.py).

    A separate table so that an entry is an ordinary row of ``audit_log`` from the moment
    it is written (the transaction that wrote it can read it), while its place in the
    chain is settled only at commit, under the head's lock. ``seq`` is the chain's own
    numbering (1, 2, 3, … in commit order); it does not depend on ``audit_log.id``."""
    __tablename__ = "audit_chain"
    seq = Column(Integer, primary_key=True, autoincrement=False)
    audit_id = Column(ForeignKey("audit_log.id"), nullable=False, unique=True)
    prev_hash = Column(String(64), nullable=False)
    row_hash = Column(String(64), nullable=False)


class AuditHead(Base):
    """The one row (id 1) that says where the chain ends: the last ``seq`` and its hash.

    Every writer updates it first when it chains its entries, which serialises writers
    across processes; and it lets ``audit verify`` see that entries were cut off the end."""
    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id = Column(Integer, primary_key=True, autoincrement=False)
    seq = Column(Integer, nullable=False)
    last_hash = Column(String(64), nullable=False)

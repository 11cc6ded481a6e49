"""Tables for check-ins (PHQ-9, PHQ-2, mood) and reminders.

A check-in is one sitting of one instrument; each answer is its own row (kept as
soon as it is given, so a stopped questionnaire resumes where it stopped).
Reminder preferences are per patient; every reminder sent is recorded under a
unique (patient, purpose, due slot), which is what makes a reminder fire at most
once even if the scheduler crashes between sending it and updating its job.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from bot.db.tables.core import Base, UTCDateTime


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_patient_instrument", "patient_id", "instrument", "status"),
    )
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    instrument = Column(String(16), nullable=False)  # phq9 | phq2 | mood
    instrument_version = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="in_progress")  # in_progress | complete
    # baseline | reminder | module_end | patient
    trigger = Column(String(32), nullable=False, default="patient")
    language = Column(String(8), nullable=False, default="en")
    total = Column(Integer)
    band = Column(String(32))
    note = Column(Text)  # the mood note (free text, checked by the risk detector)
    started_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    completed_at = Column(UTCDateTime)


class CheckInAnswer(Base):
    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("checkin_id", "item", name="uq_checkin_answers_item"),)
    id = Column(Integer, primary_key=True)
    checkin_id = Column(ForeignKey("checkins.id", ondelete="CASCADE"), nullable=False, index=True)
    item = Column(Integer, nullable=False)  # PHQ-9: 1-9, 10 = difficulty; mood: 1
    value = Column(Integer, nullable=False)
    raw_text = Column(String(500))
    answered_at = Column(UTCDateTime, nullable=False)


class ReminderPreference(Base):
    __tablename__ = "reminder_preferences"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, unique=True)
    enabled = Column(Boolean, nullable=False, default=True)
    daily_time = Column(String(5), nullable=False, default="19:00")  # HH:MM, patient's local time
    timezone = Column(String(64))  # None: the patient's timezone
    quiet_hours = Column(String(11))  # HH:MM-HH:MM local; None: QUIET_HOURS (the default)
    paused_until = Column(UTCDateTime)
    phq9_due_on = Column(String(10))  # ISO date (local) the next PHQ-9 is due
    homework_module = Column(String(64))
    homework_due_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False, index=True)


class ReminderSend(Base):
    __tablename__ = "reminder_sends"
    __table_args__ = (
        UniqueConstraint("patient_id", "purpose", "due_slot", name="uq_reminder_sends_slot"),
    )
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    purpose = Column(String(32), nullable=False)  # daily | homework
    due_slot = Column(String(64), nullable=False)  # e.g. 2026-03-02 or m2:2026-03-05
    kind = Column(String(32), nullable=False)  # mood | phq9 | homework
    channel = Column(String(32))
    sender_id = Column(String(200))
    status = Column(String(16), nullable=False)  # sent | failed
    error = Column(Text)
    created_at = Column(UTCDateTime, nullable=False)
    # Failed sends are tried again (bot.reminders.delivery.RETRY_MINUTES): how many
    # attempts so far, and when the next is due (None: sent, or given up).
    attempts = Column(Integer, nullable=False, default=1, server_default="1")
    retry_at = Column(UTCDateTime, index=True)

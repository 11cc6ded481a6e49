"""Tables added by the escalation delivery work: follow-ups, GP Telegram link codes
and the log of delivery attempts (what the worker tried, when, and how it ended)."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text

from bot.db.tables.core import Base, UTCDateTime


class FollowUp(Base):
    """A GP recorded that a follow-up consultation was held."""

    __tablename__ = "followups"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    gp_id = Column(ForeignKey("gps.id"))
    escalation_id = Column(ForeignKey("escalations.id"), index=True)
    module_id = Column(String(64))  # the module the follow-up was about, if any
    held_on = Column(Date, nullable=False)
    note = Column(Text, nullable=False, default="")
    recorded_by = Column(String(200), nullable=False)
    recorded_at = Column(UTCDateTime, nullable=False)


class GpLinkCode(Base):
    """A one-time code a GP sends to the bot (/gp CODE) to link their Telegram chat."""

    __tablename__ = "gp_link_codes"
    id = Column(Integer, primary_key=True)
    gp_id = Column(ForeignKey("gps.id"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime)
    used_by_chat = Column(String(64))


class DeliveryAttempt(Base):
    """One try at delivering a notification. An attempt with no outcome was cut short
    (the worker died): the message may or may not have reached the recipient."""

    __tablename__ = "delivery_attempts"
    id = Column(Integer, primary_key=True)
    notification_id = Column(ForeignKey("notifications.id"), nullable=False, index=True)
    attempt = Column(Integer, nullable=False)
    worker = Column(String(100), nullable=False)
    started_at = Column(UTCDateTime, nullable=False)
    finished_at = Column(UTCDateTime)
    outcome = Column(String(16))  # sent | error | None (interrupted)
    error = Column(Text)

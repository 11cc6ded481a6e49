"""Sending one reminder: decide, claim the slot, trigger the Rasa external event.

The claim is a row in `reminder_sends` under a unique (patient, purpose, due slot),
committed *before* the HTTP call. A second run for the same slot - a crash between
the send and APScheduler's job update, two schedulers, a replayed job - finds the
row and sends nothing. The price is at-most-once: a crash between the claim and
the call loses that one reminder, which is the right side to err on for a nudge.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.checkins.models import ReminderSend
from bot.db import Database
from bot.db.models import ChannelIdentity, Patient
from bot.scheduler.reminders import DAILY, HOMEWORK, Decision, ReminderService

log = logging.getLogger(__name__)

# kind -> (intent, entities) of the external event
INTENTS: dict[str, str] = {"mood": "log_mood", "phq9": "start_phq9", "homework": "log_mood"}


class Trigger(Protocol):
    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        """Delivers the external event; raises on failure."""
        ...


class RasaTrigger:
    """POST {rasa}/conversations/{id}/trigger_intent?output_channel={channel}."""

    def __init__(self, rasa_url: str, timeout: float = 10.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> Any:
        import requests

        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        url = (f"{self.rasa_url}/conversations/{quote(sender_id, safe='')}/trigger_intent"
               f"?output_channel={quote(channel, safe='')}")
        resp = self._session().post(url, json={"name": intent, "entities": entities},
                                    timeout=self.timeout)
        if resp.status_code >= 400:
            raise RuntimeError(f"Rasa answered {resp.status_code}: {resp.text[:200]}")


@dataclass(frozen=True)
class Outcome:
    sent: bool
    reason: str
    retry_at: Any = None


def latest_identity(session: Session, patient_id: int) -> ChannelIdentity | None:
    return session.execute(select(ChannelIdentity).where(ChannelIdentity.patient_id == patient_id)
                           .order_by(ChannelIdentity.created_at.desc(), ChannelIdentity.id.desc())
                           .limit(1)).scalar_one_or_none()


def _claim(db: Database, service: ReminderService, patient_id: int, purpose: str,
           decide: Callable[[Session, Patient | None], Decision],
           ) -> tuple[Decision, ChannelIdentity | None, int | None]:
    # Read and decide first, then write in a transaction of its own whose first
    # statement is the INSERT: on SQLite that takes the write lock up front (waiting
    # politely under load) instead of upgrading a read snapshot, which can fail.
    with db.session() as session:
        patient = session.get(Patient, patient_id)
        decision = decide(session, patient)
        if not decision.send:
            return decision, None, None
        identity = latest_identity(session, patient_id)
        if identity is None:
            return Decision(False, "no_channel"), None, None
        session.expunge(identity)
    with db.session() as session:
        row = ReminderSend(patient_id=patient_id, purpose=purpose, due_slot=decision.slot,
                           kind=decision.kind, channel=identity.channel,
                           sender_id=identity.sender_id, status="sent",
                           created_at=service.clock.now())
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return Decision(False, "already_sent", slot=decision.slot), None, None
        service.after_send(session, patient_id, decision)
        return decision, identity, row.id


def deliver(db: Database, service: ReminderService, trigger: Trigger, patient_id: int,
            purpose: str, decide: Callable[[Session, Patient | None], Decision],
            extra: dict[str, Any] | None = None) -> Outcome:
    try:
        decision, identity, send_id = _claim(db, service, patient_id, purpose, decide)
    except IntegrityError:  # a concurrent claim won the race at commit time
        return Outcome(False, "already_sent")
    if not decision.send or identity is None:
        if decision.reason not in ("already_sent",):
            log.debug("reminder %s for patient %s not sent: %s", purpose, patient_id,
                      decision.reason)
        return Outcome(False, decision.reason, decision.retry_at)
    entities = {"reminder": decision.kind, **(extra or {})}
    try:
        trigger(identity.sender_id, identity.channel, INTENTS[decision.kind], entities)
    except Exception as exc:
        log.warning("reminder %s for patient %s failed: %s", purpose, patient_id, exc)
        with db.session() as session:
            row = session.get(ReminderSend, send_id)
            if row is not None:
                row.status = "failed"
                row.error = str(exc)[:1000]
        return Outcome(False, "failed")
    return Outcome(True, decision.kind)


def deliver_daily(db: Database, service: ReminderService, trigger: Trigger, patient_id: int,
                  hhmm: str, tz: str) -> Outcome:
    return deliver(db, service, trigger, patient_id, DAILY,
                   lambda s, p: service.decide_daily(s, p, hhmm, tz))


def deliver_homework(db: Database, service: ReminderService, trigger: Trigger, patient_id: int,
                     module_id: str, due_iso: str) -> Outcome:
    return deliver(db, service, trigger, patient_id, HOMEWORK,
                   lambda s, p: service.decide_homework(s, p, module_id, due_iso),
                   extra={"module": module_id})

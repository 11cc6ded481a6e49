"""Sending one reminder: decide, claim the slot, trigger the Rasa external event.

The claim is a row in `reminder_sends` under a unique (patient, purpose, due slot),
committed *before* the HTTP call. A second run for the same slot - a crash between
the send and APScheduler's job update, two schedulers, a replayed job - finds the
row and sends nothing. The price is at-most-once: a crash between the claim and
the call loses that one reminder, which is the right side to err on for a nudge.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError

from bot.checkins.models import ReminderSend
from bot.db import Database
from bot.scheduler.reminders import (
    DAILY,
    HOMEWORK,
    Decision,
    ReminderService,
    ReminderState,
    load_state,
)

log = logging.getLogger(__name__)

# kind -> (intent, entities) of the external event
INTENTS: dict[str, str] = {"mood": "log_mood", "phq9": "start_phq9", "homework": "log_mood"}


class Trigger(Protocol):
    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        """Delivers the external event; raises on failure."""
        ...


class RasaTrigger:
    """POST {rasa}/conversations/{id}/trigger_intent?output_channel={channel}.

    urllib3 directly (thread-safe pool, kept-alive connections): requests adds a
    proxy-environment scan and header merging to every call, a third of a reminder's
    cost when thousands fall due in the same minute."""

    def __init__(self, rasa_url: str, timeout: float = 10.0, connections: int = 32) -> None:
        import urllib3

        self.rasa_url = rasa_url.rstrip("/")
        self.timeout = urllib3.Timeout(total=timeout)
        self._pool = urllib3.PoolManager(maxsize=connections, retries=False)

    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        url = (f"{self.rasa_url}/conversations/{quote(sender_id, safe='')}/trigger_intent"
               f"?output_channel={quote(channel, safe='')}")
        resp = self._pool.request("POST", url, body=json.dumps({"name": intent,
                                                                 "entities": entities}),
                                  headers={"Content-Type": "application/json"},
                                  timeout=self.timeout)
        if resp.status >= 400:
            raise RuntimeError(f"Rasa answered {resp.status}: {resp.data[:200]!r}")


@dataclass(frozen=True)
class Outcome:
    sent: bool
    reason: str
    retry_at: Any = None


@dataclass(frozen=True)
class Claim:
    decision: Decision
    channel: str = ""
    sender_id: str = ""
    send_id: int | None = None


_SENDS = ReminderSend.__table__
# Statements built once and given values at execution: building one per reminder cost
# more than running it.
_INSERT_SEND = _SENDS.insert()
_MARK_FAILED = _SENDS.update().where(_SENDS.c.id == bindparam("send_id"))


def _claim(db: Database, service: ReminderService, patient_id: int, purpose: str,
           decide: Callable[[ReminderState], Decision],
           mood_window: tuple[datetime, datetime] | None) -> Claim:
    # One query for everything the decision needs; then, on the same connection, a
    # write transaction whose first statement is the INSERT: on SQLite that takes the
    # write lock up front (waiting politely under load) instead of upgrading a read
    # snapshot, which can fail.
    with db.engine.connect() as conn:
        state = load_state(conn, patient_id, mood_window)
        conn.rollback()  # end the read
        decision = decide(state)
        if not decision.send:
            return Claim(decision)
        if state.channel is None or state.sender_id is None:
            return Claim(Decision(False, "no_channel"))
        try:
            with conn.begin():
                result = conn.execute(_INSERT_SEND, {
                    "patient_id": patient_id, "purpose": purpose, "due_slot": decision.slot,
                    "kind": decision.kind, "channel": state.channel,
                    "sender_id": state.sender_id, "status": "sent",
                    "created_at": service.clock.now()})
                service.after_send(conn, patient_id, decision)
        except IntegrityError:  # the slot is claimed: sent before, or by a concurrent run
            return Claim(Decision(False, "already_sent", slot=decision.slot))
    return Claim(decision, state.channel, state.sender_id, result.inserted_primary_key[0])


def deliver(db: Database, service: ReminderService, trigger: Trigger, patient_id: int,
            purpose: str, decide: Callable[[ReminderState], Decision],
            extra: dict[str, Any] | None = None,
            mood_window: tuple[datetime, datetime] | None = None) -> Outcome:
    claim = _claim(db, service, patient_id, purpose, decide, mood_window)
    decision = claim.decision
    if not decision.send:
        if decision.reason != "already_sent":
            log.debug("reminder %s for patient %s not sent: %s", purpose, patient_id,
                      decision.reason)
        return Outcome(False, decision.reason, decision.retry_at)
    entities = {"reminder": decision.kind, **(extra or {})}
    try:
        trigger(claim.sender_id, claim.channel, INTENTS[decision.kind], entities)
    except Exception as exc:
        log.warning("reminder %s for patient %s failed: %s", purpose, patient_id, exc)
        with db.engine.begin() as conn:
            conn.execute(_MARK_FAILED, {"send_id": claim.send_id, "status": "failed",
                                        "error": str(exc)[:1000]})
        return Outcome(False, "failed")
    return Outcome(True, decision.kind)


def deliver_daily(db: Database, service: ReminderService, trigger: Trigger, patient_id: int,
                  hhmm: str, tz: str) -> Outcome:
    return deliver(db, service, trigger, patient_id, DAILY,
                   lambda state: service.decide_daily(state, hhmm, tz),
                   mood_window=service.mood_window(hhmm, tz))


def deliver_homework(db: Database, service: ReminderService, trigger: Trigger, patient_id: int,
                     module_id: str, due_iso: str) -> Outcome:
    return deliver(db, service, trigger, patient_id, HOMEWORK,
                   lambda state: service.decide_homework(state, module_id, due_iso),
                   extra={"module": module_id})

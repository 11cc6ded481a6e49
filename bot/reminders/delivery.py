"""Sending one reminder: decide, claim the slot, trigger the Rasa external event.

The claim is a row in `reminder_sends` under a unique (patient, purpose, due slot),
committed *before* the HTTP call. A second run for the same slot - a crash between
the send and APScheduler's job update, two schedulers, a replayed job - finds the
row and sends nothing. The price is at-most-once: a crash between the claim and
the call loses that one reminder, which is the right side to err on for a nudge.

A send that fails (Rasa down or restarting) is marked failed with a retry time;
`retry_failed` claims it again when that time comes, up to RETRY_MINUTES, deciding
afresh each time (quiet hours, a check-in done meanwhile, a risk conversation).
What a send changes in the preferences (the next PHQ-9 date, a homework reminder
done) is written only after the call succeeded or the send was given up.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.db.tables import Patient
from bot.db.tables.checkins import ReminderPreference, ReminderSend
from bot.reminders.service import (
    DAILY,
    HOMEWORK,
    Decision,
    ReminderService,
    ReminderState,
    load_state,
)

log = logging.getLogger(__name__)

# kind -> (intent, entities) of the external event
INTENTS: dict[str, str] = {"mood": "log_mood", "phq9": "start_phq9", "phq2": "start_phq2",
                           "homework": "log_mood"}


class Trigger(Protocol):
    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        """Delivers the external event; raises on failure."""
        ...


class RasaTrigger:
    """POST {rasa}/conversations/{id}/trigger_intent?output_channel={channel}.

    urllib3 directly (thread-safe pool, kept-alive connections): requests adds a
    proxy-environment scan and header merging to every call, a third of a reminder's
    cost when thousands fall due in the same minute."""

    def __init__(self, rasa_url: str, token: str = "", timeout: float = 10.0,
                 connections: int = 32) -> None:
        import urllib3

        self.rasa_url = rasa_url.rstrip("/")
        self._token = f"&token={quote(token, safe='')}" if token else ""
        self.timeout = urllib3.Timeout(total=timeout)
        self._pool = urllib3.PoolManager(maxsize=connections, retries=False)

    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        url = (f"{self.rasa_url}/conversations/{quote(sender_id, safe='')}/trigger_intent"
               f"?output_channel={quote(channel, safe='')}{self._token}")
        resp = self._pool.request("POST", url, body=json.dumps({"name": intent,
                                                                 "entities": entities}),
                                  headers={"Content-Type": "application/json"},
                                  timeout=self.timeout)
        if resp.status >= 400:
            raise RuntimeError(f"Rasa answered {resp.status}"
                               + (" (RASA_API_TOKEN wrong or missing)" if resp.status == 401 else ""))


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
    attempts: int = 1


# Minutes to wait after the 1st, 2nd, ... failed attempt (Rasa down or restarting);
# after the last the reminder is given up (about four hours: a daily reminder is not
# worth sending later, and quiet hours still hold for every attempt).
RETRY_MINUTES = (2, 5, 15, 30, 60, 120)

_SENDS = ReminderSend.__table__
# Statements built once and given values at execution: building one per reminder cost
# more than running it.
_INSERT_SEND = _SENDS.insert()
_MARK_FAILED = _SENDS.update().where(_SENDS.c.id == bindparam("send_id"))
_SLOT = ((_SENDS.c.patient_id == bindparam("slot_patient"))
         & (_SENDS.c.purpose == bindparam("slot_purpose"))
         & (_SENDS.c.due_slot == bindparam("slot_due")))
# A failed send whose retry is due can be claimed again - by one run only: the UPDATE's
# condition is checked under the row's write lock on both SQLite and PostgreSQL.
_RECLAIM = (_SENDS.update()
            .where(_SLOT, _SENDS.c.status == "failed", _SENDS.c.retry_at <= bindparam("now"))
            .values(status="sent", error=None, retry_at=None, attempts=_SENDS.c.attempts + 1,
                    channel=bindparam("new_channel"), sender_id=bindparam("new_sender")))
_SLOT_ROW = select(_SENDS.c.id, _SENDS.c.attempts).where(_SLOT)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None: give up."""
    if attempts > len(RETRY_MINUTES):
        return None
    return timedelta(minutes=RETRY_MINUTES[attempts - 1])


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
        now = service.clock.now()
        try:
            with conn.begin():
                result = conn.execute(_INSERT_SEND, {
                    "patient_id": patient_id, "purpose": purpose, "due_slot": decision.slot,
                    "kind": decision.kind, "channel": state.channel,
                    "sender_id": state.sender_id, "status": "sent", "created_at": now})
            return Claim(decision, state.channel, state.sender_id,
                         result.inserted_primary_key[0])
        except IntegrityError:  # the slot has a row: sent, being retried, or given up
            pass
        slot = {"slot_patient": patient_id, "slot_purpose": purpose,
                "slot_due": decision.slot}
        with conn.begin():
            reclaimed = conn.execute(_RECLAIM, {**slot, "now": now, "new_channel": state.channel,
                                                "new_sender": state.sender_id}).rowcount
            row = conn.execute(_SLOT_ROW, slot).one() if reclaimed == 1 else None
        if row is None:
            return Claim(Decision(False, "already_sent", slot=decision.slot))
        return Claim(decision, state.channel, state.sender_id, row.id, row.attempts)


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
        delay = retry_delay(claim.attempts)
        retry_at = service.clock.now() + delay if delay is not None else None
        log.warning("reminder %s for patient %s failed (attempt %d, %s): %s", purpose,
                    patient_id, claim.attempts,
                    f"next at {retry_at:%H:%M} UTC" if retry_at else "given up", exc)
        with db.engine.begin() as conn:
            conn.execute(_MARK_FAILED, {"send_id": claim.send_id, "status": "failed",
                                        "error": str(exc)[:1000], "retry_at": retry_at})
            if retry_at is None:
                service.after_send(conn, patient_id, decision)  # done with it, unsent
        return Outcome(False, "failed")
    # Only now: a failed send leaves the PHQ-9 due and the homework pending for a retry.
    if decision.kind in ("phq9", "homework"):
        with db.engine.begin() as conn:
            service.after_send(conn, patient_id, decision)
    return Outcome(True, decision.kind)


def retry_failed(db: Database, service: ReminderService, trigger: Trigger,
                 limit: int = 500) -> int:
    """Tries again the failed sends whose retry is due (the scheduler runs this every
    minute; the state is in the database, so a restart loses nothing). The decision is
    made afresh: a patient who has since checked in, paused, or is in quiet hours or a
    risk conversation gets nothing, and that failed send is given up. Returns the
    number of sends tried."""
    now = service.clock.now()
    with db.engine.connect() as conn:
        due = conn.execute(select(_SENDS.c.id, _SENDS.c.patient_id, _SENDS.c.purpose)
                           .where(_SENDS.c.retry_at <= now)
                           .order_by(_SENDS.c.retry_at).limit(limit)).all()
        prefs = {row.patient_id: row for row in conn.execute(
            select(ReminderPreference.patient_id, ReminderPreference.daily_time,
                   ReminderPreference.homework_module, ReminderPreference.homework_due_at,
                   ReminderPreference.timezone, Patient.timezone.label("patient_tz"))
            .join(Patient, Patient.id == ReminderPreference.patient_id)
            .where(ReminderPreference.patient_id.in_({r.patient_id for r in due})))
        } if due else {}
    for send in due:
        p = prefs.get(send.patient_id)
        if p is not None and send.purpose == DAILY:
            tz = p.timezone or p.patient_tz or service.settings.default_timezone
            deliver_daily(db, service, trigger, send.patient_id, p.daily_time, tz)
        elif p is not None and send.purpose == HOMEWORK and p.homework_module \
                and p.homework_due_at is not None:
            deliver_homework(db, service, trigger, send.patient_id, p.homework_module,
                             p.homework_due_at.isoformat())
        with db.engine.begin() as conn:
            # Not claimed again (nothing due any more, or a different slot): give it up.
            conn.execute(_SENDS.update().where(_SENDS.c.id == send.id,
                                               _SENDS.c.status == "failed",
                                               _SENDS.c.retry_at <= now)
                         .values(retry_at=None))
    return len(due)


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

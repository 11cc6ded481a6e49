"""Reminder preferences and the decision whether a reminder goes out now.

Everything here is plain logic on the database with an injected clock; the
APScheduler wiring (bot.scheduler.runner) only decides *when* to ask.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.audit import audit
from bot.checkins.models import CheckIn, ReminderPreference
from bot.clock import Clock
from bot.db import Database
from bot.db.models import Patient
from bot.scheduler.timeparse import QuietHours, at_local, format_time
from bot.settings import Settings

DAILY = "daily"
HOMEWORK = "homework"
PURPOSES = (DAILY, HOMEWORK)
# A patient who wrote within this window is mid-conversation (Rasa's session length):
# a reminder would interrupt, and could land inside an open form.
ACTIVE_WINDOW = timedelta(minutes=120)


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str
    kind: str = ""  # mood | phq9 | homework
    slot: str = ""  # the due slot this send claims
    retry_at: datetime | None = None  # for one-off reminders that must wait


@dataclass(frozen=True)
class TimeChange:
    ok: bool
    when: time
    reason: str = ""  # "quiet" when the time falls in quiet hours


def zone(name: str | None, fallback: str = "Europe/Oslo") -> ZoneInfo:
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def daily_slot(now: datetime, hhmm: str, tz: ZoneInfo) -> datetime:
    """The latest daily occurrence of local `hhmm` at or before `now` (aware, local)."""
    t = time.fromisoformat(hhmm)
    local_now = now.astimezone(tz)
    candidate = at_local(local_now.date(), t, tz)
    if candidate > local_now:
        candidate = at_local(local_now.date() - timedelta(days=1), t, tz)
    return candidate


def next_daily(now: datetime, hhmm: str, tz: ZoneInfo) -> datetime:
    """The next daily occurrence of local `hhmm` after `now` (aware, local)."""
    t = time.fromisoformat(hhmm)
    local_now = now.astimezone(tz)
    candidate = at_local(local_now.date(), t, tz)
    if candidate <= local_now:
        candidate = at_local(local_now.date() + timedelta(days=1), t, tz)
    return candidate


class ReminderService:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.quiet = QuietHours.parse(settings.quiet_hours)

    # ---- preferences -------------------------------------------------------------
    def prefs(self, session: Session, patient: Patient) -> ReminderPreference:
        row = session.execute(select(ReminderPreference).where(
            ReminderPreference.patient_id == patient.id)).scalar_one_or_none()
        if row is None:
            row = ReminderPreference(patient_id=patient.id, enabled=True,
                                     daily_time=self.settings.reminder_default_time,
                                     updated_at=self.clock.now())
            session.add(row)
            session.flush()
        return row

    def tz(self, patient: Patient, prefs: ReminderPreference | None = None) -> ZoneInfo:
        name = (prefs.timezone if prefs is not None else None) or patient.timezone
        return zone(name, self.settings.default_timezone)

    def local_today(self, patient: Patient, prefs: ReminderPreference | None = None) -> date:
        return self.clock.now().astimezone(self.tz(patient, prefs)).date()

    def _touch(self, session: Session, patient: Patient, row: ReminderPreference, action: str,
               **details: object) -> None:
        now = self.clock.now()
        row.updated_at = now
        audit(session, now, f"patient:{patient.ref}", action, patient.id, **details)

    def set_time(self, session: Session, patient: Patient, when: time) -> TimeChange:
        when = when.replace(second=0, microsecond=0, tzinfo=None)
        if self.quiet.contains(when):
            return TimeChange(False, when, "quiet")
        row = self.prefs(session, patient)
        row.daily_time = format_time(when)
        row.enabled = True
        row.paused_until = None
        self._touch(session, patient, row, "reminder_time_set", time=row.daily_time)
        return TimeChange(True, when)

    def pause(self, session: Session, patient: Patient, days: int) -> date:
        row = self.prefs(session, patient)
        tz = self.tz(patient, row)
        until_day = self.local_today(patient, row) + timedelta(days=days)
        row.paused_until = at_local(until_day, time(0, 0), tz)
        row.enabled = True
        self._touch(session, patient, row, "reminders_paused", days=days)
        return until_day

    def stop(self, session: Session, patient: Patient) -> None:
        row = self.prefs(session, patient)
        row.enabled = False
        row.paused_until = None
        self._touch(session, patient, row, "reminders_stopped")

    def resume(self, session: Session, patient: Patient) -> ReminderPreference:
        row = self.prefs(session, patient)
        row.enabled = True
        row.paused_until = None
        self._touch(session, patient, row, "reminders_resumed")
        return row

    def phq9_completed(self, session: Session, patient: Patient) -> date:
        """The next PHQ-9 is due `phq9_interval_days` after this one."""
        row = self.prefs(session, patient)
        due = self.local_today(patient, row) + timedelta(days=self.settings.phq9_interval_days)
        row.phq9_due_on = due.isoformat()
        row.updated_at = self.clock.now()
        return due

    def homework_assigned(self, session: Session, patient: Patient, module_id: str,
                          days: int) -> datetime:
        """A homework reminder `days` from today at the patient's reminder time."""
        row = self.prefs(session, patient)
        tz = self.tz(patient, row)
        day = self.local_today(patient, row) + timedelta(days=days)
        due = self.quiet.next_allowed(at_local(day, time.fromisoformat(row.daily_time), tz))
        if row.homework_module != module_id or row.homework_due_at is None:
            row.homework_module = module_id
            row.homework_due_at = due
            row.updated_at = self.clock.now()
        return row.homework_due_at

    def defer_homework(self, db: Database, patient_id: int, module_id: str,
                       when: datetime) -> None:
        with db.session() as session:
            row = session.execute(select(ReminderPreference).where(
                ReminderPreference.patient_id == patient_id)).scalar_one_or_none()
            if row is not None and row.homework_module == module_id:
                row.homework_due_at = when
                row.updated_at = self.clock.now()

    def is_paused(self, row: ReminderPreference, now: datetime) -> bool:
        return row.paused_until is not None and now < row.paused_until

    # ---- decisions ---------------------------------------------------------------
    def _common(self, session: Session, patient: Patient | None,
                row: ReminderPreference | None, now: datetime) -> str | None:
        if patient is None or patient.status != "consented":
            return "not_consented"
        if row is None or not row.enabled:
            return "stopped"
        if patient.risk_open_since is not None:
            return "risk_open"
        if patient.last_active_at is not None and now - patient.last_active_at < ACTIVE_WINDOW:
            return "active_now"
        return None

    def decide_daily(self, session: Session, patient: Patient | None, hhmm: str,
                     tz_name: str) -> Decision:
        now = self.clock.now()
        row = self._row(session, patient)
        reason = self._common(session, patient, row, now)
        if reason:
            return Decision(False, reason)
        assert patient is not None
        assert row is not None
        tz = zone(tz_name, self.settings.default_timezone)
        slot_day = daily_slot(now, hhmm, tz).date()
        if self.is_paused(row, now):
            return Decision(False, "paused")
        if self.quiet.contains(now.astimezone(tz).timetz()):
            return Decision(False, "quiet_hours")
        if row.phq9_due_on is not None and row.phq9_due_on <= slot_day.isoformat():
            return Decision(True, "due", kind="phq9", slot=slot_day.isoformat())
        if self._mood_done_on(session, patient, tz, slot_day):
            return Decision(False, "already_checked_in")
        return Decision(True, "due", kind="mood", slot=slot_day.isoformat())

    def decide_homework(self, session: Session, patient: Patient | None, module_id: str,
                        due_iso: str) -> Decision:
        now = self.clock.now()
        row = self._row(session, patient)
        reason = self._common(session, patient, row, now)
        if reason == "not_consented" or reason == "stopped":
            return Decision(False, reason)
        assert patient is not None
        assert row is not None
        if row.homework_module != module_id:
            return Decision(False, "superseded")
        slot = f"{module_id}:{due_iso[:10]}"
        tz = self.tz(patient, row)
        if reason == "risk_open":
            return Decision(False, reason, retry_at=now + timedelta(days=1))
        if reason == "active_now":
            return Decision(False, reason, retry_at=now + ACTIVE_WINDOW)
        if self.is_paused(row, now):
            assert row.paused_until is not None
            later = self.quiet.next_allowed(at_local(
                row.paused_until.astimezone(tz).date(), time.fromisoformat(row.daily_time), tz))
            return Decision(False, "paused", retry_at=later)
        local = now.astimezone(tz)
        if self.quiet.contains(local.timetz()):
            return Decision(False, "quiet_hours", retry_at=self.quiet.next_allowed(local))
        return Decision(True, "due", kind="homework", slot=slot)

    def after_send(self, session: Session, patient_id: int, decision: Decision) -> None:
        if decision.kind == "phq9":
            # Ignored or not, the next scheduled PHQ-9 reminder is a full interval away.
            interval = timedelta(days=self.settings.phq9_interval_days)
            due = date.fromisoformat(decision.slot) + interval
            session.execute(update(ReminderPreference)
                            .where(ReminderPreference.patient_id == patient_id)
                            .values(phq9_due_on=due.isoformat()))
        elif decision.kind == "homework":
            session.execute(update(ReminderPreference)
                            .where(ReminderPreference.patient_id == patient_id)
                            .values(homework_due_at=None, homework_module=None,
                                    updated_at=self.clock.now()))

    def _row(self, session: Session, patient: Patient | None) -> ReminderPreference | None:
        if patient is None:
            return None
        return session.execute(select(ReminderPreference).where(
            ReminderPreference.patient_id == patient.id)).scalar_one_or_none()

    def _mood_done_on(self, session: Session, patient: Patient, tz: ZoneInfo, day: date) -> bool:
        start = at_local(day, time(0, 0), tz)
        end = at_local(day + timedelta(days=1), time(0, 0), tz)
        found = session.execute(select(CheckIn.id).where(
            CheckIn.patient_id == patient.id, CheckIn.instrument == "mood",
            CheckIn.status == "complete", CheckIn.completed_at >= start,
            CheckIn.completed_at < end).limit(1)).first()
        return found is not None

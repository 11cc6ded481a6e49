"""Reminder preferences and the decision whether a reminder goes out now.

Everything here is plain logic on the database with an injected clock; the
APScheduler wiring (bot.processes.scheduler) only decides *when* to ask.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.core.clock import Clock
from bot.core.settings import Settings
from bot.db import Database
from bot.db.actors import patient_actor
from bot.db.audit import audit
from bot.db.tables import ChannelIdentity, Patient, UTCDateTime
from bot.db.tables.checkins import CheckIn, ReminderPreference
from bot.reminders.timeparse import QuietHours, at_local, format_time

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
    kind: str = ""  # mood | phq9 | phq2 | homework
    slot: str = ""  # the due slot this send claims
    retry_at: datetime | None = None  # for one-off reminders that must wait


# A patient's own quiet hours: long enough to mean a night's sleep, short enough to
# leave some of the day for a reminder.
MIN_QUIET_HOURS = 6
MAX_QUIET_HOURS = 16


@dataclass(frozen=True)
class QuietChange:
    ok: bool
    reason: str = ""  # "length" | "covers_reminder"


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
        """The patient's row, created with the defaults if missing. Read once per session:
        one reminder-settings message asks for it several times (the same object the
        identity map would hand back, without a query each time)."""
        cache: dict[int, ReminderPreference] = session.info.setdefault("reminder_prefs", {})
        row = cache.get(patient.id)
        if row is not None:
            return row
        row = session.execute(select(ReminderPreference).where(
            ReminderPreference.patient_id == patient.id)).scalar_one_or_none()
        if row is None:
            # Another process (the scheduler, the action server) may create the same row
            # at the same moment: insert-if-absent, then read whichever row won.
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            session.execute(insert(ReminderPreference).values(
                patient_id=patient.id, enabled=True, daily_time=self.settings.reminder_default_time,
                updated_at=self.clock.now()).on_conflict_do_nothing(index_elements=["patient_id"]))
            row = session.execute(select(ReminderPreference).where(
                ReminderPreference.patient_id == patient.id)).scalar_one()
        cache[patient.id] = row
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
        audit(session, now, patient_actor(patient), action, patient.id, **details)

    def quiet_for(self, own: str | None) -> QuietHours:
        """A patient's own quiet hours, or the default (QUIET_HOURS)."""
        if own:
            try:
                return QuietHours.parse(own)
            except ValueError:
                pass
        return self.quiet

    def set_time(self, session: Session, patient: Patient, when: time) -> TimeChange:
        when = when.replace(second=0, microsecond=0, tzinfo=None)
        row = self.prefs(session, patient)
        if self.quiet_for(row.quiet_hours).contains(when):
            return TimeChange(False, when, "quiet")
        row.daily_time = format_time(when)
        row.enabled = True
        row.paused_until = None
        self._touch(session, patient, row, "reminder_time_set", time=row.daily_time)
        return TimeChange(True, when)

    def set_timezone(self, session: Session, patient: Patient, name: str) -> None:
        """The patient's own timezone (travelling, moved): reminders keep their local time."""
        ZoneInfo(name)  # a known zone, or ZoneInfoNotFoundError before anything changes
        row = self.prefs(session, patient)
        patient.timezone = name
        row.timezone = None  # follow the patient's
        self._touch(session, patient, row, "timezone_set", timezone=name)

    def set_quiet_hours(self, session: Session, patient: Patient,
                        quiet: QuietHours) -> QuietChange:
        """The patient's own quiet hours (shift work, early mornings). Refused when they
        would be shorter than MIN_QUIET or longer than MAX_QUIET, or cover the daily
        reminder time (it would never be sent)."""
        row = self.prefs(session, patient)
        hours = quiet.length().total_seconds() / 3600
        if not MIN_QUIET_HOURS <= hours <= MAX_QUIET_HOURS:
            return QuietChange(False, "length")
        if quiet.contains(time.fromisoformat(row.daily_time)):
            return QuietChange(False, "covers_reminder")
        row.quiet_hours = quiet.describe()
        self._touch(session, patient, row, "quiet_hours_set", quiet_hours=row.quiet_hours)
        return QuietChange(True)

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

    def phq9_due_now(self, session: Session, patient: Patient) -> None:
        """After a positive PHQ-2: the next daily reminder asks for the PHQ-9."""
        row = self.prefs(session, patient)
        today = self.local_today(patient, row).isoformat()
        if row.phq9_due_on is None or row.phq9_due_on > today:
            row.phq9_due_on = today
            row.updated_at = self.clock.now()

    def homework_assigned(self, session: Session, patient: Patient, module_id: str,
                          days: int) -> datetime:
        """A homework reminder `days` from today at the patient's reminder time."""
        row = self.prefs(session, patient)
        tz = self.tz(patient, row)
        day = self.local_today(patient, row) + timedelta(days=days)
        due = self.quiet_for(row.quiet_hours).next_allowed(
            at_local(day, time.fromisoformat(row.daily_time), tz))
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

    # ---- decisions ---------------------------------------------------------------
    def _common(self, state: ReminderState, now: datetime) -> str | None:
        if not state.exists or state.status != "consented":
            return "not_consented"
        if not state.enabled:
            return "stopped"
        if state.risk_open_since is not None:
            return "risk_open"
        if state.last_active_at is not None and now - state.last_active_at < ACTIVE_WINDOW:
            return "active_now"
        return None

    def tz_of(self, state: ReminderState) -> ZoneInfo:
        return zone(state.pref_timezone or state.timezone, self.settings.default_timezone)

    def mood_window(self, hhmm: str, tz_name: str) -> tuple[datetime, datetime]:
        """The local day of the daily slot that is due now, as a UTC interval: a mood
        check-in completed in it means today's reminder is not needed."""
        tz = zone(tz_name, self.settings.default_timezone)
        day = daily_slot(self.clock.now(), hhmm, tz).date()
        return at_local(day, time(0, 0), tz), at_local(day + timedelta(days=1), time(0, 0), tz)

    def decide_daily(self, state: ReminderState, hhmm: str, tz_name: str) -> Decision:
        """`state` must be loaded with `mood_window(hhmm, tz_name)`."""
        now = self.clock.now()
        reason = self._common(state, now)
        if reason == "active_now" and state.last_active_at is not None:
            # Not now, mid-conversation; once they have been quiet for a while (the
            # decision is made again then: quiet hours, a check-in done meanwhile).
            return Decision(False, reason, retry_at=state.last_active_at + ACTIVE_WINDOW)
        if reason:
            return Decision(False, reason)
        tz = zone(tz_name, self.settings.default_timezone)
        slot_day = daily_slot(now, hhmm, tz).date()
        if state.paused_until is not None and now < state.paused_until:
            return Decision(False, "paused")
        if self.quiet_for(state.quiet_hours).contains(now.astimezone(tz).timetz()):
            return Decision(False, "quiet_hours")
        if state.phq9_due_on is not None and state.phq9_due_on <= slot_day.isoformat():
            return Decision(True, "due", kind="phq9", slot=slot_day.isoformat())
        if self.phq2_due(state.phq9_due_on, slot_day):
            return Decision(True, "due", kind="phq2", slot=slot_day.isoformat())
        if state.mood_done:
            return Decision(False, "already_checked_in")
        return Decision(True, "due", kind="mood", slot=slot_day.isoformat())

    def phq2_due(self, phq9_due_on: str | None, day: date) -> bool:
        """Halfway between two PHQ-9s (PHQ2_MIDWAY; intervals of a week or more)."""
        interval = self.settings.phq9_interval_days
        if not self.settings.phq2_midway or phq9_due_on is None or interval < 7:
            return False
        return date.fromisoformat(phq9_due_on) - timedelta(days=interval // 2) == day

    def decide_homework(self, state: ReminderState, module_id: str, due_iso: str) -> Decision:
        now = self.clock.now()
        reason = self._common(state, now)
        if reason == "not_consented" or reason == "stopped":
            return Decision(False, reason)
        if state.homework_module != module_id:
            return Decision(False, "superseded")
        slot = f"{module_id}:{due_iso[:10]}"
        tz = self.tz_of(state)
        if reason == "risk_open":
            return Decision(False, reason, retry_at=now + timedelta(days=1))
        if reason == "active_now":
            return Decision(False, reason, retry_at=now + ACTIVE_WINDOW)
        quiet = self.quiet_for(state.quiet_hours)
        if state.paused_until is not None and now < state.paused_until:
            later = quiet.next_allowed(at_local(
                state.paused_until.astimezone(tz).date(), time.fromisoformat(state.daily_time), tz))
            return Decision(False, "paused", retry_at=later)
        local = now.astimezone(tz)
        if quiet.contains(local.timetz()):
            return Decision(False, "quiet_hours", retry_at=quiet.next_allowed(local))
        return Decision(True, "due", kind="homework", slot=slot)

    def after_send(self, conn: Connection | Session, patient_id: int, decision: Decision) -> None:
        if decision.kind == "phq9":
            # Ignored or not, the next scheduled PHQ-9 reminder is a full interval away.
            interval = timedelta(days=self.settings.phq9_interval_days)
            due = date.fromisoformat(decision.slot) + interval
            conn.execute(update(ReminderPreference)
                         .where(ReminderPreference.patient_id == patient_id)
                         .values(phq9_due_on=due.isoformat()))
        elif decision.kind == "homework":
            conn.execute(update(ReminderPreference)
                         .where(ReminderPreference.patient_id == patient_id)
                         .values(homework_due_at=None, homework_module=None,
                                 updated_at=self.clock.now()))


# ---- what a decision needs, in one query ---------------------------------------------

@dataclass(frozen=True)
class ReminderState:
    """One patient as a reminder decision sees them: status, preferences, the channel
    they wrote from most recently and whether today's mood check-in is done."""

    exists: bool
    status: str = ""
    timezone: str | None = None
    risk_open_since: datetime | None = None
    last_active_at: datetime | None = None
    enabled: bool = False  # False also when there is no preference row
    daily_time: str = "19:00"
    pref_timezone: str | None = None
    quiet_hours: str | None = None  # the patient's own; None: the default
    paused_until: datetime | None = None
    phq9_due_on: str | None = None
    homework_module: str | None = None
    homework_due_at: datetime | None = None
    channel: str | None = None
    sender_id: str | None = None
    mood_done: bool = False


def _state_statement() -> Select:
    latest_identity = (select(ChannelIdentity.id)
                       .where(ChannelIdentity.patient_id == Patient.id)
                       .order_by(ChannelIdentity.created_at.desc(), ChannelIdentity.id.desc())
                       .limit(1).correlate(Patient).scalar_subquery())
    mood_done = (select(CheckIn.id)
                 .where(CheckIn.patient_id == Patient.id, CheckIn.instrument == "mood",
                        CheckIn.status == "complete",
                        CheckIn.completed_at >= bindparam("mood_from", type_=UTCDateTime),
                        CheckIn.completed_at < bindparam("mood_to", type_=UTCDateTime))
                 .correlate(Patient).exists())
    return (select(Patient.status, Patient.timezone, Patient.risk_open_since,
                   Patient.last_active_at, ReminderPreference.id.label("prefs_id"),
                   ReminderPreference.enabled, ReminderPreference.daily_time,
                   ReminderPreference.timezone.label("pref_timezone"),
                   ReminderPreference.quiet_hours,
                   ReminderPreference.paused_until, ReminderPreference.phq9_due_on,
                   ReminderPreference.homework_module, ReminderPreference.homework_due_at,
                   ChannelIdentity.channel, ChannelIdentity.sender_id,
                   mood_done.label("mood_done"))
            .select_from(Patient)
            .outerjoin(ReminderPreference, ReminderPreference.patient_id == Patient.id)
            .outerjoin(ChannelIdentity, ChannelIdentity.id == latest_identity)
            .where(Patient.id == bindparam("patient_id")))


# Built once: constructing a statement costs more than running it on SQLite.
_STATE = _state_statement()
_NO_WINDOW = datetime(1970, 1, 1, tzinfo=timezone.utc)


def load_state(conn: Connection | Session, patient_id: int,
               mood_window: tuple[datetime, datetime] | None = None) -> ReminderState:
    start, end = mood_window or (_NO_WINDOW, _NO_WINDOW)
    row = conn.execute(_STATE, {"patient_id": patient_id, "mood_from": start,
                                "mood_to": end}).mappings().first()
    if row is None:
        return ReminderState(exists=False)
    has_prefs = row["prefs_id"] is not None
    return ReminderState(
        exists=True, status=row["status"], timezone=row["timezone"],
        risk_open_since=row["risk_open_since"], last_active_at=row["last_active_at"],
        enabled=bool(has_prefs and row["enabled"]), daily_time=row["daily_time"] or "19:00",
        pref_timezone=row["pref_timezone"], quiet_hours=row["quiet_hours"],
        paused_until=row["paused_until"],
        phq9_due_on=row["phq9_due_on"], homework_module=row["homework_module"],
        homework_due_at=row["homework_due_at"], channel=row["channel"],
        sender_id=row["sender_id"], mood_done=bool(row["mood_done"]))

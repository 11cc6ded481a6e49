"""Reminders under a controlled clock (no sleeping): times in plain words, quiet hours,
timezones and a daylight-saving change, pause/stop, and a real SQLAlchemyJobStore on a
file database that is shut down and restarted without losing or duplicating a reminder."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, event, select

from bot.app import Services
from bot.checkins.models import CheckIn, ReminderPreference, ReminderSend
from bot.clock import FrozenClock
from bot.db.models import ChannelIdentity, Patient
from bot.enrolment import add_gp, invite_patient, redeem_invite
from bot.scheduler import runner
from bot.scheduler.delivery import RETRY_MINUTES, deliver_daily, retry_failed
from bot.scheduler.reminders import ReminderService, daily_slot, next_daily
from bot.scheduler.timeparse import QuietHours, parse_days, parse_time

OSLO = ZoneInfo("Europe/Oslo")


# ---- plain words -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("remind me at 8pm", time(20)), ("8 pm", time(20)), ("20:00", time(20)), ("8.30", time(8, 30)),
    ("8:30 in the morning", time(8, 30)), ("kl 20", time(20)), ("kl. 18.30", time(18, 30)),
    ("at 9am", time(9)), ("remind me at 7", time(19)), ("at 9 in the evening", time(21)),
    ("half past 8 in the evening", time(20, 30)), ("12", time(12)), ("noon", time(12)),
    ("klokka 19", time(19)), ("at eight pm", time(20)), ("20.15 please", time(20, 15)),
    ("remind me later", None), ("25:00", None), ("8 or 9", None), ("13pm", None),
])
def test_parse_time(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(("text", "days"), [
    ("pause for a week", 7), ("pause for 3 days", 3), ("pause reminders for two weeks", 14),
    ("pause i tre dager", 3), ("pause til i morgen", 1), ("pause the reminders", 7),
    ("a few days off please", 3), ("pause for 400 days", 90),
])
def test_parse_days(text: str, days: int) -> None:
    assert parse_days(text) == days


def test_quiet_hours_wrap_midnight() -> None:
    q = QuietHours.parse("22:00-08:00")
    assert q.contains(time(22))
    assert q.contains(time(3))
    assert q.contains(time(7, 59))
    assert not q.contains(time(8))
    assert not q.contains(time(21, 59))
    assert not q.contains(time(12))
    late = datetime(2026, 3, 2, 23, 30, tzinfo=OSLO)
    assert q.next_allowed(late) == datetime(2026, 3, 3, 8, 0, tzinfo=OSLO)
    early = datetime(2026, 3, 3, 6, 0, tzinfo=OSLO)
    assert q.next_allowed(early) == datetime(2026, 3, 3, 8, 0, tzinfo=OSLO)
    noon = datetime(2026, 3, 3, 12, 0, tzinfo=OSLO)
    assert q.next_allowed(noon) == noon


def test_daily_time_across_daylight_saving_change() -> None:
    # Europe/Oslo moves from UTC+1 to UTC+2 on 29 March 2026 at 02:00.
    before = datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc)
    assert next_daily(before, "19:00", OSLO).astimezone(timezone.utc).hour == 18
    after = next_daily(before + timedelta(days=1), "19:00", OSLO)
    assert after.astimezone(timezone.utc).hour == 17
    assert after.hour == 19
    # The slot is the local date of the latest occurrence at or before now.
    assert daily_slot(datetime(2026, 3, 29, 16, 59, tzinfo=timezone.utc), "19:00", OSLO).day == 28
    assert daily_slot(datetime(2026, 3, 29, 17, 0, tzinfo=timezone.utc), "19:00", OSLO).day == 29
    # Back again on 25 October.
    oct_ = next_daily(datetime(2026, 10, 25, 12, 0, tzinfo=timezone.utc), "19:00", OSLO)
    assert oct_.astimezone(timezone.utc).hour == 18


# ---- the scheduler under a frozen clock ----------------------------------------------

class FakeRasa:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.fail = False

    def __call__(self, sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("connection refused")
        self.calls.append((sender_id, channel, intent, dict(entities)))


@pytest.fixture
def frozen_apscheduler(monkeypatch: pytest.MonkeyPatch, clock: FrozenClock) -> FrozenClock:
    """APScheduler reads datetime.now() in two places; both follow the test clock."""
    import apscheduler.executors.base as executors_base
    import apscheduler.schedulers.base as schedulers_base

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            now = clock.now()
            return now.astimezone(tz) if tz is not None else now.replace(tzinfo=None)

    monkeypatch.setattr(schedulers_base, "datetime", Frozen)
    monkeypatch.setattr(executors_base, "datetime", Frozen)
    return clock


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def reminders(services: Services, clock: FrozenClock) -> ReminderService:
    return ReminderService(services.settings, clock)


@pytest.fixture
def patient_id(services: Services, clock: FrozenClock, reminders: ReminderService) -> int:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now())
        invite = invite_patient(s, gp, clock.now(), 14)
        patient = redeem_invite(s, "rest", "old-sender", invite.code, clock.now()).patient
        assert patient is not None
        patient.status = "consented"
        patient.last_active_at = None
        reminders.prefs(s, patient)
        pid = int(patient.id)
    # A second, more recently linked channel: reminders go there.
    clock.advance(timedelta(minutes=1))
    with services.db.session() as s:
        gp_ = s.get(Patient, pid).gp
        invite = invite_patient(s, gp_, clock.now(), 14, patient=s.get(Patient, pid))
        redeem_invite(s, "telegram", "tg-42", invite.code, clock.now())
        s.get(Patient, pid).last_active_at = None
    return pid


def make_scheduler(services: Services, reminders: ReminderService, rasa: FakeRasa
                   ) -> runner.SteppedScheduler:
    sched = runner.build_scheduler(services.db, "stepped", executor=DebugExecutor())
    assert isinstance(sched, runner.SteppedScheduler)
    runner.install_runtime(runner.Runtime(services.db, reminders, rasa, sched))
    sched.start()
    return sched


@pytest.fixture
def scheduler(services: Services, reminders: ReminderService, rasa: FakeRasa,
              frozen_apscheduler: FrozenClock) -> Iterator[runner.SteppedScheduler]:
    sched = make_scheduler(services, reminders, rasa)
    yield sched
    if sched.running:
        sched.shutdown()
    runner.install_runtime(None)


def at_oslo(clock: FrozenClock, day: int, hour: int, minute: int = 0, month: int = 3) -> None:
    clock.set(datetime(2026, month, day, hour, minute, 5, tzinfo=OSLO))


def test_daily_reminder_fires_once_at_local_time_in_latest_channel(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    job = scheduler.get_job(f"daily:{patient_id}")
    assert job is not None
    assert job.next_run_time == datetime(2026, 3, 2, 18, 0, tzinfo=timezone.utc)
    at_oslo(clock, 2, 18, 59)
    scheduler.step()
    assert rasa.calls == []
    at_oslo(clock, 2, 19, 0)
    scheduler.step()
    scheduler.step()
    assert rasa.calls == [("tg-42", "telegram", "log_mood", {"reminder": "mood"})]
    # A replay of the same slot (crash between send and job update) sends nothing.
    assert runner.fire_daily(patient_id, "19:00", "Europe/Oslo") == "already_sent"
    assert len(rasa.calls) == 1


def test_restart_keeps_jobs_and_never_duplicates(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    at_oslo(clock, 2, 19, 0)
    scheduler.step()
    scheduler.shutdown()
    # A new process: a new scheduler on the same job store; the startup sync changes nothing.
    second = make_scheduler(services, reminders, rasa)
    try:
        runner.sync(second, services.db, reminders)
        jobs = second.get_jobs(jobstore="default")
        assert [j.id for j in jobs] == [f"daily:{patient_id}"]
        assert jobs[0].next_run_time == datetime(2026, 3, 3, 18, 0, tzinfo=timezone.utc)
        second.step()
        assert len(rasa.calls) == 1
        at_oslo(clock, 3, 19, 0)
        second.step()
        second.step()
        assert len(rasa.calls) == 2
    finally:
        second.shutdown()
    with services.db.session() as s:
        slots = [r.due_slot for r in s.execute(select(ReminderSend)).scalars()]
    assert slots == ["2026-03-02", "2026-03-03"]


def test_a_day_down_gives_at_most_one_catch_up(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    at_oslo(clock, 4, 20, 30)  # down since the morning of the 2nd: three slots missed
    scheduler.step()
    scheduler.step()
    assert len(rasa.calls) == 1  # coalesced into one, sent 90 minutes late
    at_oslo(clock, 7, 7, 30)  # down again; the last slot is 12.5 hours old: too late
    scheduler.step()
    assert len(rasa.calls) == 1
    at_oslo(clock, 7, 19, 0)
    scheduler.step()
    assert len(rasa.calls) == 2


def test_catch_up_never_breaks_quiet_hours(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    at_oslo(clock, 2, 22, 30)
    scheduler.step()
    assert rasa.calls == []
    with services.db.session() as s:
        change = reminders.set_time(s, s.get(Patient, patient_id), time(23, 0))
    assert not change.ok
    assert change.reason == "quiet"


def test_reschedule_replaces_and_follows_dst(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=timezone.utc))
    runner.sync(scheduler, services.db, reminders)
    before = clock.now()
    with services.db.session() as s:
        assert reminders.set_time(s, s.get(Patient, patient_id), time(20, 0)).ok
    runner.sync(scheduler, services.db, reminders, since=before)
    jobs = scheduler.get_jobs(jobstore="default")
    assert len(jobs) == 1
    assert jobs[0].args == (patient_id, "20:00", "Europe/Oslo")
    assert jobs[0].next_run_time == datetime(2026, 3, 27, 19, 0, tzinfo=timezone.utc)
    at_oslo(clock, 28, 20, 0)
    scheduler.step()
    # After the change to summer time, 20:00 in Oslo is 18:00 UTC.
    assert scheduler.get_job(f"daily:{patient_id}").next_run_time == datetime(
        2026, 3, 29, 18, 0, tzinfo=timezone.utc)
    at_oslo(clock, 29, 20, 0)
    scheduler.step()
    assert len(rasa.calls) == 2


def test_pause_stop_resume_and_risk(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    with services.db.session() as s:
        until = reminders.pause(s, s.get(Patient, patient_id), 2)
    assert until.isoformat() == "2026-03-04"
    for day in (2, 3):
        at_oslo(clock, day, 19)
        scheduler.step()
    assert rasa.calls == []
    at_oslo(clock, 4, 19)
    scheduler.step()
    assert len(rasa.calls) == 1
    # An open risk conversation holds every reminder.
    with services.db.session() as s:
        s.get(Patient, patient_id).risk_open_since = clock.now()
    at_oslo(clock, 5, 19)
    scheduler.step()
    assert len(rasa.calls) == 1
    with services.db.session() as s:
        s.get(Patient, patient_id).risk_open_since = None
    # Stop removes the jobs; resume brings them back.
    t0 = clock.now()
    with services.db.session() as s:
        reminders.stop(s, s.get(Patient, patient_id))
    runner.sync(scheduler, services.db, reminders, since=t0)
    assert scheduler.get_jobs(jobstore="default") == []
    with services.db.session() as s:
        reminders.resume(s, s.get(Patient, patient_id))
    runner.sync(scheduler, services.db, reminders, since=t0)
    assert [j.id for j in scheduler.get_jobs(jobstore="default")] == [f"daily:{patient_id}"]


def test_phq9_reminder_when_due_instead_of_mood(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    with services.db.session() as s:
        s.execute(select(ReminderPreference)).scalar_one().phq9_due_on = "2026-03-03"
    runner.sync(scheduler, services.db, reminders)
    for day in (2, 3, 4):
        at_oslo(clock, day, 19)
        scheduler.step()
    assert [c[2] for c in rasa.calls] == ["log_mood", "start_phq9", "log_mood"]
    with services.db.session() as s:
        assert s.execute(select(ReminderPreference)).scalar_one().phq9_due_on == "2026-03-17"


def test_phq2_reminder_halfway_between_phq9s(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    with services.db.session() as s:
        s.execute(select(ReminderPreference)).scalar_one().phq9_due_on = "2026-03-16"
    kinds = []
    for day in (8, 9, 10):  # the PHQ-9 is due on the 16th, every 14 days: halfway is the 9th
        at_oslo(clock, day, 19)
        deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
        kinds.append(rasa.calls[-1][3]["reminder"])
    assert kinds == ["mood", "phq2", "mood"]
    assert rasa.calls[1][2] == "start_phq2"


def test_homework_reminder_waits_for_quiet_hours_to_end(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    with services.db.session() as s:
        due = reminders.homework_assigned(s, s.get(Patient, patient_id), "m1", 2)
    assert due == datetime(2026, 3, 4, 19, 0, tzinfo=OSLO)
    runner.sync(scheduler, services.db, reminders)
    at_oslo(clock, 4, 23, 0)  # the scheduler was down at 19:00; it is quiet hours now
    scheduler.step()
    calls = [c for c in rasa.calls if c[3].get("reminder") == "homework"]
    assert calls == []
    job = scheduler.get_job(f"homework:{patient_id}")
    assert job.next_run_time == datetime(2026, 3, 5, 7, 0, tzinfo=timezone.utc)  # 08:00 Oslo
    at_oslo(clock, 5, 8, 0)
    scheduler.step()
    calls = [c for c in rasa.calls if c[3].get("reminder") == "homework"]
    assert calls == [("tg-42", "telegram", "log_mood", {"reminder": "homework", "module": "m1"})]
    assert scheduler.get_job(f"homework:{patient_id}") is None


def test_failed_send_is_retried_with_backoff_then_sent_once(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    """Rasa down at the due time (restarting, say): the send is recorded as failed and
    tried again later - from the database, so a scheduler restart loses nothing."""
    at_oslo(clock, 2, 19)
    rasa.fail = True
    out = deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    assert (out.sent, out.reason) == (False, "failed")
    with services.db.session() as s:
        row = s.execute(select(ReminderSend)).scalar_one()
        assert (row.status, row.attempts) == ("failed", 1)
        assert "refused" in (row.error or "")
        assert row.retry_at == clock.now() + timedelta(minutes=RETRY_MINUTES[0])
    rasa.fail = False
    clock.advance(timedelta(minutes=1))
    assert retry_failed(services.db, reminders, rasa) == 0  # not yet
    # The job itself running again (a restart's catch-up) does not jump the queue either.
    assert deliver_daily(services.db, reminders, rasa, patient_id, "19:00",
                         "Europe/Oslo").reason == "already_sent"
    clock.advance(timedelta(minutes=1))
    assert retry_failed(services.db, reminders, rasa) == 1
    assert rasa.calls == [("tg-42", "telegram", "log_mood", {"reminder": "mood"})]
    with services.db.session() as s:
        row = s.execute(select(ReminderSend)).scalar_one()
        assert (row.status, row.attempts, row.retry_at, row.error) == ("sent", 2, None, None)
    clock.advance(timedelta(hours=1))
    assert retry_failed(services.db, reminders, rasa) == 0
    assert deliver_daily(services.db, reminders, rasa, patient_id, "19:00",
                         "Europe/Oslo").reason == "already_sent"
    assert len(rasa.calls) == 1


def test_failed_send_is_given_up_after_the_last_retry(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    at_oslo(clock, 2, 12)
    with services.db.session() as s:
        s.execute(select(ReminderPreference)).scalar_one().daily_time = "12:00"
    rasa.fail = True
    deliver_daily(services.db, reminders, rasa, patient_id, "12:00", "Europe/Oslo")
    for minutes in RETRY_MINUTES:
        clock.advance(timedelta(minutes=minutes))
        assert retry_failed(services.db, reminders, rasa) == 1
    with services.db.session() as s:
        row = s.execute(select(ReminderSend)).scalar_one()
        assert (row.status, row.attempts, row.retry_at) == ("failed", 1 + len(RETRY_MINUTES),
                                                           None)
    clock.advance(timedelta(hours=1))
    rasa.fail = False
    assert retry_failed(services.db, reminders, rasa) == 0
    assert rasa.calls == []


def test_retry_decides_afresh(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    """A patient who checked in after the failed reminder gets no late one; a PHQ-9
    reminder that failed is still a PHQ-9 reminder when it is retried."""
    at_oslo(clock, 2, 19)
    rasa.fail = True
    deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    rasa.fail = False
    with services.db.session() as s:
        s.add(CheckIn(patient_id=patient_id, instrument="mood", instrument_version="mood-1",
                      status="complete", trigger="patient", language="en", total=5,
                      started_at=clock.now(), updated_at=clock.now(), completed_at=clock.now()))
    clock.advance(timedelta(minutes=RETRY_MINUTES[0]))
    assert retry_failed(services.db, reminders, rasa) == 1
    assert rasa.calls == []
    with services.db.session() as s:
        assert s.execute(select(ReminderSend.retry_at)).scalar_one() is None  # given up
        s.execute(select(ReminderPreference)).scalar_one().phq9_due_on = "2026-03-03"
    at_oslo(clock, 3, 19)
    rasa.fail = True
    deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    with services.db.session() as s:  # still due: nothing was sent
        assert s.execute(select(ReminderPreference)).scalar_one().phq9_due_on == "2026-03-03"
    rasa.fail = False
    clock.advance(timedelta(minutes=RETRY_MINUTES[0]))
    assert retry_failed(services.db, reminders, rasa) == 1
    assert [c[2] for c in rasa.calls] == ["start_phq9"]
    with services.db.session() as s:
        assert s.execute(select(ReminderPreference)).scalar_one().phq9_due_on == "2026-03-17"


def test_patient_active_now_is_not_interrupted(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    at_oslo(clock, 2, 19)
    with services.db.session() as s:
        s.get(Patient, patient_id).last_active_at = clock.now() - timedelta(minutes=10)
    out = deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    assert out.reason == "active_now"
    assert rasa.calls == []


def test_reminder_while_chatting_comes_once_they_are_quiet(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    at_oslo(clock, 2, 18, 50)
    with services.db.session() as s:
        s.get(Patient, patient_id).last_active_at = clock.now()
    at_oslo(clock, 2, 19)
    scheduler.step()
    assert rasa.calls == []
    later = scheduler.get_job(f"daily-later:{patient_id}")
    assert later is not None
    assert later.next_run_time == datetime(2026, 3, 2, 20, 50, 5, tzinfo=OSLO)
    scheduler.shutdown()  # the one-off is in the persistent store: a restart keeps it
    second = make_scheduler(services, reminders, rasa)
    try:
        at_oslo(clock, 2, 20, 51)
        second.step()
        assert rasa.calls == [("tg-42", "telegram", "log_mood", {"reminder": "mood"})]
        assert second.get_job(f"daily-later:{patient_id}") is None
        at_oslo(clock, 3, 19)
        second.step()
        assert len(rasa.calls) == 2
    finally:
        second.shutdown()


def test_stopping_reminders_removes_a_pending_later_one(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        rasa: FakeRasa, patient_id: int, clock: FrozenClock) -> None:
    runner.sync(scheduler, services.db, reminders)
    at_oslo(clock, 2, 19)
    with services.db.session() as s:
        s.get(Patient, patient_id).last_active_at = clock.now()
    scheduler.step()
    assert scheduler.get_job(f"daily-later:{patient_id}") is not None
    with services.db.session() as s:
        reminders.stop(s, s.get(Patient, patient_id))
    runner.sync(scheduler, services.db, reminders)
    assert scheduler.get_jobs(jobstore="default") == []
    at_oslo(clock, 2, 21, 30)
    scheduler.step()
    assert rasa.calls == []


def test_mood_already_logged_today_means_no_reminder(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    def mood_at(local: datetime) -> None:
        with services.db.session() as s:
            s.add(CheckIn(patient_id=patient_id, instrument="mood", instrument_version="mood-1",
                          status="complete", trigger="patient", language="en", total=6,
                          started_at=local, updated_at=local, completed_at=local))

    mood_at(datetime(2026, 3, 1, 23, 30, tzinfo=OSLO))  # yesterday, late: does not count
    at_oslo(clock, 2, 19)
    first = deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    assert first.sent
    mood_at(datetime(2026, 3, 3, 0, 15, tzinfo=OSLO))  # just after local midnight: counts
    at_oslo(clock, 3, 19)
    second = deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    assert (second.sent, second.reason) == (False, "already_checked_in")
    assert len(rasa.calls) == 1


def test_patient_without_a_channel_is_skipped(
        services: Services, reminders: ReminderService, rasa: FakeRasa, patient_id: int,
        clock: FrozenClock) -> None:
    with services.db.session() as s:
        s.execute(delete(ChannelIdentity).where(ChannelIdentity.patient_id == patient_id))
    at_oslo(clock, 2, 19)
    out = deliver_daily(services.db, reminders, rasa, patient_id, "19:00", "Europe/Oslo")
    assert out.reason == "no_channel"
    assert rasa.calls == []
    assert deliver_daily(services.db, reminders, rasa, 999_999, "19:00",
                         "Europe/Oslo").reason == "not_consented"


def test_concurrent_runs_for_one_slot_send_once(
        services: Services, reminders: ReminderService, patient_id: int,
        clock: FrozenClock) -> None:
    """Two schedulers, or a replayed job racing the original: one send, the rest see the
    claimed slot (SQLite's write lock or PostgreSQL's unique index decides)."""
    at_oslo(clock, 2, 19)
    calls: list[str] = []
    lock = threading.Lock()

    def trigger(sender_id: str, channel: str, intent: str, entities: dict[str, Any]) -> None:
        with lock:
            calls.append(sender_id)

    start = threading.Barrier(8)

    def run(_: int) -> str:
        start.wait()
        return deliver_daily(services.db, reminders, trigger, patient_id, "19:00",
                             "Europe/Oslo").reason

    with ThreadPoolExecutor(8) as pool:
        reasons = list(pool.map(run, range(8)))
    assert sorted(reasons) == ["already_sent"] * 7 + ["mood"]
    assert calls == ["tg-42"]
    with services.db.session() as s:
        assert len(s.execute(select(ReminderSend)).all()) == 1


def test_job_store_writes_one_pass_in_one_statement(
        services: Services, reminders: ReminderService, scheduler: runner.SteppedScheduler,
        clock: FrozenClock) -> None:
    """Many jobs due at once: their next run times are written together, not one commit
    per job (the cost that made 10,000 simultaneous reminders slow)."""
    for pid in range(9001, 9006):  # no such patients: each run decides "not_consented"
        scheduler.add_job(runner.fire_daily, CronTrigger(hour=19, minute=0, timezone=OSLO),
                          id=f"daily:{pid}", args=(pid, "19:00", "Europe/Oslo"),
                          jobstore="default")
    store = scheduler._lookup_jobstore("default")
    updates: list[tuple[bool, int]] = []

    def count(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              executemany: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append((executemany, len(params) if executemany else 1))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        at_oslo(clock, 2, 19, 0)
        scheduler.step()
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert updates == [(True, 5)]
    next_runs = {job.id: job.next_run_time for job in scheduler.get_jobs(jobstore="default")}
    assert set(next_runs.values()) == {datetime(2026, 3, 3, 19, 0, tzinfo=OSLO)}
    # Nothing left pending: a second pass finds nothing due and writes nothing.
    scheduler.step()
    assert updates == [(True, 5)]

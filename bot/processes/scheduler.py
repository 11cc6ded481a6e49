"""APScheduler 3 wiring: a SQLAlchemy job store on the product database, one job per
patient and purpose under a deterministic id, and the scheduler process.

Jobs
----
``daily:<patient id>``     cron at the patient's local reminder time (mood, or the
                           PHQ-9 on the days it is due)
``homework:<patient id>``  one-off, a few days after a homework step was shown
``daily-later:<patient id>`` one-off: today's daily reminder again, when the patient
                           was chatting at the usual time (sent once they are quiet)
``sync`` / ``retry``       (memory store) reconcile jobs with preferences every few
                           seconds; try failed sends again when their retry is due

Rescheduling replaces the job under the same id, so it never duplicates. Only the
scheduler process writes the job store: the action server writes preferences to
the database and a sync job reconciles them every few seconds.

Misfires: jobs coalesce (a scheduler that was down runs a missed job once, not once
per missed time) and a daily reminder is still sent up to six hours late (outside
quiet hours); one-off reminders have no limit. APScheduler's default grace of one
second would drop every job in a busy minute: with 1,000 jobs due at once on a
2-core machine and a SQLite job store, all were marked missed and none ran.
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.core.logs import configure as configure_logging
from bot.db import Database, make_engine
from bot.db.tables import Patient
from bot.db.tables.checkins import ReminderPreference
from bot.reminders.delivery import (
    Outcome,
    RasaTrigger,
    Trigger,
    deliver_daily,
    deliver_homework,
    retry_failed,
)
from bot.reminders.jobstore import JOBSTORE_TABLE, BatchingSQLAlchemyJobStore
from bot.reminders.service import DAILY, HOMEWORK, ReminderService

log = logging.getLogger(__name__)

DAILY_GRACE_SECONDS = 6 * 3600
SYNC_SECONDS = 10
FULL_SYNC_MINUTES = 60
DAILY_LATER = "daily-later"
RETRY_SWEEP_SECONDS = 60


def job_id(purpose: str, patient_id: int) -> str:
    return f"{purpose}:{patient_id}"


@dataclass
class Runtime:
    """What job functions need; installed once per scheduler process."""

    db: Database
    reminders: ReminderService
    trigger: Trigger
    scheduler: BaseScheduler | None = None


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def install_runtime(runtime: Runtime | None) -> None:
    global _runtime
    with _runtime_lock:
        _runtime = runtime


def runtime() -> Runtime:
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            from bot.app import get_services

            services = get_services()
            _runtime = Runtime(services.db, services.reminders,
                               RasaTrigger(services.settings.rasa_url, services.settings.rasa_api_token))
        return _runtime


# ---- job functions (referenced by their import path in the job store) ---------------

def fire_daily(patient_id: int, hhmm: str, tz: str) -> str:
    rt = runtime()
    outcome = deliver_daily(rt.db, rt.reminders, rt.trigger, patient_id, hhmm, tz)
    if outcome.retry_at is not None and rt.scheduler is not None:
        # The patient was chatting: try today's reminder again once they have been quiet
        # for a while, as a one-off in the persistent store (a restart keeps it). The
        # send record still allows one reminder per day, whichever job gets there first.
        rt.scheduler.add_job(fire_daily, DateTrigger(outcome.retry_at),
                             id=job_id(DAILY_LATER, patient_id), args=(patient_id, hhmm, tz),
                             replace_existing=True, jobstore="default",
                             misfire_grace_time=DAILY_GRACE_SECONDS, coalesce=True)
    return outcome.reason


def fire_homework(patient_id: int, module_id: str, due_iso: str) -> str:
    rt = runtime()
    outcome: Outcome = deliver_homework(rt.db, rt.reminders, rt.trigger, patient_id, module_id,
                                        due_iso)
    if outcome.retry_at is not None:
        # Quiet hours, a pause or an open risk conversation: move the due time; the sync
        # loop re-adds the job under the same id (APScheduler removes a date job that ran).
        rt.reminders.defer_homework(rt.db, patient_id, module_id, outcome.retry_at)
        if rt.scheduler is not None:
            rt.scheduler.add_job(_resync_one, "date", run_date=rt.reminders.clock.now(),
                                 args=(patient_id,), jobstore="memory",
                                 id=f"resync:{patient_id}", replace_existing=True,
                                 misfire_grace_time=None)
    return outcome.reason


def retry_failed_sends() -> int:
    """Failed sends (Rasa down or restarting) whose retry is due: see delivery.retry_failed."""
    rt = runtime()
    return retry_failed(rt.db, rt.reminders, rt.trigger)


def _resync_one(patient_id: int) -> None:
    rt = runtime()
    if rt.scheduler is None:
        return
    with rt.db.session() as session:  # read, then write the job with no transaction open
        patient = session.get(Patient, patient_id)
        prefs = session.execute(select(ReminderPreference).where(
            ReminderPreference.patient_id == patient_id)).scalar_one_or_none()
        session.expunge_all()
    if patient is not None:
        sync_patient(rt.scheduler, rt.reminders, patient, prefs)


# ---- schedulers ----------------------------------------------------------------

class SteppedScheduler(BaseScheduler):
    """Runs due jobs only when step() is called: for time-controlled tests and tools."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        pass

    def step(self) -> float | None:
        return self._process_jobs()


def scheduler_database(url: str, workers: int = 20) -> Database:
    """The product database with a connection pool sized for the sender threads.

    (SQLAlchemy 1.4 gives a SQLite file a NullPool: a new connection, and its
    PRAGMAs, for every session. With a pool a reminder costs about a quarter.)"""
    if url.startswith("sqlite"):
        from sqlalchemy.pool import QueuePool

        return Database(url, poolclass=QueuePool, pool_size=workers + 2, max_overflow=10)
    return Database(url, pool_size=workers + 2, max_overflow=10)


def jobstore_engine(url: str) -> Engine:
    """APScheduler 3.9's job store speaks SQLAlchemy's 1.x API, so it gets its own
    (non-future) engine on the same database, with the same SQLite settings."""
    if not url.startswith("sqlite"):
        return make_engine(url, future=False)
    from sqlalchemy.pool import QueuePool

    return make_engine(url, future=False, poolclass=QueuePool, pool_size=2, max_overflow=4)


def build_scheduler(db: Database, kind: str = "background", workers: int = 20,
                    executor: Any = None) -> BaseScheduler:
    """A scheduler on the product database; `kind` is background, blocking or stepped."""
    jobstores = {
        "default": BatchingSQLAlchemyJobStore(engine=jobstore_engine(db.url),
                                              tablename=JOBSTORE_TABLE),
        "memory": MemoryJobStore(),
    }
    executors = {"default": executor or ThreadPoolExecutor(workers)}
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": DAILY_GRACE_SECONDS}
    cls: type[BaseScheduler] = {"background": BackgroundScheduler, "blocking": BlockingScheduler,
                                "stepped": SteppedScheduler}[kind]
    return cls(jobstores=jobstores, executors=executors, job_defaults=defaults,
               timezone=timezone.utc)


def _existing(scheduler: BaseScheduler) -> dict[str, Any]:
    return {job.id: job for job in scheduler.get_jobs(jobstore="default")}


def sync_patient(scheduler: BaseScheduler, reminders: ReminderService, patient: Patient,
                 prefs: ReminderPreference | None, existing: dict[str, Any] | None = None) -> None:
    """Makes the patient's jobs match their preferences; unchanged jobs are left alone
    (replacing one would drop a pending catch-up run)."""
    existing = _existing(scheduler) if existing is None else existing
    daily_id, homework_id = job_id(DAILY, patient.id), job_id(HOMEWORK, patient.id)
    wanted = patient.status == "consented" and prefs is not None and prefs.enabled
    if not wanted or prefs is None:
        for jid in (daily_id, homework_id, job_id(DAILY_LATER, patient.id)):
            if jid in existing:
                scheduler.remove_job(jid, jobstore="default")
        return
    tz = str(reminders.tz(patient, prefs))
    args = (patient.id, prefs.daily_time, tz)
    job = existing.get(daily_id)
    if job is None or tuple(job.args) != args:
        hour, minute = (int(x) for x in prefs.daily_time.split(":"))
        scheduler.add_job(fire_daily, CronTrigger(hour=hour, minute=minute, timezone=tz),
                          id=daily_id, args=args, replace_existing=True, jobstore="default",
                          misfire_grace_time=DAILY_GRACE_SECONDS, coalesce=True)
    if prefs.homework_due_at is not None and prefs.homework_module:
        hargs = (patient.id, prefs.homework_module, prefs.homework_due_at.isoformat())
        job = existing.get(homework_id)
        if job is None or tuple(job.args) != hargs:
            scheduler.add_job(fire_homework, DateTrigger(prefs.homework_due_at), id=homework_id,
                              args=hargs, replace_existing=True, jobstore="default",
                              misfire_grace_time=None, coalesce=True)
    elif homework_id in existing:
        scheduler.remove_job(homework_id, jobstore="default")


def sync(scheduler: BaseScheduler, db: Database, reminders: ReminderService,
         since: datetime | None = None) -> int:
    """Reconciles jobs with preferences changed since `since` (all when None); creates
    default preferences for consented patients who have none. Returns rows seen.

    No transaction is open while jobs are written: the job store has its own
    connection, and on SQLite a write of ours still open (the default preferences)
    would make it wait for itself - and every other writer with it - until it failed
    with "database is locked" (seen when a patient had consented but not yet answered
    the workbook question as the scheduler started)."""
    if since is None:
        with db.session() as session:
            _ensure_prefs(session, reminders)
    query = select(Patient, ReminderPreference).join(
        ReminderPreference, ReminderPreference.patient_id == Patient.id)
    if since is not None:
        query = query.where(ReminderPreference.updated_at >= since)
    with db.session() as session:
        rows = session.execute(query).all()
        session.expunge_all()  # read: usable after the session ends
    existing = _existing(scheduler)
    for patient, prefs in rows:
        sync_patient(scheduler, reminders, patient, prefs, existing)
    return len(rows)


def _ensure_prefs(session: Session, reminders: ReminderService) -> None:
    missing = session.execute(
        select(Patient).outerjoin(ReminderPreference, ReminderPreference.patient_id == Patient.id)
        .where(Patient.status == "consented", ReminderPreference.id.is_(None))).scalars().all()
    for patient in missing:
        reminders.prefs(session, patient)


class SyncLoop:
    """The periodic reconciliation job (in the memory job store)."""

    def __init__(self, scheduler: BaseScheduler, rt: Runtime) -> None:
        self.scheduler = scheduler
        self.rt = rt
        self.last: datetime | None = None
        self.last_full: datetime | None = None

    def __call__(self) -> None:
        now = self.rt.reminders.clock.now()
        full = self.last_full is None or now - self.last_full > timedelta(minutes=FULL_SYNC_MINUTES)
        # Overlap the window so a row committed during the last sync is not missed.
        since = None if full else (self.last or now) - timedelta(seconds=2 * SYNC_SECONDS)
        n = sync(self.scheduler, self.rt.db, self.rt.reminders, since)
        if full:
            self.last_full = now
            log.info("reminder jobs reconciled for %d patients", n)
        self.last = now


def run_scheduler(stop_event: threading.Event | None = None) -> int:
    """`python -m bot scheduler`: runs until SIGTERM/SIGINT."""
    from bot.app import get_services

    services = get_services()
    configure_logging(services.settings.log_level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    db = scheduler_database(services.settings.database_url)
    scheduler = build_scheduler(db, "background")
    rt = Runtime(db, services.reminders,
                 RasaTrigger(services.settings.rasa_url, services.settings.rasa_api_token), scheduler)
    install_runtime(rt)
    loop = SyncLoop(scheduler, rt)
    scheduler.start(paused=True)
    loop()  # full reconciliation before the first job runs
    scheduler.add_job(loop, "interval", seconds=SYNC_SECONDS, id="sync", jobstore="memory",
                      replace_existing=True, coalesce=True, misfire_grace_time=None)
    scheduler.add_job(retry_failed_sends, "interval", seconds=RETRY_SWEEP_SECONDS, id="retry",
                      jobstore="memory", replace_existing=True, coalesce=True,
                      misfire_grace_time=None)
    scheduler.resume()
    log.info("scheduler running: %d reminder jobs", len(scheduler.get_jobs(jobstore="default")))
    stop = stop_event or threading.Event()

    def _stop(*_: object) -> None:
        stop.set()

    if stop_event is None:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    stop.wait()
    scheduler.shutdown(wait=True)
    install_runtime(None)
    db.dispose()
    return 0

"""The batching job store on its own: a scheduling pass's updates are written once, at
the end of the pass, and anything else sees the store as written."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.reminders.jobstore import BatchingSQLAlchemyJobStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def noop() -> None:
    """A job function referenced by its import path."""


def stores(tmp_path: Path) -> tuple[BatchingSQLAlchemyJobStore, SQLAlchemyJobStore,
                                    BackgroundScheduler]:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    scheduler = BackgroundScheduler(timezone=timezone.utc)
    batching = BatchingSQLAlchemyJobStore(url=url, tablename="scheduler_jobs")
    batching.start(scheduler, "default")
    other = SQLAlchemyJobStore(url=url, tablename="scheduler_jobs")  # another process
    other.start(scheduler, "default")
    return batching, other, scheduler


def add(store: BatchingSQLAlchemyJobStore, scheduler: BackgroundScheduler, job_id: str,
        when: datetime) -> None:
    from apscheduler.job import Job
    from apscheduler.triggers.date import DateTrigger

    job = Job(scheduler, id=job_id, func=f"{__name__}:noop", args=(), kwargs={},
              trigger=DateTrigger(when), executor="default", misfire_grace_time=60,
              coalesce=True, max_instances=1, next_run_time=when, name=job_id)
    job._jobstore_alias = "default"
    store.add_job(job)


def test_a_passes_updates_are_written_together_at_its_end(tmp_path: Path) -> None:
    store, other, scheduler = stores(tmp_path)
    for i in range(5):
        add(store, scheduler, f"j{i}", T0 + timedelta(seconds=i))
    due = store.get_due_jobs(T0 + timedelta(minutes=1))
    assert [j.id for j in due] == [f"j{i}" for i in range(5)]
    later = T0 + timedelta(days=1)
    for job in due:
        job.next_run_time = later
        store.update_job(job)
    # Not written yet: another reader still sees the old times.
    assert other.lookup_job("j0").next_run_time == T0
    store.get_next_run_time()  # the end of the pass
    assert all(other.lookup_job(f"j{i}").next_run_time == later for i in range(5))


def test_a_read_during_the_pass_sees_the_pending_updates(tmp_path: Path) -> None:
    store, other, scheduler = stores(tmp_path)
    add(store, scheduler, "j", T0)
    (job,) = store.get_due_jobs(T0 + timedelta(minutes=1))
    job.next_run_time = T0 + timedelta(hours=1)
    store.update_job(job)
    assert store.lookup_job("j").next_run_time == T0 + timedelta(hours=1)  # flushed first
    assert other.lookup_job("j").next_run_time == T0 + timedelta(hours=1)


def test_a_job_removed_behind_the_schedulers_back_does_not_stop_it(tmp_path: Path) -> None:
    store, other, scheduler = stores(tmp_path)
    add(store, scheduler, "gone", T0)
    add(store, scheduler, "kept", T0)
    due = store.get_due_jobs(T0 + timedelta(minutes=1))
    other.remove_job("gone")  # e.g. by hand, or another process
    for job in due:
        job.next_run_time = T0 + timedelta(days=1)
        store.update_job(job)
    store.get_next_run_time()  # no exception (APScheduler's own update_job would raise)
    assert other.lookup_job("gone") is None
    assert other.lookup_job("kept").next_run_time == T0 + timedelta(days=1)


def test_outside_a_pass_an_update_is_written_at_once(tmp_path: Path) -> None:
    store, other, scheduler = stores(tmp_path)
    add(store, scheduler, "j", T0)
    job = store.lookup_job("j")
    job.next_run_time = T0 + timedelta(hours=2)
    store.update_job(job)
    assert other.lookup_job("j").next_run_time == T0 + timedelta(hours=2)

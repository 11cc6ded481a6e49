"""APScheduler's SQLAlchemy job store, with the updates of one scheduling pass written
in a single transaction.

APScheduler 3.9 runs due jobs in a loop that, for every job, submits it to the executor
and then writes the job's next run time back with ``update_job``: one UPDATE and one
commit per job. When 10,000 daily reminders fall due in the same minute that is 10,000
commits on the scheduler thread, competing for SQLite's write lock with the sender
threads that record each send. This store collects the updates made between
``get_due_jobs`` and ``get_next_run_time`` (the scheduler calls them in that order,
holding its job-store lock throughout) and writes them with one executemany.

Safety: if the process dies before the batch is written, the jobs keep their old next
run time and run again after a restart; that run finds the send already recorded under
its (patient, purpose, slot) and sends nothing (see ``bot.reminders.delivery``).
"""
from __future__ import annotations

import logging
import pickle
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import bindparam

log = logging.getLogger(__name__)

# The table APScheduler keeps its jobs in (the product database).
JOBSTORE_TABLE = "scheduler_jobs"


class BatchingSQLAlchemyJobStore(SQLAlchemyJobStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, dict[str, Any]] | None = None

    # The scheduler's pass: get_due_jobs -> update_job/remove_job per job -> get_next_run_time.
    def get_due_jobs(self, now: Any) -> list[Job]:
        self._flush()
        jobs: list[Job] = super().get_due_jobs(now)
        self._pending = {}
        return jobs

    def update_job(self, job: Job) -> None:
        if self._pending is None:
            super().update_job(job)
            return
        self._pending[job.id] = {
            "job_id": job.id,
            "run_at": datetime_to_utc_timestamp(job.next_run_time),
            "state": pickle.dumps(job.__getstate__(), self.pickle_protocol),
        }

    def get_next_run_time(self) -> Any:
        self._flush()
        return super().get_next_run_time()

    # Anything else sees the store as written: flush first.
    def lookup_job(self, job_id: str) -> Job | None:
        self._flush()
        return super().lookup_job(job_id)

    def get_all_jobs(self) -> list[Job]:
        self._flush()
        jobs: list[Job] = super().get_all_jobs()
        return jobs

    def add_job(self, job: Job) -> None:
        self._flush()
        super().add_job(job)

    def remove_job(self, job_id: str) -> None:
        self._flush()
        super().remove_job(job_id)

    def remove_all_jobs(self) -> None:
        self._pending = None
        super().remove_all_jobs()

    def shutdown(self) -> None:
        self._flush()
        super().shutdown()

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if not pending:
            return
        table = self.jobs_t
        statement = (table.update().where(table.c.id == bindparam("job_id"))
                     .values(next_run_time=bindparam("run_at"), job_state=bindparam("state")))
        with self.engine.begin() as conn:
            result = conn.execute(statement, list(pending.values()))
        if 0 <= result.rowcount < len(pending):  # -1: the driver cannot tell
            # Removed behind the scheduler's back (by hand, another process): nothing to
            # update. APScheduler's own update_job would raise here and stop the scheduler
            # thread; a missing job is no reason to stop sending everyone else's.
            log.warning("%d of %d jobs were gone when their next run time was written",
                        len(pending) - result.rowcount, len(pending))

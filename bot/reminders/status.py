"""`python -m bot reminders status`: what the scheduler holds and has done, for an
operator (no patient details beyond their reference)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import TextIO

from sqlalchemy import func, inspect, select, text

from bot.db import Database
from bot.db.tables import Patient
from bot.db.tables.checkins import ReminderPreference, ReminderSend
from bot.reminders.jobstore import JOBSTORE_TABLE


def print_status(db: Database, now: datetime, out: TextIO, upcoming: int = 5) -> None:
    with db.session() as session:
        prefs = session.execute(
            select(ReminderPreference.enabled, ReminderPreference.paused_until)
            .join(Patient, Patient.id == ReminderPreference.patient_id)
            .where(Patient.status == "consented")).all()
        on = sum(1 for enabled, paused in prefs if enabled and not (paused and paused > now))
        paused = sum(1 for enabled, until in prefs if enabled and until and until > now)
        print(f"patients with reminders: {on} on, {paused} paused, "
              f"{len(prefs) - on - paused} stopped", file=out)

        if not inspect(session.connection()).has_table(JOBSTORE_TABLE):
            print("scheduler: has not run on this database yet (python -m bot scheduler, "
                  "or make run)", file=out)
        else:
            jobs = session.execute(text(
                f"SELECT id, next_run_time FROM {JOBSTORE_TABLE} "
                "ORDER BY next_run_time")).all()
            kinds = Counter(job_id.split(":")[0] for job_id, _ in jobs)
            print(f"scheduled jobs: {len(jobs)} ("
                  + (", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none")
                  + ")", file=out)
            for job_id, run_at in jobs[:upcoming]:
                when = datetime.fromtimestamp(run_at, timezone.utc) if run_at else None
                print(f"  next: {job_id:<22} {when:%Y-%m-%d %H:%M} UTC" if when
                      else f"  next: {job_id:<22} (paused)", file=out)

        since = now - timedelta(hours=24)
        rows = session.execute(
            select(ReminderSend.status, ReminderSend.retry_at.is_not(None), func.count())
            .where(ReminderSend.created_at >= since)
            .group_by(ReminderSend.status, ReminderSend.retry_at.is_not(None))).all()
        counts = {(status, bool(pending)): n for status, pending, n in rows}
        print(f"last 24 hours: {counts.get(('sent', False), 0)} sent, "
              f"{counts.get(('failed', True), 0)} failed and waiting for a retry, "
              f"{counts.get(('failed', False), 0)} given up", file=out)
        last_error = session.execute(
            select(ReminderSend.error, ReminderSend.created_at)
            .where(ReminderSend.status == "failed", ReminderSend.created_at >= since)
            .order_by(ReminderSend.created_at.desc()).limit(1)).first()
        if last_error is not None:
            print(f"  latest failure ({last_error.created_at:%H:%M} UTC): {last_error.error}",
                  file=out)

"""Scheduler capacity: N patients whose daily reminders fall due in the same minute.

A real APScheduler (BackgroundScheduler, the product's SQLAlchemy job store, thread
pool) on a SQLite file - or on a fresh PostgreSQL database with --database-url - sends
every reminder to a real local HTTP server standing in for Rasa's
`/conversations/{id}/trigger_intent`. Prints how long after the due time the first and
the last reminder arrived, whether any patient got one twice, and the CPU time the
scheduler process used.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/scheduler_capacity.py            # 10,000
    PYTHONPATH=$PWD .venv/bin/python benchmarks/scheduler_capacity.py --patients 1000
    PYTHONPATH=$PWD .venv/bin/python benchmarks/scheduler_capacity.py \
        --database-url postgresql://postgres@127.0.0.1:5432/gpcbt_bench   # a scratch copy

Goal on 2 cores: all 10,000 within 60 seconds of the due minute, none twice.
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def fake_rasa(port: int, ready: mp.Event) -> None:  # type: ignore[valid-type]
    """Records every trigger_intent call: sender and arrival time."""
    arrivals: list[tuple[str, float]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            sender = self.path.split("/")[2]
            arrivals.append((sender, time.time()))
            self._reply(b'{"messages": []}')

        def do_GET(self) -> None:
            self._reply(json.dumps(arrivals).encode())

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    ready.set()
    server.serve_forever()


def zone_for_local_noon(now: datetime) -> str:
    """A fixed-offset zone in which `now` is around midday (outside quiet hours)."""
    offset = (12 - now.hour + 12) % 24 - 12
    if offset == 0:
        return "UTC"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX sign is inverted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--lead", type=int, default=45, help="seconds of setup before due")
    parser.add_argument("--database-url", default="",
                        help="postgresql://host/name: run on a fresh database next to it "
                             "(created and dropped); default a SQLite file in a temp dir")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    scratch = ""
    if args.database_url:
        from tests.pgdb import create_scratch_database

        url = scratch = create_scratch_database(args.database_url)
        where = f"PostgreSQL database {url}"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="sched-bench-"))
        url = f"sqlite:///{tmp / 'bench.db'}"
        where = f"SQLite file {tmp / 'bench.db'}"
    try:
        return run(args, url, where)
    finally:
        if scratch:
            from tests.pgdb import drop_database

            drop_database(scratch)


def run(args: argparse.Namespace, url: str, where: str) -> int:
    from bot.core.clock import SystemClock
    from bot.core.settings import REPO_ROOT, load_settings
    from bot.db.migrate import upgrade
    from bot.db.tables import ChannelIdentity, Gp, Patient, Practice
    from bot.db.tables.checkins import ReminderPreference
    from bot.processes import scheduler as runner
    from bot.reminders.delivery import RasaTrigger
    from bot.reminders.service import ReminderService

    upgrade(url)
    from tests.e2e.stack import free_port

    port = free_port()
    ready = mp.Event()
    server = mp.Process(target=fake_rasa, args=(port, ready), daemon=True)
    server.start()
    ready.wait(10)

    clock = SystemClock()
    now = clock.now()
    due = (now + timedelta(seconds=args.lead + 60)).replace(second=0, microsecond=0)
    tz = zone_for_local_noon(due)
    from zoneinfo import ZoneInfo

    local_due = due.astimezone(ZoneInfo(tz))
    hhmm = f"{local_due:%H:%M}"
    settings = load_settings({"DATABASE_URL": url, "CONTENT_DIR": str(REPO_ROOT / "cbt_content"),
                              "RASA_URL": f"http://127.0.0.1:{port}"})
    db = runner.scheduler_database(url, args.workers)
    t0 = time.monotonic()
    with db.session() as s:
        practice = Practice(name="Bench", country="NO", timezone=tz, created_at=now)
        s.add(practice)
        s.flush()
        gp = Gp(practice_id=practice.id, name="Dr Bench", email="bench@example.org",
                notify_channels="console", created_at=now)
        s.add(gp)
        s.flush()
        patients = [Patient(ref=f"P-{i:06d}", gp_id=gp.id, language="en", timezone=tz,
                            status="consented", share_workbook=False, created_at=now)
                    for i in range(args.patients)]
        s.add_all(patients)
        s.flush()
        s.add_all([ChannelIdentity(patient_id=p.id, channel="rest", sender_id=f"bench-{p.id}",
                                   created_at=now) for p in patients])
        s.add_all([ReminderPreference(patient_id=p.id, enabled=True, daily_time=hhmm,
                                      updated_at=now) for p in patients])
    t_db = time.monotonic() - t0

    reminders = ReminderService(settings, clock)
    scheduler = runner.build_scheduler(db, "background", workers=args.workers)
    trigger = RasaTrigger(settings.rasa_url, settings.rasa_api_token)
    runner.install_runtime(runner.Runtime(db, reminders, trigger, scheduler))
    scheduler.start(paused=True)
    t1 = time.monotonic()
    runner.sync(scheduler, db, reminders)
    t_sync = time.monotonic() - t1
    scheduler.resume()
    wait = (due - clock.now()).total_seconds()
    print(f"{args.patients} patients, {os.cpu_count()} CPUs, {args.workers} sender threads, "
          f"database and job store: {where}")
    print(f"setup: patients {t_db:.1f}s, {args.patients} jobs added to the job store "
          f"{t_sync:.1f}s; all due at {local_due:%H:%M} {tz} (in {wait:.0f}s)")
    if wait < 0:
        print("error: setup took longer than --lead; run again with a larger --lead")
        return 2

    import requests

    deadline = due + timedelta(seconds=180)
    while clock.now() < due:
        time.sleep(0.05)
    cpu0, wall0 = time.process_time(), time.monotonic()
    arrivals: list[tuple[str, float]] = []
    while clock.now() < deadline:
        time.sleep(2)
        arrivals = requests.get(f"http://127.0.0.1:{port}/", timeout=30).json()
        if len(arrivals) >= args.patients and clock.now() > due + timedelta(seconds=5):
            break
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    time.sleep(5)  # anything extra (a duplicate) would arrive now
    arrivals = requests.get(f"http://127.0.0.1:{port}/", timeout=30).json()
    scheduler.shutdown(wait=True)
    server.terminate()

    counts = Counter(sender for sender, _ in arrivals)
    twice = sum(1 for c in counts.values() if c > 1)
    due_ts = due.timestamp()
    first = min(t for _, t in arrivals) - due_ts if arrivals else float("nan")
    last = max(t for _, t in arrivals) - due_ts if arrivals else float("nan")
    with db.session() as s:
        from sqlalchemy import func, select

        from bot.db.tables.checkins import ReminderSend

        recorded = s.execute(select(func.count()).select_from(ReminderSend)
                             .where(ReminderSend.status == "sent")).scalar_one()
    print(f"triggered: {len(counts)} of {args.patients} patients "
          f"({len(arrivals)} requests; {recorded} sends recorded)")
    print(f"first reminder {first:.1f}s after the due time, last {last:.1f}s after")
    print(f"fired twice: {twice}")
    print(f"scheduler process: {cpu:.1f} s CPU (all threads) in the {wall:.1f} s from the due "
          f"time until the last arrival was seen (polled every 2 s); the stand-in for Rasa "
          f"runs in a process of its own")
    ok = len(counts) == args.patients and twice == 0 and last <= 60
    print("PASS" if ok else "FAIL", "(goal: all within 60 s, none twice)")
    db.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

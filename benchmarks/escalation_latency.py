"""Escalation latency: from a patient's risk message (REST) to the GP's e-mail being
accepted by the SMTP server, on the embedded defaults (SQLite, one worker polling
every second), with a real aiosmtpd server on localhost. Goal: p95 under 10 seconds.

    python benchmarks/escalation_latency.py [--n 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.enrolment.service import add_gp, format_code, invite_patient
from tests.e2e.stack import Stack, free_port
from tests.test_escalation_support import RecordingHandler, start_smtp


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=20, help="risk messages (one new patient each)")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="esc_bench_"))
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    db = Database(url)
    codes = []
    with db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", SystemClock().now())
        for _ in range(args.n):
            codes.append(format_code(invite_patient(s, gp, SystemClock().now(), 14).code))
    handler = RecordingHandler()
    controller = start_smtp(handler)
    stack = Stack(
        workdir=workdir,
        database_url=url,
        rasa_port=free_port(),
        action_port=free_port(),
        extra_env={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(controller.port),
            "SMTP_FROM": "alerts@practice.example",
        },
    )
    stack.start()
    stack.spawn("worker", [sys.executable, "-m", "bot", "worker"])  # default 1 s poll
    time.sleep(3)
    latencies: list[float] = []
    http = requests.Session()
    try:
        for i, code in enumerate(codes):
            sender = f"bench-{i}"
            stack.say(sender, f"/start {code}", http)
            stack.say(sender, "/consent_agree", http)
            stack.say(sender, '/consent_agree{"share":"no"}', http)
            before = len([r for r in handler.received if r.subject.startswith("[URGENT]")])
            t0 = time.monotonic()
            stack.say(sender, "i want to end my life", http)
            deadline = t0 + 60
            while time.monotonic() < deadline:
                urgent = [r for r in handler.received if r.subject.startswith("[URGENT]")]
                if len(urgent) > before:
                    latencies.append(urgent[-1].at - t0)
                    break
                time.sleep(0.02)
            else:
                print(f"message {i}: no e-mail within 60 s", file=sys.stderr)
    finally:
        stack.stop()
        controller.stop()
        db.dispose()
    if not latencies:
        print("no e-mails arrived")
        return 1
    p95 = pct(latencies, 95)
    print(
        f"risk message -> GP e-mail accepted by SMTP, n={len(latencies)} (of {args.n}): "
        f"p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s "
        f"(goal p95 < 10 s: {'met' if p95 < 10 else 'NOT met'})"
    )
    return 0 if p95 < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())

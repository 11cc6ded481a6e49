"""Crash safety: the worker is a subprocess, SIGKILLed at random moments while it
delivers to a real aiosmtpd server, and restarted. Afterwards every notification has
been delivered, and the GP's inbox, de-duplicated on Message-ID as mail clients and
servers do, holds each exactly once. Raw resends (a kill between the server's
acceptance and the worker's commit) are counted and reported."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.clock import SystemClock
from bot.core.settings import REPO_ROOT, load_settings
from bot.db.migrate import upgrade
from bot.db.tables import Notification
from bot.escalation.compose import OutgoingMessage
from bot.escalation.outbox import EscalationRequest, escalate
from tests.test_escalation_support import RecordingHandler, get_patient, make_patient, start_smtp

pytestmark = [pytest.mark.slow]
N = 40


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--poll", "0.05", "--lease-seconds", "1"],
            cwd=REPO_ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )


def test_sigkill_at_random_points_loses_nothing_and_inbox_has_each_once(
    db_url: str, tmp_path: Path
) -> None:
    upgrade(db_url)
    services = Services(settings=load_settings({"DATABASE_URL": db_url}), clock=SystemClock())
    patient_id, _ = make_patient(services, channels="email")
    with services.db.session() as s:
        patient = get_patient(s, patient_id)
        for i in range(N):
            escalate(
                s,
                patient,
                EscalationRequest(
                    kind="risk",
                    urgency="urgent",
                    summary="risk",
                    details={},
                    idempotency_key=f"risk:test:{i}",
                ),
                services.clock.now(),
            )
    with services.db.session() as s:
        keys = set(
            s.execute(
                select(Notification.idempotency_key).where(Notification.channel == "email")
            ).scalars()
        )
    assert len(keys) == N

    handler = RecordingHandler(delay=0.03)  # a slowish server widens the window to hit
    controller = start_smtp(handler)
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(controller.port),
        SMTP_FROM="alerts@practice.example",
        PYTHONPATH=str(REPO_ROOT),
        LOG_LEVEL="WARNING",
        RASA_TELEMETRY_ENABLED="false",
    )
    log = tmp_path / "worker.log"
    rng = random.Random(1234)
    kills = 0
    try:
        for _ in range(12):
            proc = spawn(env, log)
            time.sleep(rng.uniform(0.6, 1.6))  # start-up is ~0.5 s; then it delivers
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
        proc = spawn(env, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with services.db.session() as s:
                left = s.execute(select(Notification.id).where(Notification.status != "sent")).all()
            if not left:
                break
            time.sleep(0.2)
        proc.terminate()
        proc.wait(20)
    finally:
        controller.stop()
        services.db.dispose()

    with services.db.session() as s:
        rows = s.execute(select(Notification)).scalars().all()
    assert {r.status for r in rows} == {"sent"}, log.read_text()[-3000:]
    domain = "practice.example"
    expected = {OutgoingMessage(0, k, "email", "", "", "", "").message_id(domain): k for k in keys}
    inbox = handler.inbox()
    # Nothing lost: every notification arrived; nothing extra: no distinct duplicates.
    assert set(inbox) == set(expected)
    assert all(inbox[mid].key == key for mid, key in expected.items())
    assert all(r.rcpt == ["ada@example.org"] for r in handler.received)
    raw_resends = len(handler.received) - len(inbox)
    interrupted = sum(r.attempts - 1 for r in rows if r.channel == "email")
    print(
        f"\n{kills} SIGKILLs; {N} e-mails; {len(handler.received)} accepted by the server; "
        f"{raw_resends} resends with the same Message-ID; {interrupted} retried attempts"
    )
    assert kills >= 10

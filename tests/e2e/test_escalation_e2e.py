"""End to end: the real Rasa server, action server, escalation worker and GP web
server, a real SMTP server on localhost. A patient finishes module 1 -> the GP gets an
e-mail with a working link to the brief; a risk message -> an urgent e-mail; no
acknowledgement -> the practice's fallback contact is told after the (shortened)
deadline."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.core.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import Escalation, Patient
from bot.enrolment.service import add_gp
from tests.e2e.stack import Stack, free_port, texts
from tests.e2e.test_rest_flow import onboard
from tests.test_escalation_support import Received, RecordingHandler, start_smtp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, RecordingHandler, str]]:
    workdir: Path = tmp_path_factory.mktemp("esc_stack")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", SystemClock().now(), language="en")
        gp.practice.fallback_contact_email = "desk@example.org"
        gp.practice.language = "en"  # the fallback desk reads the practice's language
    db.dispose()
    handler = RecordingHandler()
    controller = start_smtp(handler)
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    stack = Stack(
        workdir=workdir,
        database_url=url,
        rasa_port=free_port(),
        action_port=free_port(),
        extra_env={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(controller.port),
            "SMTP_FROM": "alerts@practice.example",
            "GP_WEB_PORT": str(web_port),
            "GP_WEB_URL": web_url,
        },
    )
    stack.start()
    stack.spawn("worker", [sys.executable, "-m", "bot", "worker", "--poll", "0.2"])
    stack.spawn(
        "gpweb",
        [sys.executable, "-m", "bot", "gpweb", "--port", str(web_port), "--host", "127.0.0.1"],
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{web_url}/health", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "gpweb did not start"
        time.sleep(0.2)
    try:
        yield stack, handler, web_url
    finally:
        stack.stop()
        controller.stop()


def wait_mail(handler: RecordingHandler, pred, timeout: float = 20) -> Received:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in list(handler.received):
            if pred(r):
                return r
        time.sleep(0.1)
    raise AssertionError(f"no such e-mail; got {[r.subject for r in handler.received]}")


def ref_of(stack: Stack, sender: str) -> str:
    db = Database(stack.database_url)
    with db.session() as s:
        p = s.execute(select(Patient).where(Patient.identities.any(sender_id=sender))).scalar_one()
        ref = p.ref
    db.dispose()
    return ref


def test_module_finished_mail_links_to_the_brief(world) -> None:  # type: ignore[no-untyped-def]
    stack, handler, web_url = world
    r = onboard(stack, "esc-alice")
    for _ in range(40):
        payloads = [b["payload"] for b in r for b in (b.get("buttons") or [])]
        if any(p.startswith("/choose") for p in payloads):
            r = stack.say("esc-alice", "b")
        elif "/skip" in payloads:
            r = stack.say("esc-alice", "I went for a short walk and felt a little better.")
        elif "/continue_program" in payloads and "finished module 1" not in texts(r).lower():
            r = stack.say("esc-alice", "next")
        else:
            break
    assert "finished module 1" in texts(r).lower()
    assert "follow-up" in texts(r)  # told honestly that module 2 waits for the GP or a date
    ref = ref_of(stack, "esc-alice")
    mail = wait_mail(handler, lambda m: ref in m.subject and "follow-up due" in m.subject)
    assert mail.rcpt == ["ada@example.org"]
    assert mail.subject.startswith("[ROUTINE]")
    assert "Book a 10-15 minute follow-up" in mail.body
    assert "short walk" not in mail.body  # no clinical detail in e-mail by default
    link = re.search(rf"{re.escape(web_url)}/brief/\S+", mail.body)
    assert link, mail.body
    page = requests.get(link.group(0), timeout=10)
    assert page.status_code == 200
    assert "Suggested agenda" in page.text
    assert "short walk" in page.text
    assert "No check-ins yet" in page.text or "PHQ-9" in page.text


def test_risk_message_urgent_mail_then_failover(world) -> None:  # type: ignore[no-untyped-def]
    stack, handler, _ = world
    onboard(stack, "esc-bob")
    t0 = time.monotonic()
    r = stack.say("esc-bob", "i want to kill myself tonight")
    assert "safe right now" in texts(r).lower()
    ref = ref_of(stack, "esc-bob")
    mail = wait_mail(handler, lambda m: ref in m.subject and m.subject.startswith("[URGENT]"))
    assert mail.rcpt == ["ada@example.org"]
    assert "risk" in mail.subject
    assert mail.at - t0 < 10
    # Nobody acknowledges; the test shortens the deadline to a few seconds.
    db = Database(stack.database_url)
    with db.session() as s:
        esc = (
            s.execute(
                select(Escalation).where(
                    Escalation.kind == "risk", Escalation.summary.like(f"%{ref}%")
                )
            )
            .scalars()
            .first()
        )
        esc.ack_deadline = esc.created_at + timedelta(seconds=3)
        esc_id = esc.id
    db.dispose()
    reminder = wait_mail(handler, lambda m: ref in m.subject and m.subject.startswith("REMINDER"))
    assert reminder.rcpt == ["ada@example.org"]
    failover = wait_mail(handler, lambda m: ref in m.subject and m.subject.startswith("FAIL-OVER"))
    assert failover.rcpt == ["desk@example.org"]
    assert "has not acknowledged" in failover.body
    db = Database(stack.database_url)
    with db.session() as s:
        assert s.get(Escalation, esc_id).status == "open"
    db.dispose()

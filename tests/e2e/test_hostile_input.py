"""Requests that once stopped or stalled Rasa, sent to a real stack (127.0.0.1 only).

Each kind once broke something: a lone surrogate in the sender id made the tracker
store raise and Rasa exit; whitespace made the NLU raise; ``[]`` and ``null`` bodies
gave 500; 100 KB of random letters paged a GP; a Cyrillic letter hid "I want to die";
a lost action left the patient without any reply. After all of them the same Rasa
process still answers an ordinary patient at once. (The bounded load version, with
thousands of such messages at once, is benchmarks/hostile.py.)
"""
from __future__ import annotations

import random
import string
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from bot.db.session import Database
from bot.db.tables import RiskEvent
from tests.e2e.stack import Stack, running_stack, texts
from tests.e2e.test_rest_flow import onboard

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, "hostile") as s:
        yield s


def rasa_proc(stack: Stack):
    return stack.procs[[log.name for log in stack.logs].index("rasa.log")]


def post(stack: Stack, body: bytes) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                         headers={"Content-Type": "application/json"}, timeout=60)


def urgent_events(stack: Stack, sender: str) -> int:
    db = Database(stack.database_url)
    try:
        with db.session() as s:
            rows = s.execute(select(RiskEvent).where(RiskEvent.sender_id == sender)).scalars().all()
            return sum(1 for r in rows if r.urgency == "urgent")
    finally:
        db.dispose()


def test_nothing_sent_stops_rasa_and_a_patient_is_answered_at_once(stack: Stack) -> None:
    proc = rasa_proc(stack)
    pid = proc.pid
    onboard(stack, "olga")

    # Bodies that are not a message: a clear 400, never a 500.
    for body in (b"[]", b"null", b"", b"{", b'"hi"', b'{"sender": ["x"], "message": "hi"}',
                 b'{"sender": "\\ud800", "message": "hi"}', b'{"sender": "a", "message": 7}',
                 b'{"sender": "' + b"a" * 500 + b'", "message": "hi"}'):
        r = post(stack, body)
        assert r.status_code == 400, (body[:40], r.status_code, r.text)
        assert "error" in r.json()

    # Empty and whitespace-only messages: a kind reply, no exception in the log.
    for blank in ("", " ", "\n", "\u2028\u2029", "\u200b"):
        r = stack.say("olga", blank)
        assert "empty" in texts(r).lower(), (repr(blank), r)

    # 100 KB of random letters: answered, cut, and never an urgent page.
    rnd = random.Random(7)
    for _ in range(5):
        junk = "".join(rnd.choice(string.ascii_letters + "    ") for _ in range(100_000))
        r = stack.say("olga", junk)
        assert r and "long message" in texts(r).lower()
    assert urgent_events(stack, "olga") == 0

    # A homoglyph does not hide risk (Cyrillic "а" in "want").
    r = stack.say("olga", "i w\u0430nt to die")
    out = texts(r).lower()
    assert "safe" in out or "113" in out, out

    # The same process, still answering an ordinary patient within a second.
    assert proc.poll() is None and rasa_proc(stack).pid == pid
    onboard(stack, "pia")
    took = []
    for _ in range(3):
        t = time.monotonic()
        r = stack.say("pia", "what can you do?")
        took.append(time.monotonic() - t)
        assert texts(r)
    assert sorted(took)[1] < 1.0, took
    log = (stack.workdir / "rasa.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_a_message_that_gets_no_answer_from_the_actions_still_gets_the_crisis_numbers(
        stack: Stack) -> None:
    onboard(stack, "rolf")
    actions = stack.procs[[log.name for log in stack.logs].index("actions.log")]
    actions.terminate()
    actions.wait(timeout=30)
    r = stack.say("rolf", "i feel a bit flat today")
    out = texts(r)
    assert "could not answer" in out and "113" in out, out
    log = (stack.workdir / "rasa.log").read_text(errors="replace")
    assert "got no reply" in log and "flat today" not in log

"""End to end: a patient who did everything (a module's workbook, reminders, a PHQ-9, a
mood check-in with a note, a risk message with its urgent e-mail to the GP, a follow-up,
two chats) asks in chat for their data to be deleted; once the erasure has run, no
file of the installation (the product database, Rasa's tracker store, their write-ahead
logs, the job store, the e-mails, every log) holds their words, reference or chat ids.
"""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import SystemClock
from bot.core.settings import REPO_ROOT, load_settings
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import ChannelIdentity, Escalation, Patient
from bot.db.tables.checkins import CheckIn, ReminderPreference
from bot.escalation.followups import record_followup
from tests.e2e.stack import Stack, buttons, free_port, texts
from tests.e2e.test_checkins_e2e import _wait_for
from tests.e2e.test_rest_flow import onboard, payload_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIRST, SECOND = "erase-me-rest-4417", "erase-me-web-4418"
WORDS = ("marmalade-zebra", "quokka-lantern", "ferris-okapi", "tapir-umbrella")


def files_holding(folder: Path, needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            hits = [n for n in needles if n.encode() in body]
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


def test_an_erased_patient_leaves_nothing_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    stack = Stack(workdir=tmp_path, database_url=url, rasa_port=free_port(), action_port=free_port(),
                  extra_env={"VAR_DIR": str(tmp_path), "ERASURE_GRACE_HOURS": "0",
                             # invite codes are keyed: the same key as this process's
                             "SECRET_KEY": load_settings().secret_key})
    stack.start()
    stack.spawn("worker", [sys.executable, "-m", "bot", "worker", "--poll", "0.2"])
    stack.spawn("scheduler", [sys.executable, "-m", "bot", "scheduler"])
    db = Database(url)
    try:
        replies = onboard(stack, FIRST)
        with db.session() as s:
            patient = s.execute(select(Patient)).scalar_one()
            patient_id, ref = patient.id, patient.ref
        # Module 1, start to finish, with written answers in the workbook.
        for _ in range(40):
            payloads = [b["payload"] for b in buttons(replies)]
            if any(p.startswith("/choose") for p in payloads):
                replies = stack.say(FIRST, "b")
            elif "/skip" in payloads:
                replies = stack.say(FIRST, f"my grandmother's {WORDS[0]} kitchen")
            elif "/continue_program" in payloads and "finished module 1" not in texts(replies).lower():
                replies = stack.say(FIRST, "next")
            else:
                break
        assert "finished module 1" in texts(replies).lower(), texts(replies)
        # Reminders, with a job in the scheduler's store.
        stack.say(FIRST, "remind me at 18:30")
        with db.session() as s:
            assert s.execute(select(ReminderPreference)).scalar_one().daily_time == "18:30"
        # A PHQ-9 and a mood check-in with a note.
        stack.say(FIRST, "/start_phq9")
        for answer in ["several days"] * 8 + ["not at all"]:  # item 9 last: no risk here
            stack.say(FIRST, answer)
        stack.say(FIRST, "somewhat difficult")
        stack.say(FIRST, "/log_mood")
        stack.say(FIRST, "about a 6")
        stack.say(FIRST, f"walked past the {WORDS[1]} shop")
        with db.session() as s:
            assert len(s.execute(select(CheckIn).where(CheckIn.status == "complete")).all()) == 2
        # A risk message: the crisis reply, and an urgent e-mail to the GP (var/mail/).
        replies = stack.say(FIRST, f"the pills and vodka are ready for tonight, the {WORDS[2]} plan")
        if "113" not in texts(replies):  # asked directly first: yes
            replies = stack.say(FIRST, payload_for(replies, '"risk_confirmed":"yes"'))
        assert "113" in texts(replies)
        stack.say(FIRST, "/im_safe")
        _wait_for("the GP's e-mail", lambda: list((tmp_path / "mail").glob("*.eml")), 60, stack)
        with db.session() as s:
            esc = s.execute(select(Escalation).where(Escalation.kind == "followup_due")).scalars().first()
            record_followup(s, esc.id, date.today(), "talked it through", "gp:test", SystemClock().now())
            # A second chat of the same patient (how a second chat gets linked is tested
            # in tests/test_enrolment.py; here it only has to exist).
            s.add(ChannelIdentity(patient_id=patient_id, channel="rest", sender_id=SECOND,
                                  created_at=SystemClock().now()))
        stack.say(SECOND, f"hello from the {WORDS[3]} phone")
        _wait_for("a job in the job store", lambda: files_holding(tmp_path, ["daily:"]), 60, stack)
        needles = [*WORDS, ref, FIRST, SECOND]
        assert files_holding(tmp_path, needles)  # the search finds them before the erasure

        # "Delete my data": asked first, then scheduled (no grace here), the GP told.
        replies = stack.say(FIRST, "please delete my data")
        replies = stack.say(FIRST, payload_for(replies, '"confirm":"yes"'))
        assert "will be deleted" in texts(replies)
        with db.session() as s:
            assert s.get(Patient, patient_id).status == "withdrawn"
        # The operator's command carries it out at once (the worker would at its next sweep).
        env = stack.env()
        done = subprocess.run([sys.executable, "-m", "bot", "patients", "erasures", "--run"],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert "carried out 1 erasure" in done.stdout, done.stdout + done.stderr
        with db.session() as s:
            assert s.get(Patient, patient_id).status == "erased"
        time.sleep(1)  # whatever the processes log about it
        left = files_holding(tmp_path, needles)
        assert not left, f"still found after the erasure: {left}"
        # The stack still works, and the erased chat is a stranger now.
        assert "invite code" in texts(stack.say(FIRST, "hello")).lower()
    finally:
        db.dispose()
        stack.stop()

"""A patient's data, exported and erased (bot/privacy/data_rights.py), and the append-only
audit log, on a real database and Rasa's own SQL tracker store."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.app import Services
from bot.cli.commands import main as cli
from bot.core.clock import FrozenClock
from bot.db.audit import AuditLogIsAppendOnly, audit
from bot.db.tables import AuditLog, Escalation, Patient, RiskEvent, WorkbookEntry
from bot.safety import detect
from tests.test_escalation_support import get_patient, make_patient


def conversation(path: Path, sender: str) -> str:
    """Writes a short conversation with Rasa's own SQL tracker store; returns its URL."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered("my sister visits on sundays"))
    tracker.update(BotUttered("Thank you, that's saved."))
    import asyncio

    asyncio.run(store.save(tracker))
    return f"sqlite:///{path}"


@pytest.fixture
def patient(services: Services, clock: FrozenClock, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    from bot.enrolment.service import invite_patient, redeem_invite

    patient_id, _ = make_patient(services)
    with services.db.session() as s:
        p = get_patient(s, patient_id)
        gp = p.gp
        code = invite_patient(s, gp, clock.now(), 14, patient=p).code
        redeem_invite(s, "rest", "pat-1", code, clock.now())
        s.add(WorkbookEntry(patient_id=patient_id, module_id="m1", step_id="s1", prompt="Who?",
                            answer="my sister visits on sundays", created_at=clock.now()))
        services.safety.handle_risk(s, p, "rest", "pat-1", "i want to die", detect("i want to die"),
                                    context="free_chat")
        ref = p.ref
    monkeypatch.setenv("TRACKER_URL", conversation(tmp_path / "tracker.db", "pat-1"))
    return patient_id, ref


def test_export_holds_everything_and_is_audited(services: Services, patient: tuple[int, str]) -> None:
    _, ref = patient
    out = io.StringIO()
    assert cli(["patients", "export", ref], out) == 0
    data = json.loads(out.getvalue())
    assert data["patient"]["ref"] == ref
    assert data["workbook_entries"][0]["answer"] == "my sister visits on sundays"
    assert data["risk_events"][0]["message_text"] == "i want to die"
    assert data["escalations"] and data["consent_records"] is not None
    assert [m["who"] for m in data["conversation"]] == ["patient", "bot"]
    with services.db.session() as s:
        assert s.execute(select(AuditLog).where(AuditLog.action == "patient_exported")).scalar_one()


def test_erase_removes_the_patients_data_and_conversation(
        services: Services, patient: tuple[int, str], tmp_path: Path) -> None:
    patient_id, ref = patient
    out = io.StringIO()
    assert cli(["patients", "erase", ref, "--confirm", "P-WRONG"], out) == 1  # must repeat the ref
    assert cli(["patients", "erase", ref, "--confirm", ref], out) == 0
    with services.db.session() as s:
        assert s.execute(select(WorkbookEntry)).first() is None
        assert s.execute(select(RiskEvent)).first() is None
        assert s.execute(select(Escalation).where(Escalation.patient_id == patient_id)).first() is None
        tomb = s.get(Patient, patient_id)
        # The tombstone keeps the row (the audit log points at it), not the reference.
        assert tomb is not None and tomb.status == "erased" and tomb.ref != ref
        erased = s.execute(select(AuditLog).where(AuditLog.action == "patient_erased")).scalar_one()
        assert erased.details["workbook_entries"] == 1
        # What the audit log still holds says nothing a patient wrote.
        words = json.dumps([a.details for a in s.execute(select(AuditLog)).scalars()])
        assert "sister" not in words and "want to die" not in words
    import sqlite3

    con = sqlite3.connect(tmp_path / "tracker.db")
    assert con.execute("SELECT count(*) FROM events WHERE sender_id='pat-1'").fetchone()[0] == 0
    con.close()
    assert cli(["patients", "erase", ref, "--confirm", ref], out) == 1  # once


def test_the_audit_log_is_append_only(services: Services, clock: FrozenClock) -> None:
    with services.db.session() as s:
        audit(s, clock.now(), "cli", "something", None)

    def change() -> None:
        with services.db.session() as s:
            s.execute(select(AuditLog)).scalars().one().action = "something else"

    def remove() -> None:
        with services.db.session() as s:
            s.delete(s.execute(select(AuditLog)).scalars().one())

    def sql(statement: str) -> None:
        with services.db.engine.begin() as con:
            con.execute(text(statement))

    with pytest.raises(AuditLogIsAppendOnly):
        change()
    with pytest.raises(AuditLogIsAppendOnly):
        remove()
    # Below the application too: the database itself refuses.
    with pytest.raises(Exception, match="append-only"):
        sql("UPDATE audit_log SET action = 'x'")
    with pytest.raises(Exception, match="append-only"):
        sql("DELETE FROM audit_log")


def test_mail_written_without_smtp_is_deleted_after_the_retention_period(tmp_path: Path) -> None:
    import datetime as dt
    import os

    from bot.privacy.retention import purge_mail

    now = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
    old, new = tmp_path / "old.eml", tmp_path / "new.eml"
    for path, days in ((old, 31), (new, 29)):
        path.write_text("x")
        stamp = (now - dt.timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
    assert purge_mail(tmp_path, now, 30) == 1
    assert not old.exists() and new.exists()
    assert purge_mail(tmp_path / "missing", now, 30) == 0

"""A patient's data rights in chat: "send me my data" gives a signed link to a page and
a file; "delete my data" asks first, stops everything at once, tells the GP, and the
worker erases after the grace period (and, a little later, once more in the tracker)."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from actions.privacy import ActionEraseData, ActionExportData
from actions.safety import ActionRiskResponse
from bot.app import Services
from bot.core.clock import FrozenClock
from bot.db.tables import AuditLog, Escalation, Notification, Patient, RiskEvent, WorkbookEntry
from bot.db.tables.privacy import Erasure
from bot.privacy.data_rights import export_token, run_due_erasures
from bot.web.chat_page import make_app
from tests.test_actions import code, consented, payloads, run, tracker  # noqa: F401
from tests.test_data_rights import conversation

ERASE_YES = [{"entity": "confirm", "value": "yes"}]


@pytest.fixture
def tracker_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = conversation(tmp_path / "tracker.db", "pat")
    monkeypatch.setenv("TRACKER_URL", url)
    return url


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(services.settings))) as c:
        yield c


def link_token(text: str) -> str:
    url = next(w for w in text.split() if "/my-data/" in w)
    return url.rsplit("/my-data/", 1)[1]


async def test_send_me_my_data_gives_a_link_to_a_page_and_a_file(
        services: Services, code: str, clock: FrozenClock, tracker_url: str,  # noqa: F811
        client: TestClient) -> None:
    consented(code)
    with services.db.session() as s:
        patient = s.execute(select(Patient)).scalar_one()
        s.add(WorkbookEntry(patient_id=patient.id, module_id="m1", step_id="s1", prompt="Who helps?",
                            answer="my sister visits on sundays", created_at=clock.now()))
    _, msgs = run(ActionExportData(), tracker("send me my data", "export_data"))
    text = msgs[0]["text"]
    assert "24 hours" in text and "/my-data/" in text
    token = link_token(text)
    resp = await client.get(f"/my-data/{token}")
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    body = await resp.text()
    assert "Your workbook" in body and "my sister visits on sundays" in body
    assert "Our messages" in body  # the conversation from Rasa's tracker store
    resp = await client.get(f"/my-data/{token}/json")
    assert resp.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(await resp.text())
    assert data["workbook_entries"][0]["answer"] == "my sister visits on sundays"
    assert [m["who"] for m in data["conversation"]] == ["patient", "bot"]
    # Tampered and foreign links open nothing.
    assert (await client.get(f"/my-data/{token[:-2]}xx")).status == 403
    assert (await client.get(f"/my-data/{export_token('another-installations-key-0123456789', patient)}")
            ).status == 403
    with services.db.session() as s:
        reads = s.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "patient_exported")).scalar_one()
        assert reads == 2  # each opening is audited
        assert s.execute(select(AuditLog).where(AuditLog.action == "export_link_created")).scalar_one()


def test_export_page_is_in_the_patients_language(services: Services, code: str,  # noqa: F811
                                                 tracker_url: str) -> None:
    from bot.web.my_data import render

    consented(code)
    with services.db.session() as s:
        from bot.privacy.data_rights import export_patient

        patient = s.execute(select(Patient)).scalar_one()
        data = export_patient(s, patient, tracker_url, services.clock.now())

    def t(key: str, **values: object) -> str:
        return services.texts.get(key, "nb", **values)

    page = render(data, t, "nb", "x/json")
    assert "Dataene dine" in page and "Meldingene våre" in page and "lang=nb" in page


def test_delete_my_data_asks_first_stops_at_once_and_erases_after_the_grace_period(
        services: Services, code: str, clock: FrozenClock, tracker_url: str,  # noqa: F811
        tmp_path: Path) -> None:
    consented(code)
    _, msgs = run(ActionEraseData(), tracker("delete my data", "erase_data"))
    assert '/erase_data{"confirm":"yes"}' in payloads(msgs)  # asked first
    assert "/export_data" in payloads(msgs)  # a copy offered
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().status == "consented"
        assert s.execute(select(Erasure)).first() is None
    # Typing "yes" is not the go-ahead: only the button is.
    run(ActionEraseData(), tracker("yes", "erase_data", entities=ERASE_YES))
    with services.db.session() as s:
        assert s.execute(select(Erasure)).first() is None
    _, msgs = run(ActionEraseData(), tracker('/erase_data{"confirm":"yes"}', "erase_data",
                                             entities=ERASE_YES))
    assert "will be deleted on" in msgs[0]["text"]
    with services.db.session() as s:
        patient = s.execute(select(Patient)).scalar_one()
        assert patient.status == "withdrawn"  # program and reminders stop now
        erasure = s.execute(select(Erasure)).scalar_one()
        assert erasure.due_at == clock.now() + timedelta(hours=24)
        told = s.execute(select(Escalation).where(Escalation.kind == "erasure_requested")).scalar_one()
        assert "erased at" in told.summary
    _, msgs = run(ActionEraseData(), tracker("delete my data", "erase_data"))
    assert "already set to be deleted" in msgs[0]["text"]
    # Risk is still heard while the erasure waits.
    _, msgs = run(ActionRiskResponse(), tracker("i want to end my life tonight", "risk_detected"))
    assert "113" in msgs[0]["text"] or "113" in " ".join(m.get("text") or "" for m in msgs)
    # Not before it is due.
    assert run_due_erasures(services.db, tracker_url, tmp_path, clock.now()) == 0
    clock.advance(timedelta(hours=25))
    # The GP's notifications are not delivered yet: it waits for them (up to a day).
    assert run_due_erasures(services.db, tracker_url, tmp_path, clock.now()) == 0
    with services.db.session() as s:
        for n in s.execute(select(Notification)).scalars():
            n.status = "sent"
    assert run_due_erasures(services.db, tracker_url, tmp_path, clock.now()) == 1
    with services.db.session() as s:
        patient = s.execute(select(Patient)).scalar_one()
        assert patient.status == "erased"
        assert s.execute(select(RiskEvent)).first() is None
        assert s.execute(select(Escalation)).first() is None
        erasure = s.execute(select(Erasure)).scalar_one()
        assert erasure.done_at == clock.now()
        assert erasure.senders and "pat" not in erasure.senders  # pseudonyms, not chat ids
    # The sender is a stranger now.
    _, msgs = run(ActionExportData(), tracker("send me my data", "export_data"))
    assert "invite code" in msgs[0]["text"].lower()
    # A message in flight at the moment of the erasure: Rasa writes its tracker back...
    conversation(Path(tracker_url.split("///", 1)[1]), "pat")
    clock.advance(timedelta(minutes=3))
    run_due_erasures(services.db, tracker_url, tmp_path, clock.now())
    import sqlite3

    con = sqlite3.connect(tracker_url.split("///", 1)[1])
    assert con.execute("SELECT count(*) FROM events WHERE sender_id='pat'").fetchone()[0] == 0
    con.close()
    with services.db.session() as s:
        assert s.execute(select(Erasure)).scalar_one().senders is None  # the chat ids go too


def test_erasure_scrubs_mail_and_logs_but_not_databases(tmp_path: Path) -> None:
    from bot.privacy.data_rights import scrub_files

    (tmp_path / "mail").mkdir()
    (tmp_path / "log").mkdir()
    (tmp_path / "mail" / "a.eml").write_text("Risk message from P-ABC123: see the brief")
    (tmp_path / "mail" / "b.eml").write_text("Risk message from P-ZZZ999")
    log = tmp_path / "log" / "worker.log"
    log.write_text("sent for P-ABC123 to chat 123456789\nother line\n")
    db = tmp_path / "bot.db"
    db.write_bytes(b"SQLite format 3\x00 P-ABC123")
    counts = scrub_files(tmp_path, ["P-ABC123", "123456789"])
    assert counts == {"mail_files": 1, "log_mentions": 2}
    assert not (tmp_path / "mail" / "a.eml").exists() and (tmp_path / "mail" / "b.eml").exists()
    assert log.read_text() == "sent for ######## to chat #########\nother line\n"  # same length
    assert b"P-ABC123" in db.read_bytes()  # databases are erased by SQL, not by text


def test_silent_conversations_are_deleted_after_the_retention_period(tmp_path: Path) -> None:
    import datetime as dt
    import sqlite3

    from bot.privacy.retention import purge_silent_conversations

    url = conversation(tmp_path / "tracker.db", "old-chat")
    conversation(tmp_path / "tracker.db", "new-chat")
    con = sqlite3.connect(tmp_path / "tracker.db")
    now = dt.datetime.now(dt.timezone.utc)
    con.execute("UPDATE events SET timestamp = ? WHERE sender_id = 'old-chat'",
                ((now - dt.timedelta(days=181)).timestamp(),))
    con.commit()
    assert purge_silent_conversations(url, now, 180) == (1, 2)
    left = {r[0] for r in con.execute("SELECT DISTINCT sender_id FROM events")}
    con.close()
    assert left == {"new-chat"}

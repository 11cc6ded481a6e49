"""The audit log's hash chain (bot/db/audit.py, migration 0012): `python -m bot audit
verify` passes on an honest log, finds a changed, a deleted, a cut-off and a smuggled-in
entry, and concurrent writers in two processes still make one intact chain; on
PostgreSQL an application role cannot change or remove audit rows; the command line's
reads of patient data are audited with the operating-system user."""
from __future__ import annotations

import getpass
import io
import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.app import Services
from bot.cli.commands import main as cli
from bot.core.clock import FrozenClock
from bot.db import Database
from bot.db.audit import audit, verify_chain
from bot.db.migrate import upgrade
from bot.db.tables import AuditChain, AuditHead, AuditLog
from bot.db.tables.core import UTCDateTime
from bot.safety import detect
from tests.conftest import PG_URL
from tests.pgdb import create_scratch_database, drop_database
from tests.test_escalation_support import get_patient, make_patient

ME = f"cli:{getpass.getuser()}"


def write(db: Database, clock: FrozenClock, n: int, actor: str = "system") -> None:
    """`n` entries, one session each, a minute apart."""
    for i in range(n):
        clock.advance(timedelta(minutes=1))
        with db.session() as s:
            audit(s, clock.now(), actor, "tested", None, n=i, score=1.5, tags=["a", "ø"])


def verify(out: io.StringIO | None = None) -> tuple[int, str]:
    out = out or io.StringIO()
    return cli(["audit", "verify"], out), out.getvalue()


AUDIT_TABLES = ("audit_log", "audit_chain", "audit_head")


@contextmanager
def around_the_application(url: str) -> Iterator[Any]:
    """A raw connection with the audit tables' triggers and foreign keys out of the way:
    what someone with the database owner's rights could do by hand (on SQLite, what the
    sqlite3 tool does by default: foreign keys off; the triggers dropped, then put back)."""
    engine = sa.create_engine(url, future=True)  # not make_engine: none of its pragmas
    try:
        with engine.begin() as con:
            if engine.dialect.name == "postgresql":
                con.execute(text("SET LOCAL session_replication_role = replica"))
                yield con
                return
            triggers = con.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                "('audit_log', 'audit_chain', 'audit_head')")).all()
            assert len(triggers) == 6, triggers
            for name, _ in triggers:
                con.execute(text(f"DROP TRIGGER {name}"))
            yield con
            for _, sql in triggers:
                con.execute(text(sql))
    finally:
        engine.dispose()


def ids(db: Database) -> list[int]:
    with db.session() as s:
        return list(s.execute(select(AuditChain.audit_id).order_by(AuditChain.seq)).scalars())


def test_an_honest_log_verifies_across_sessions_rollbacks_and_savepoints(
        services: Services, clock: FrozenClock) -> None:
    db = services.db
    code, said = verify()
    assert code == 0 and said.startswith("audit log intact: 0 entries\n"), said
    write(db, clock, 3)

    def fails() -> None:
        with db.session() as s:
            audit(s, clock.now(), "system", "rolled_back", None)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):  # rolled back: never chained
        fails()
    with db.session() as s:
        audit(s, clock.now(), "system", "kept_1", None)
        inner = s.begin_nested()
        audit(s, clock.now(), "system", "in_a_savepoint_rolled_back", None)
        s.flush()
        inner.rollback()
        audit(s, clock.now(), "system", "kept_2", None)
        # What a transaction wrote, it can read at once (the invite throttle counts its own).
        assert s.execute(select(func.count()).select_from(AuditLog)
                         .where(AuditLog.action == "kept_1")).scalar_one() == 1
    code, said = verify()
    assert code == 0 and said.startswith("audit log intact: 5 entries\n"), said
    with db.session() as s:
        actions = list(s.execute(select(AuditLog.action).join(
            AuditChain, AuditChain.audit_id == AuditLog.id).order_by(AuditChain.seq)).scalars())
        head = s.get(AuditHead, 1)
        assert head is not None and head.seq == 5
    assert actions == ["tested"] * 3 + ["kept_1", "kept_2"]
    assert head.last_hash in said  # the head is printed, to be kept elsewhere


def test_a_changed_entry_is_found(services: Services, clock: FrozenClock) -> None:
    db = services.db
    write(db, clock, 3)
    second = ids(db)[1]
    with around_the_application(db.url) as con:
        con.execute(sa.update(AuditLog.__table__).where(AuditLog.__table__.c.id == second)
                    .values(details={"n": 99, "score": 1.5, "tags": ["a", "ø"]}))
    code, said = verify()
    assert code == 1 and f"entry #2 (audit id {second}, tested at" in said, said
    assert "was changed" in said


def test_a_changed_actor_or_time_is_found(services: Services, clock: FrozenClock) -> None:
    db = services.db
    write(db, clock, 2)
    first = ids(db)[0]
    table = AuditLog.__table__
    with around_the_application(db.url) as con:
        con.execute(sa.update(table).where(table.c.id == first).values(
            at=clock.now() + timedelta(seconds=1)))
    code, said = verify()
    assert code == 1 and "entry #1 " in said and "was changed" in said, said


def test_a_deleted_middle_entry_is_found(services: Services, clock: FrozenClock) -> None:
    db = services.db
    write(db, clock, 4)
    second = ids(db)[1]
    with around_the_application(db.url) as con:  # the entry, its link left behind
        con.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": second})
    code, said = verify()
    assert code == 1 and f"entry #2 (audit id {second}) was deleted from audit_log" in said, said


def test_a_deleted_middle_entry_and_its_link_are_found(
        services: Services, clock: FrozenClock) -> None:
    db = services.db
    write(db, clock, 4)
    third = ids(db)[2]
    with around_the_application(db.url) as con:
        con.execute(text("DELETE FROM audit_chain WHERE audit_id = :i"), {"i": third})
        con.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": third})
    code, said = verify()
    assert code == 1 and "entry #3 was deleted (the chain goes from #2 to #4)" in said, said


def test_a_database_refuses_to_delete_an_entry_that_has_a_link(services: Services,
                                                              clock: FrozenClock) -> None:
    """Even with the triggers gone, the link's foreign key keeps the entry."""
    write(services.db, clock, 2)
    with services.db.engine.begin() as con:
        if services.db.engine.dialect.name == "postgresql":
            con.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            con.execute(text("DROP TRIGGER audit_log_no_delete"))
    with pytest.raises(sa.exc.IntegrityError), services.db.engine.begin() as con:
        con.execute(text("DELETE FROM audit_log"))


def test_deleted_last_entries_are_found(services: Services, clock: FrozenClock) -> None:
    db = services.db
    write(db, clock, 3)
    last = ids(db)[-1]
    with around_the_application(db.url) as con:
        con.execute(text("DELETE FROM audit_chain WHERE audit_id = :i"), {"i": last})
        con.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": last})
    code, said = verify()
    assert code == 1 and "the last 1 entry (#3) removed" in said, said
    assert "(2 entries before it are intact)" in said

    # The last two of them: still found, though the chain that is left is sound.
    with around_the_application(db.url) as con:
        con.execute(text("DELETE FROM audit_chain WHERE seq = 2"))
        con.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": ids(db)[-1]})
    code, said = verify()
    assert code == 1 and "the last 2 entries (#2–#3) removed" in said, said


def test_an_entry_written_around_the_chain_is_found(services: Services, clock: FrozenClock) -> None:
    db = services.db
    write(db, clock, 2)
    log = sa.table("audit_log", sa.column("at", UTCDateTime()), sa.column("actor"),
                   sa.column("action"), sa.column("details", sa.JSON()))
    with db.engine.begin() as con:  # INSERT is allowed: it is how entries are written
        con.execute(sa.insert(log).values(at=clock.now(), actor="gp:1", action="brief_viewed",
                                          details={}))
    code, said = verify()
    assert code == 1 and "brief_viewed at" in said and "is not in the chain" in said, said


def test_the_head_cannot_be_deleted_or_moved_back(services: Services, clock: FrozenClock) -> None:
    write(services.db, clock, 2)
    for statement in ("DELETE FROM audit_head", "UPDATE audit_head SET seq = 1",
                      "UPDATE audit_chain SET row_hash = 'x'", "DELETE FROM audit_chain",
                      "INSERT INTO audit_head (id, seq, last_hash) VALUES (2, 9, 'x')"):
        with pytest.raises(sa.exc.DBAPIError, match=r"append-only|CHECK|check constraint"), \
                services.db.engine.begin() as con:
            con.execute(text(statement))
    # Moved back by hand all the same: the chain now runs past it.
    with around_the_application(services.db.url) as con:
        con.execute(text("UPDATE audit_head SET seq = 1"))
    code, said = verify()
    assert code == 1 and "past the head" in said, said


def test_existing_entries_are_chained_by_the_migration(db_url: str) -> None:
    upgrade(db_url, "0011")
    engine = Database(db_url).engine
    log = sa.table("audit_log", sa.column("at", UTCDateTime()), sa.column("actor"),
                   sa.column("action"), sa.column("details", sa.JSON()))
    at = datetime(2026, 1, 5, 8, 30, 0, 123456, tzinfo=timezone.utc)
    with engine.begin() as con:
        for i in range(3):
            con.execute(sa.insert(log).values(at=at + timedelta(minutes=i), actor="cli",
                                              action="before_0012", details={"i": i}))
    engine.dispose()
    upgrade(db_url)
    db = Database(db_url)
    try:
        with db.session() as s:
            audit(s, at + timedelta(hours=1), "system", "after_0012", None)
        with db.session() as s:
            report = verify_chain(s)
        assert report.intact and report.entries == 4, report
    finally:
        db.dispose()


WRITER = """
import sys, time
from datetime import datetime, timezone
from sqlalchemy import func, select
from bot.db import Database
from bot.db.audit import audit
from bot.db.tables import AuditLog

url, who, n, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
db = Database(url)
at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
time.sleep(max(0.0, start - time.time()))  # both processes begin together
for i in range(n):
    # As the action server and the worker do: read, write, then commit.
    with db.session() as s:
        s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
        audit(s, at, who, "concurrent", None, i=i)
        audit(s, at, who, "concurrent_again", None, i=i)
db.dispose()
"""


def _write(url: str, who: str, n: int) -> None:
    db = Database(url)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    for i in range(n):
        with db.session() as s:
            s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
            audit(s, at, who, "concurrent", None, i=i)
            audit(s, at, who, "concurrent_again", None, i=i)
    db.dispose()


def test_concurrent_writers_in_two_processes_make_one_chain(services: Services) -> None:
    import subprocess
    import sys
    import time

    start = time.time() + 4
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, services.db.url, f"proc:{k}", "60",
                               str(start)], stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
             for k in range(2)]
    errors = [p.communicate(timeout=180)[1] for p in procs]
    # Two writers chaining onto the same predecessor would collide on the chain's seq
    # (its primary key), and that process would die with the error.
    assert [p.returncode for p in procs] == [0, 0], errors
    with services.db.session() as s:
        report = verify_chain(s)
        seqs = list(s.execute(select(AuditChain.seq).order_by(AuditChain.seq)).scalars())
        by_proc = dict(s.execute(select(AuditLog.actor, func.count())  # type: ignore[arg-type]
                                 .group_by(AuditLog.actor)).all())
        # Interleaved, not one after the other: the test is about writers at the same time.
        order = list(s.execute(select(AuditLog.actor).join(
            AuditChain, AuditChain.audit_id == AuditLog.id).order_by(AuditChain.seq)).scalars())
    assert report.intact and report.entries == 240, report
    assert seqs == list(range(1, 241)) and by_proc == {"proc:0": 120, "proc:1": 120}
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches > 4, f"the two processes did not overlap ({switches} switches)"


def test_concurrent_writers_in_threads_make_one_chain(services: Services) -> None:
    import threading

    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            _write(services.db.url, f"thread:{k}", 15)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with services.db.session() as s:
        report = verify_chain(s)
    assert report.intact and report.entries == 120, report


# --- PostgreSQL: the application's role -------------------------------------------------

@pytest.fixture
def pg_app_url() -> Iterator[str]:
    """A scratch database migrated by its owner, and the URL of an application role that
    has been granted everything on every table, as an application usually is."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI sets it): the PostgreSQL role test")
    url = create_scratch_database(PG_URL)
    role = f"app_{uuid.uuid4().hex[:8]}"
    owner = sa.create_engine(url, future=True)
    try:
        upgrade(url)
        with owner.begin() as con:
            con.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER'))
            con.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN '
                             f'SCHEMA public TO "{role}"'))
            con.execute(text(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        owner.dispose()
        drop_database(url)
        admin = sa.create_engine(make_url(PG_URL).set(database="postgres"), future=True,
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_on_postgresql_the_application_role_cannot_change_or_remove_audit_rows(
        pg_app_url: str) -> None:
    db = Database(pg_app_url)
    try:
        at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
        for i in range(3):
            with db.session() as s:
                audit(s, at, "system", "as_the_app", None, i=i)
        with db.session() as s:
            report = verify_chain(s)
        assert report.intact and report.entries == 3, report
        for statement, refusal in [
            ("UPDATE audit_log SET action = 'x'", "append-only"),
            ("DELETE FROM audit_log", "append-only"),
            ("TRUNCATE audit_log CASCADE", "append-only"),
            ("UPDATE audit_chain SET row_hash = 'x'", "append-only"),
            ("DELETE FROM audit_chain", "append-only"),
            ("TRUNCATE audit_chain", "append-only"),
            ("DELETE FROM audit_head", "append-only"),
            ("UPDATE audit_head SET seq = 0", "append-only"),
            ("TRUNCATE audit_head", "append-only"),
            # Not the owner: it cannot take the triggers away either.
            ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "must be owner"),
            ("DROP TRIGGER audit_log_append_only ON audit_log", "must be owner"),
        ]:
            with pytest.raises(sa.exc.DBAPIError, match=refusal), db.engine.begin() as con:
                con.execute(text(statement))
        with db.session() as s:
            report = verify_chain(s)
        assert report.intact and report.entries == 3, report
    finally:
        db.dispose()


# --- the command line's reads ------------------------------------------------------------

def _audited(services: Services, action: str) -> list[AuditLog]:
    with services.db.session() as s:
        return list(s.execute(select(AuditLog).where(AuditLog.action == action)).scalars())


def test_command_line_reads_of_patient_data_are_audited_with_the_user(
        services: Services, clock: FrozenClock, tmp_path: Any) -> None:
    patient_id, _ = make_patient(services)
    with services.db.session() as s:
        p = get_patient(s, patient_id)
        services.safety.handle_risk(s, p, "rest", "pat-1", "i want to die", detect("i want to die"),
                                    context="free_chat")
        ref = p.ref
    with services.db.session() as s:
        from bot.db.tables import Escalation

        esc_id = s.execute(select(Escalation.id).where(Escalation.patient_id == patient_id)
                           ).scalars().first()
    assert esc_id is not None
    out = io.StringIO()
    assert cli(["patients", "list"], out) == 0 and ref in out.getvalue()
    assert cli(["escalations", "list"], out) == 0
    assert cli(["briefs", "show", str(esc_id)], out) == 0
    assert cli(["patients", "export", ref, "--out", str(tmp_path / "p.json")], out) == 0
    assert cli(["audit", "show", "--patient", ref], out) == 0

    listed, = _audited(services, "patients_listed")
    assert listed.actor == ME and listed.details == {"count": 1}
    escalations, = _audited(services, "escalations_listed")
    assert escalations.actor == ME and escalations.details["count"] >= 1
    brief, = _audited(services, "brief_viewed")
    assert brief.actor == ME and brief.patient_id == patient_id
    assert brief.details == {"escalation_id": esc_id, "kind": brief.details["kind"], "via": "cli"}
    exported, = _audited(services, "patient_exported")
    assert exported.actor == ME and exported.patient_id == patient_id
    viewed, = _audited(services, "audit_viewed")
    assert viewed.actor == ME and viewed.patient_id == patient_id
    # audit show printed this patient's entries, the brief read among them.
    shown = out.getvalue().splitlines()
    assert any("brief_viewed" in line and ME in line and ref in line for line in shown)
    assert verify()[0] == 0


def test_audit_show_filters_by_day(services: Services, clock: FrozenClock) -> None:
    write(services.db, clock, 2)
    out = io.StringIO()
    assert cli(["audit", "show", "--since", "2026-03-03"], out) == 0
    assert out.getvalue().strip() == "no audit entries since 2026-03-03"
    out = io.StringIO()
    assert cli(["audit", "show", "--since", "2026-03-02"], out) == 0
    lines = out.getvalue().splitlines()  # the two, and the read just before
    assert len(lines) == 3 and lines[0].startswith("#1  2026-03-02 09:01:00Z  system  tested  -")
    assert f"{ME}  audit_viewed  -" in lines[2]
    assert cli(["audit", "show", "--since", "yesterday"], out) == 1
    assert len(_audited(services, "audit_viewed")) == 2  # the two reads that ran


def test_no_os_user_name_falls_back_to_the_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.audit import cli_actor

    def nobody() -> str:
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr(getpass, "getuser", nobody)
    assert cli_actor() == f"cli:uid{os.getuid()}"

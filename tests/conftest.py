"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL
is set), services on a frozen clock, and the project's real content."""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.app import Services, set_services
from bot.core.clock import FrozenClock
from bot.core.settings import REPO_ROOT, load_settings
from bot.db import Database
from bot.db.migrate import upgrade
from tests.pgdb import create_scratch_database, drop_database

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
DB_KINDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = create_scratch_database(PG_URL)
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def services(db_url: str, clock: FrozenClock) -> Iterator[Services]:
    upgrade(db_url)
    settings = load_settings({"DATABASE_URL": db_url, "CONTENT_DIR": str(REPO_ROOT / "cbt_content")})
    svc = Services(settings=settings, clock=clock)
    set_services(svc)
    try:
        yield svc
    finally:
        set_services(None)
        svc.db.dispose()


@pytest.fixture
def db(services: Services) -> Database:
    return services.db

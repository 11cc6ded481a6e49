"""Scratch PostgreSQL databases for tests and benchmarks: created fresh, dropped after."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import create_engine, text


def create_scratch_database(base_url: str) -> str:
    """A fresh, uniquely named database on the server of `base_url` (its name + a suffix)."""
    m = re.match(r"^(postgresql(?:\+\w+)?://[^/]+)/([\w-]+)", base_url)
    if not m:
        raise RuntimeError(f"{base_url!r} is not postgresql://host/dbname")
    server, name = m.groups()
    name = f"{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()

"""The migration and the models agree, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.db.all_models import Base
from bot.db.migrate import downgrade, upgrade
from bot.db.session import make_engine


def test_upgrade_matches_models_and_downgrades(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations: {diff}"
    downgrade(db_url, "base")
    upgrade(db_url)

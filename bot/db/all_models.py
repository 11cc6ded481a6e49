"""Importing this registers every table on Base.metadata (for Alembic)."""
from bot.db.tables import Base  # noqa: F401  (bot.db.tables imports every table module)

"""Importing this registers every table on Base.metadata (for Alembic)."""
from bot.db.models import Base  # noqa: F401  (bot.db.models imports every table module)

"""Database: models, sessions and migrations."""
from bot.db.session import Database, make_engine

__all__ = ["Database", "make_engine"]

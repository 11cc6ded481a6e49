"""Imports every module that defines tables, so Base.metadata knows them all.

Alembic's env.py and the tests import this module; add new model modules here.
"""
from bot.checkins import models as _checkins  # noqa: F401
from bot.db import models  # noqa: F401
from bot.db.models import Base
from bot.escalation import models as _escalation  # noqa: F401

__all__ = ["Base"]

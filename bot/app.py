"""The composition root: builds the services from settings, once per process, lazily."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.content import ContentRepository
    from bot.db import Database
    from bot.modules.program import ProgramService
    from bot.safety.response import SafetyService
    from bot.texts import Texts


@dataclass
class Services:
    settings: Settings
    clock: Clock

    @cached_property
    def db(self) -> Database:
        from bot.db import Database

        return Database(self.settings.database_url)

    @cached_property
    def content(self) -> ContentRepository:
        from bot.content import ContentRepository

        return ContentRepository(self.settings.content_dir)

    @cached_property
    def texts(self) -> Texts:
        from bot.texts import Texts

        return Texts(self.settings.content_dir)

    @cached_property
    def program(self) -> ProgramService:
        from bot.modules.program import ProgramService

        return ProgramService(self.content, self.texts, self.clock)

    @cached_property
    def safety(self) -> SafetyService:
        from bot.safety.response import SafetyService

        return SafetyService(self.texts, self.clock, self.settings)


_lock = threading.Lock()
_services: Services | None = None


def get_services() -> Services:
    global _services
    with _lock:
        if _services is None:
            _services = Services(settings=load_settings(), clock=SystemClock())
        return _services


def set_services(services: Services | None) -> None:
    """For tests: install (or clear) the process's services."""
    global _services
    with _lock:
        _services = services

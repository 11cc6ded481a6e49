"""The composition root: builds the services from settings, once per process."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from bot.clock import Clock, SystemClock
from bot.content import ContentRepository
from bot.db import Database
from bot.modules.program import ProgramService
from bot.safety.response import SafetyService
from bot.settings import Settings, load_settings
from bot.texts import Texts


@dataclass
class Services:
    settings: Settings
    clock: Clock

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url)

    @cached_property
    def content(self) -> ContentRepository:
        return ContentRepository(self.settings.content_dir)

    @cached_property
    def texts(self) -> Texts:
        return Texts(self.settings.content_dir)

    @cached_property
    def program(self) -> ProgramService:
        return ProgramService(self.content, self.texts, self.clock)

    @cached_property
    def safety(self) -> SafetyService:
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

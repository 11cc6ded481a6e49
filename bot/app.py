"""The composition root: builds every service and notifier from settings, once per
process, lazily. Nothing else constructs a service; processes and adapters ask here."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.core.clock import Clock, SystemClock
from bot.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.checkins.service import CheckinService
    from bot.content import ContentRepository
    from bot.content.texts import Texts
    from bot.db import Database
    from bot.notify import Notifier
    from bot.program.service import ProgramService
    from bot.reminders.service import ReminderService
    from bot.safety.response import SafetyService


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
        from bot.content.texts import Texts

        return Texts(self.settings.content_dir)

    @cached_property
    def program(self) -> ProgramService:
        from bot.program.service import ProgramService

        return ProgramService(self.content, self.texts, self.clock)

    @cached_property
    def safety(self) -> SafetyService:
        from bot.safety.response import SafetyService

        return SafetyService(self.texts, self.clock, self.settings)

    @cached_property
    def reminders(self) -> ReminderService:
        from bot.reminders.service import ReminderService

        return ReminderService(self.settings, self.clock)

    @cached_property
    def checkins(self) -> CheckinService:
        from bot.checkins.service import CheckinService

        return CheckinService(self.texts, self.clock, self.safety, self.reminders)

    @cached_property
    def notifiers(self) -> dict[str, Notifier]:
        """How GPs are told: console always, e-mail (SMTP, or files under var/mail/
        without SMTP_HOST), Telegram when a token is set."""
        from bot.core.settings import var_dir
        from bot.notify.console import ConsoleNotifier
        from bot.notify.email import MailDropNotifier, SmtpNotifier

        s = self.settings
        notifiers: dict[str, Notifier] = {"console": ConsoleNotifier()}
        if s.smtp_host:
            notifiers["email"] = SmtpNotifier(s)
        else:
            notifiers["email"] = MailDropNotifier(var_dir() / "mail", s.smtp_from)
        if s.telegram_token:
            from bot.notify.telegram import TelegramNotifier

            notifiers["telegram"] = TelegramNotifier(s.telegram_token, s.telegram_api_base_url)
        return notifiers


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

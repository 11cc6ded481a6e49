"""How notifications travel: e-mail (SMTP, or a mail-drop folder when no server is
configured), Telegram (python-telegram-bot) and the console/log.

A notifier's `send` returns when the other side has accepted the message and raises
`DeliveryError` otherwise; the worker records the outcome and retries."""

from __future__ import annotations

from typing import Protocol

from bot.escalation.compose import OutgoingMessage


class DeliveryError(Exception):
    """Sending failed. `permanent` errors are not retried (e.g. a rejected address)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    async def send(self, message: OutgoingMessage) -> None: ...

    async def close(self) -> None: ...


__all__ = ["DeliveryError", "Notifier", "OutgoingMessage"]

"""The embedded default: notifications go to the worker's log (var/log/worker.log)."""

from __future__ import annotations

import logging

from bot.escalation.compose import OutgoingMessage

log = logging.getLogger("bot.notify")


class ConsoleNotifier:
    async def send(self, message: OutgoingMessage) -> None:
        level = logging.WARNING if message.urgency == "urgent" else logging.INFO
        log.log(
            level, "GP NOTIFICATION to %s: %s\n%s", message.recipient, message.subject, message.text
        )

    async def close(self) -> None:
        return None

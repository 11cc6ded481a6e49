"""Telegram messages to GPs through python-telegram-bot's Bot.

`base_url` lets tests point the Bot at a local fake of the Bot API. The message has an
"Acknowledge" button whose callback data is signed (ack:<id>:<sig>); the Telegram
channel hands it to `bot.escalation.ack.handle_telegram_callback`.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlparse

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.escalation.compose import OutgoingMessage
from bot.notify import DeliveryError


def _public(url: str) -> bool:
    """Telegram refuses URL buttons to local addresses; those stay in the text only."""
    host = urlparse(url).hostname or ""
    return not (host in ("localhost", "") or host.startswith("127.") or host.endswith(".local"))


class TelegramNotifier:
    def __init__(self, token: str, base_url: str = "https://api.telegram.org/bot") -> None:
        if not token:
            raise ValueError("TELEGRAM_TOKEN is not set")
        self.token = token
        self.base_url = base_url
        self._bot: Bot | None = None

    async def _get_bot(self) -> Bot:
        if self._bot is None:
            bot = Bot(self.token, base_url=self.base_url)
            await bot.initialize()
            self._bot = bot
        return self._bot

    async def send(self, message: OutgoingMessage) -> None:
        rows: list[list[InlineKeyboardButton]] = []
        for label, url in message.links.items():
            if _public(url):
                rows.append([InlineKeyboardButton(label, url=url)])
        if message.ack_callback:
            rows.append([InlineKeyboardButton("Acknowledge", callback_data=message.ack_callback)])
        text = f"{message.subject}\n\n{message.text}"[:4096]
        try:
            bot = await self._get_bot()
            await bot.send_message(
                chat_id=message.recipient,
                text=text,
                reply_markup=InlineKeyboardMarkup(rows) if rows else None,
                disable_web_page_preview=True,
            )
        except (BadRequest, Forbidden) as exc:
            raise DeliveryError(f"Telegram refused the message: {exc}", permanent=True) from exc
        except TelegramError as exc:
            raise DeliveryError(f"Telegram error: {exc}") from exc

    async def close(self) -> None:
        if self._bot is not None:
            bot, self._bot = self._bot, None
            with contextlib.suppress(TelegramError):
                await bot.shutdown()

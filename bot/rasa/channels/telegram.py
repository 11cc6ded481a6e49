"""The patients' Telegram channel for Rasa, built on python-telegram-bot.

Listed in credentials.yml by its module path::

    bot.rasa.channels.telegram.TelegramInput:
      token: ${TELEGRAM_TOKEN}
      api_base_url: ${TELEGRAM_API_BASE_URL}
      webhook_url: ${TELEGRAM_WEBHOOK_URL}
      webhook_secret: ${TELEGRAM_WEBHOOK_SECRET}

An empty token switches the channel off (Rasa starts normally, the routes answer 404),
so the same credentials file works with and without Telegram. With a token and a
webhook URL, Telegram posts updates to ``/webhooks/telegram/webhook`` and every call must
carry the secret in ``X-Telegram-Bot-Api-Secret-Token`` (anything else gets 403); with a
token and no webhook URL, a background task long-polls getUpdates from the moment the
Rasa server starts. ``get_output_channel()`` makes proactive messages work:
``POST /conversations/{chat_id}/trigger_intent?output_channel=telegram``.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels import inbound
from bot.rasa.channels.telegram_core import (
    CHANNEL_NAME,
    PayloadMap,
    RetryPolicy,
    TelegramBridge,
    TelegramClient,
    webhook_secret_for,
)
from bot.rasa.channels.telegram_core import secret_ok as _secret_ok

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_API = "https://api.telegram.org/bot"


def _chat_id(recipient_id: str) -> int | str:
    try:
        return int(recipient_id)
    except (TypeError, ValueError):
        return recipient_id


class TelegramOutput(OutputChannel):
    """Sends the bot's messages: text split at 4096 characters, buttons as an inline
    keyboard under the last part, images as photos."""

    def __init__(self, client: TelegramClient, payloads: PayloadMap) -> None:
        self.client = client
        self.payloads = payloads

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.client.send_text(_chat_id(recipient_id), text)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        await self.client.send_text(_chat_id(recipient_id), text, buttons, self.payloads)

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: list[dict[str, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        try:
            await self.client.send_image(_chat_id(recipient_id), image)
        except (OSError, ValueError) as exc:
            log.warning("could not send an image (%s)", exc)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self.send_text_message(recipient_id, attachment)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        # Custom payloads are for other channels; a text in one is still worth sending.
        if isinstance(json_message.get("text"), str):
            await self.send_text_message(recipient_id, json_message["text"])


class TelegramInput(InputChannel):
    def __init__(self, token: str | None, api_base_url: str | None = None,
                 webhook_url: str | None = None, webhook_secret: str | None = None,
                 retry: RetryPolicy | None = None, poll_timeout: int = 25) -> None:
        self.token = (token or "").strip()
        self.api_base_url = (api_base_url or "").strip() or DEFAULT_API
        self.webhook_url = (webhook_url or "").strip()
        self.secret = webhook_secret_for(self.token, (webhook_secret or "").strip() or None)
        self.retry = retry
        self.poll_timeout = poll_timeout
        self.payloads = PayloadMap()
        self.client: TelegramClient | None = None
        self.bridge: TelegramBridge | None = None

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        c = credentials or {}

        def opt(key: str) -> str | None:
            value = c.get(key)
            return None if value is None else str(value)

        poll = c.get("poll_timeout")
        return cls(opt("token"), opt("api_base_url"), opt("webhook_url"), opt("webhook_secret"),
                   poll_timeout=int(poll) if poll not in (None, "") else 25)

    @property
    def active(self) -> bool:
        return bool(self.token)

    @property
    def mode(self) -> str:
        if not self.active:
            return "off"
        return "webhook" if self.webhook_url else "polling"

    def _ensure_client(self) -> TelegramClient:
        if self.client is None:
            self.client = TelegramClient(self.token, self.api_base_url, retry=self.retry,
                                         poll_timeout=self.poll_timeout)
        return self.client

    def get_output_channel(self) -> OutputChannel | None:
        if not self.active:
            return None
        return TelegramOutput(self._ensure_client(), self.payloads)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("telegram_patients", __name__)
        guard = inbound.guard_for()

        async def deliver(sender_id: str, text: str, metadata: Mapping[str, Any]) -> None:
            assert self.client is not None
            await guard.handle(on_new_message, UserMessage(
                inbound.message_text(text), TelegramOutput(self.client, self.payloads),
                sender_id, input_channel=self.name(), metadata={"telegram": dict(metadata)}))

        @bp.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            if not self.active:
                log.info("Telegram channel off (TELEGRAM_TOKEN is empty)")
                return
            self.bridge = TelegramBridge(self._ensure_client(), deliver, self.payloads)
            client = self._ensure_client()
            inbound.register_pusher(self.name(), lambda chat, text: TelegramOutput(
                client, self.payloads).send_text_message(chat, text))
            if self.webhook_url:
                try:
                    await self.bridge.setup(self.webhook_url, self.secret)
                    log.info("Telegram: webhook set to %s", self.webhook_url)
                except Exception:
                    log.exception("Telegram: could not set the webhook to %s", self.webhook_url)
            else:
                await self.bridge.start_polling()

        @bp.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            if self.bridge is not None:
                await self.bridge.stop()
            if self.client is not None:
                await self.client.shutdown()

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": self.mode})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.active or not self.webhook_url or self.bridge is None:
                return response.json({"error": "the Telegram webhook is not enabled"}, status=404)
            if not _secret_ok(self.secret, request.headers.get(SECRET_HEADER)):
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = request.json
            except Exception:
                data = None
            if not isinstance(data, dict):
                return response.json({"error": "expected a JSON update"}, status=400)
            update = self.bridge.parse(data)
            if update is not None:
                # Answer Telegram at once; the update is handled in the background, in
                # order per chat.
                self.bridge.dispatch(update)
            return response.json({"ok": True})

        return bp

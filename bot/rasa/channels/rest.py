"""Rasa's REST channel, with the checks every channel makes (bot/rasa/channels/inbound.py).

Differences from ``rasa.core.channels.rest.RestInput``, each a bug found by trying it:

* A body that is not a JSON object (``[]``, ``null``, not JSON), a sender that is not
  printable UTF-8 text of 1-128 characters, or a message or metadata of the wrong type
  gets HTTP 400 with a one-line reason, not a 500 or a crashed tracker store.
* Empty messages get a kind reply; long ones are cut (and the patient is told); a
  message that got no reply gets the fallback with the crisis numbers.
* The body cannot choose ``input_channel``: patients are identified by channel and
  sender, so a REST caller must not speak as a Telegram chat.
* Failures are logged without the message text (Rasa's own logs it).
* No streaming mode (nothing here uses it).
* Off when ``PRODUCTION=true``: anyone who can reach it could speak as any sender id,
  so in production patients come in only over socket.io and Telegram. Tests and
  ``make shell`` run without PRODUCTION and keep it.

Listed in credentials.yml as ``bot.rasa.channels.rest.RestInput``; its name stays ``rest``.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels import inbound

log = logging.getLogger(__name__)


def production() -> bool:
    from bot.core.settings import load_settings

    try:
        return load_settings().production
    except Exception:  # a broken configuration: closed rather than open
        return True


def parse_body(raw: bytes) -> tuple[str, str, dict[str, Any] | None]:
    """(sender, text, metadata) from a request body, or :class:`inbound.BadInput`."""
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise inbound.BadInput("the body must be JSON") from None
    if not isinstance(body, dict):
        raise inbound.BadInput('the body must be a JSON object: {"sender": ..., "message": ...}')
    sender = inbound.sender_id(body.get("sender"))
    text = inbound.message_text(body.get("message"))
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise inbound.BadInput("'metadata' must be a JSON object")
    return sender, text, metadata


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = inbound.guard_for()
        bp = Blueprint("custom_webhook_RestInput", __name__)
        if production():
            log.info("the REST channel is off (PRODUCTION=true)")

            @bp.route("/<_path:path>", methods=["GET", "POST"])
            async def off(_: Request, _path: str) -> HTTPResponse:
                return response.json({"error": "the REST channel is off in production"},
                                     status=404)

            return bp

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_body(request.body)
            except inbound.BadInput as exc:
                return response.json({"error": str(exc)}, status=400)
            collector = CollectingOutputChannel()
            await guard.handle(on_new_message, UserMessage(
                text, collector, sender, input_channel=self.name(), metadata=metadata))
            return response.json(collector.messages)

        return bp

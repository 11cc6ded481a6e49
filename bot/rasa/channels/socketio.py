"""Rasa's socket.io channel (the web chat widget), with three fixes.

* Rasa 3.6 calls ``sio.enter_room`` without awaiting it; with python-socketio 5.10+ it
  is a coroutine, so with ``session_persistence`` the browser never joined its room and
  never saw a reply. Here it is awaited.
* Every message passes the checks all channels make (bot/rasa/channels/inbound.py): empty
  ones get a kind reply, long ones are cut, one that got no reply gets the fallback.
* The conversation id is the widget's session id, which the browser chooses. Only ids
  of the shape Rasa itself hands out (32 hex characters) are accepted, so a browser
  cannot pick another channel's conversation (a Telegram chat id, say); anything else
  gets a fresh id.

Listed in credentials.yml as ``bot.rasa.channels.socketio.SocketIOInput``; its name stays
``socketio``, so patients linked on the web keep their identity.
"""
from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput

from bot.rasa.channels import inbound

log = logging.getLogger(__name__)

SESSION_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def valid_session_id(value: Any) -> str | None:
    return value if isinstance(value, str) and SESSION_ID_RE.match(value) else None


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        bp = super().blueprint(on_new_message)
        guard = inbound.guard_for()
        sio = self.sio
        assert sio is not None
        # A confirmed second chat is told at once (its room is its session id).
        inbound.register_pusher(self.name(), lambda session_id, text: SocketIOOutput(
            sio, self.bot_message_evt).send_text_message(session_id, text))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = valid_session_id((data or {}).get("session_id")) or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                sender_id = valid_session_id(data.get("session_id"))
                if sender_id is None:
                    log.warning("socket.io message without a valid session_id ignored")
                    return
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if not isinstance(metadata, dict):
                metadata = {}
            text = data.get("message")
            await guard.handle(on_new_message, UserMessage(
                inbound.message_text(text if isinstance(text, str) else ""),
                SocketIOOutput(sio, self.bot_message_evt),
                sender_id, input_channel=self.name(), metadata=metadata))

        return bp

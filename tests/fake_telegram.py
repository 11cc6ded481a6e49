"""A local stand-in for the Telegram Bot API (https://api.telegram.org/bot<token>/<method>).

Real HTTP and the documented JSON shapes ({"ok": true, "result": ...}) for the subset the
product uses: getMe, getUpdates (long polling on a queue the test fills), setWebhook,
deleteWebhook, setMyCommands, sendMessage, sendPhoto, sendChatAction,
answerCallbackQuery, editMessageReplyMarkup. Every call is recorded. Faults on demand:
a 429 with parameters.retry_after, or a dropped connection.

Point python-telegram-bot at it with ``Bot(token, base_url=fake.base_url)`` or, for a
Rasa server, ``TELEGRAM_API_BASE_URL=fake.base_url``. It runs in a thread with its own
event loop, so sync tests (a Rasa subprocess) and async tests can both use it.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.ports import free_port as _free_port

BOT_ID = 7000001
BOT_USERNAME = "PracticeTestBot"
TOKEN = "123456:TEST-token-for-the-fake-bot-api"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def user(chat_id: int, language_code: str = "en") -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Pat", "language_code": language_code}


def private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Pat"}


class FakeTelegram:
    def __init__(self, token: str = TOKEN, max_poll_wait: float = 1.0) -> None:
        self.token = token
        self.port = _free_port()
        self.max_poll_wait = max_poll_wait  # caps getUpdates' long-poll timeout
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self._faults: list[tuple[str, str, int]] = []  # (method, "429" | "drop", retry_after)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ test API

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def reset(self) -> None:
        """Forgets calls, faults, queued updates and the webhook (between tests)."""
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._updates.clear()
        self.webhook = None

    def fail(self, method: str, kind: str = "429", retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` get a 429 (kind="429") or a closed
        connection (kind="drop")."""
        with self._lock:
            self._faults.extend([(method, kind, retry_after)] * times)

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._wakeup is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)
        return update

    def send_text(self, chat_id: int, text: str, language_code: str = "en") -> dict[str, Any]:
        """Queues what a patient typing `text` in a private chat makes Telegram send."""
        return self.queue({"message": self.message(chat_id, text=text,
                                                   language_code=language_code)})

    def message(self, chat_id: int, chat: dict[str, Any] | None = None,
                language_code: str = "en", **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": chat or private_chat(chat_id), "from": user(chat_id, language_code),
                **content}

    def press(self, chat_id: int, label: str) -> dict[str, Any]:
        """Queues a callback_query for the newest message to `chat_id` with a button
        whose text contains `label` (case-insensitive)."""
        for call in reversed(self.sent("sendMessage", chat_id)):
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label.lower() in button["text"].lower():
                        return self.queue({"callback_query": {
                            "id": f"cb{next(self._update_ids)}",
                            "from": user(chat_id),
                            "chat_instance": f"ci{chat_id}",
                            "data": button["callback_data"],
                            "message": call.params["_result"],
                        }})
        raise AssertionError(f"no button like {label!r} sent to {chat_id}: {self.texts(chat_id)}")

    def sent(self, method: str | None = None, chat_id: int | None = None,
             faults: bool = False) -> list[Call]:
        """Calls answered normally (faulted ones too with faults=True)."""
        return [c for c in list(self.calls)
                if (faults or "_fault" not in c.params)
                and (method is None or c.method == method)
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def texts(self, chat_id: int) -> list[str]:
        return [str(c.params.get("text")) for c in self.sent("sendMessage", chat_id)]

    def keyboards(self, chat_id: int) -> list[list[dict[str, Any]]]:
        """The inline keyboards sent to the chat, newest last, each flattened."""
        out = []
        for c in self.sent("sendMessage", chat_id):
            markup = c.params.get("reply_markup")
            if markup:
                out.append([b for row in markup["inline_keyboard"] for b in row])
        return out

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s; calls: "
                             f"{[(c.method, c.params.get('text')) for c in self.calls][-20:]}")

    async def await_for(self, predicate: Callable[[], Any], timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out after {timeout}s; calls: "
                             f"{[(c.method, c.params.get('text')) for c in self.calls][-20:]}")

    # ------------------------------------------------------------ server

    def start(self) -> FakeTelegram:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._wakeup = asyncio.Event()
            self._stop = asyncio.Event()
            app = web.Application(client_max_size=20 * 1024 * 1024)
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            runner = web.AppRunner(app, shutdown_timeout=0.5)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_until_complete(self._stop.wait())
            self._wakeup.set()
            loop.run_until_complete(runner.cleanup())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, **extra: Any) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description,
                                  **extra}, status=code)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        params: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # an uploaded file (sendPhoto)
                    data = await part.read()
                    params[part.name or "file"] = {"filename": part.filename, "size": len(data),
                                                   "head": data[:8].hex()}
                else:
                    params[part.name or ""] = await part.text()
        else:
            params = dict(await request.post())
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params

    def _take_fault(self, method: str) -> tuple[str, int] | None:
        with self._lock:
            for i, (m, kind, retry_after) in enumerate(self._faults):
                if m == method:
                    del self._faults[i]
                    return kind, retry_after
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params = await self._params(request)
        call = Call(method, params)
        fault = self._take_fault(method)
        if fault is not None:
            kind, retry_after = fault
            call.params["_fault"] = kind
            self.calls.append(call)
            if kind == "drop":
                assert request.transport is not None
                request.transport.abort()  # the client sees the connection close mid-request
                return web.Response()
            return self._error(429, f"Too Many Requests: retry after {retry_after}",
                               parameters={"retry_after": retry_after})
        if method != "getUpdates":
            self.calls.append(call)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        call.params["_result"] = result
        return self._ok(result)

    # ------------------------------------------------------------ methods

    async def _m_getMe(self, p: dict[str, Any]) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Practice bot",
                "username": BOT_USERNAME, "can_join_groups": False,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is "
                               "active; use deleteWebhook to delete the webhook first")
        offset = int(p.get("offset") or 0)
        with self._lock:  # confirmed updates are forgotten, as in the real API
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        wait = min(float(p.get("timeout") or 0), self.max_poll_wait)
        deadline = time.monotonic() + wait
        assert self._wakeup is not None
        while True:
            with self._lock:
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                self.calls.append(Call("getUpdates", {**p, "_returned": len(ready)}))
                return ready
            self._wakeup.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), max(0.01, deadline - time.monotonic()))

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        url = str(p.get("url") or "")
        self.webhook = dict(p) if url else None
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True

    async def _m_sendChatAction(self, p: dict[str, Any]) -> Any:
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True

    def _sent_message(self, p: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": private_chat(chat_id) if chat_id > 0 else {"id": chat_id, "type": "group",
                                                               "title": "A group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Practice bot",
                     "username": BOT_USERNAME},
            **content,
        }
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        return msg

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        text = str(p.get("text") or "")
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return self._error(400, "Bad Request: message is too long")
        markup = p.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for b in row:
                if "callback_data" in b and len(b["callback_data"].encode()) > 64:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        return self._sent_message(p, text=text)

    async def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        if not p.get("photo"):
            return self._error(400, "Bad Request: there is no photo in the request")
        photo = [{"file_id": "AgAD-photo", "file_unique_id": "photo1", "width": 640,
                  "height": 480, "file_size": (p["photo"] or {}).get("size", 0)
                  if isinstance(p["photo"], dict) else 0}]
        content: dict[str, Any] = {"photo": photo}
        if p.get("caption"):
            content["caption"] = p["caption"]
        return self._sent_message(p, **content)

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        return self._sent_message(p, text="(edited)")

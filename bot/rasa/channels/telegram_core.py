"""Telegram for patients, without Rasa: the Bot API client with flood-limit and network
retries, rendering of replies (splitting, inline keyboards, photos) and the handling of
every kind of update Telegram sends.

`bot/rasa/channels/telegram.py` wraps this in a Rasa input/output channel; tests drive it
directly against a local fake of the Bot API (tests/fake_telegram.py).

Text goes out as plain text (no parse mode), so nothing in content or patient input
needs escaping and nothing can break the formatting.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import inspect
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import (
    BadRequest,
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.rasa.channels.commands import GP_RE, command_menu, command_to_text

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_TEXT = 4096  # Bot API limit for sendMessage, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
CHANNEL_NAME = "telegram"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "channel_post",
                   "edited_channel_post"]

# Short, kind replies for what the dialogue cannot take: system messages
# "telegram_<key>" in cbt_content/<lang>/messages.yaml.
def lang_of(code: str | None) -> str:
    """Telegram's IETF language code of the user's app -> a content language."""
    from bot.core.language import SUPPORTED, normalise

    lang = normalise(code)
    return lang if lang in SUPPORTED else "en"


@functools.lru_cache(maxsize=1)
def _guard() -> Any:
    """One guard (and so one reloading Texts table) per process: building it reads the
    settings and messages.yaml, which is not for every reply."""
    from bot.rasa.channels.inbound import guard_for

    return guard_for()


def t(key: str, lang: str = "en") -> str:
    return str(_guard().line(key, lang))


# ---------------------------------------------------------------- text splitting

def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The largest number of characters of `text` whose UTF-16 length is <= limit."""
    if utf16_len(text) <= limit:
        return len(text)
    n, used = 0, 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        if used + w > limit:
            break
        used += w
        n += 1
    return n


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Splits a long message into parts Telegram accepts, at a paragraph break if there
    is one in the second half of the window, else a line break, else a space, and only
    as a last resort in the middle of a word. Empty text gives no parts."""
    rest = text.strip()
    parts: list[str] = []
    while rest:
        cut = _fit(rest, limit)
        if cut >= len(rest):
            parts.append(rest)
            break
        window = rest[:cut]
        at = -1
        for sep in ("\n\n", "\n", " "):
            pos = window.rfind(sep)
            if pos >= cut // 2:
                at = pos
                break
        if at <= 0:
            at = cut
        part = rest[:at].rstrip()
        if part:
            parts.append(part)
        rest = rest[at:].lstrip()
    return parts


# ---------------------------------------------------------------- buttons

class PayloadMap:
    """Telegram limits callback_data to 64 bytes: a longer button payload travels as a
    short id ("p:" + a hash) that maps back to it. Deterministic, so the same payload
    always gets the same id; kept for the newest `size` payloads of the process. An id
    that is no longer known (a restart) falls back to the button's label, which the NLU
    understands like typed text."""

    PREFIX = "p:"

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_DATA and not payload.startswith(self.PREFIX):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._items[key] = payload
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        if data.startswith(self.PREFIX):
            return self._items.get(data)
        return data


def keyboard(buttons: Sequence[Mapping[str, Any]],
             payloads: PayloadMap) -> InlineKeyboardMarkup | None:
    """Rasa buttons -> an inline keyboard: short labels side by side (up to 3 a row),
    longer ones one per row."""
    items: list[InlineKeyboardButton] = []
    for b in buttons:
        title = str(b.get("title") or b.get("payload") or "?")
        if b.get("url") or b.get("type") == "web_url":
            items.append(InlineKeyboardButton(title, url=str(b.get("url") or b.get("payload"))))
        else:
            items.append(InlineKeyboardButton(title, callback_data=payloads.encode(
                str(b.get("payload") or title))))
    if not items:
        return None
    side_by_side = len(items) <= 3 and all(len(i.text) <= 14 for i in items)
    return InlineKeyboardMarkup([items] if side_by_side else [[i] for i in items])


# ---------------------------------------------------------------- the API client

def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class RetryPolicy:
    network_attempts: int = 4  # tries in all for network errors and timeouts
    backoff_base: float = 0.5  # seconds; doubles per try
    backoff_cap: float = 8.0
    flood_attempts: int = 5  # 429s waited out before giving up
    max_flood_wait: float = 120.0


class TelegramClient:
    """A python-telegram-bot Bot with retries: a 429 is waited out (retry_after) and
    retried, network errors and timeouts are retried with exponential backoff;
    refusals (400, 403) are not retried."""

    def __init__(self, token: str, base_url: str = "https://api.telegram.org/bot",
                 base_file_url: str | None = None, retry: RetryPolicy | None = None,
                 poll_timeout: int = 25) -> None:
        self.retry = retry or RetryPolicy()
        self.poll_timeout = poll_timeout
        self._initialized = False
        file_url = base_file_url or re.sub(r"/bot$", "/file/bot", base_url.rstrip("/"))
        self.bot = Bot(
            token, base_url=base_url, base_file_url=file_url,
            request=HTTPXRequest(connection_pool_size=32, read_timeout=15, write_timeout=20,
                                 connect_timeout=10, pool_timeout=10),
            get_updates_request=HTTPXRequest(connection_pool_size=1,
                                             read_timeout=poll_timeout + 10,
                                             connect_timeout=10, pool_timeout=10),
        )

    async def initialize(self) -> None:
        if not self._initialized:
            await self._retrying(self.bot.initialize)
            self._initialized = True

    async def shutdown(self) -> None:
        with contextlib.suppress(TelegramError, RuntimeError):
            await self.bot.shutdown()

    async def call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        # A proactive message may come before the channel's start-up finished.
        await self.initialize()
        return await self._retrying(fn, *args, **kwargs)

    async def _retrying(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        p = self.retry
        network_tries = 0
        flood_tries = 0
        while True:
            try:
                return await fn(*args, **kwargs)
            except RetryAfter as exc:
                flood_tries += 1
                wait = _seconds(exc.retry_after)
                if flood_tries > p.flood_attempts or wait > p.max_flood_wait:
                    raise
                log.warning("telegram flood limit on %s: waiting %.1fs", _name(fn), wait)
                await asyncio.sleep(wait + 0.05)
            except (BadRequest, InvalidToken):
                raise  # refusals: retrying gives the same answer
            except NetworkError as exc:  # includes TimedOut and dropped connections
                network_tries += 1
                if network_tries >= p.network_attempts:
                    raise
                wait = min(p.backoff_cap, p.backoff_base * 2 ** (network_tries - 1))
                log.warning("telegram network error on %s (%s); retry %d in %.1fs",
                            _name(fn), exc, network_tries, wait)
                await asyncio.sleep(wait)

    # -- what the channel sends

    async def send_text(self, chat_id: int | str, text: str | None,
                        buttons: Sequence[Mapping[str, Any]] | None = None,
                        payloads: PayloadMap | None = None, lang: str = "en") -> list[Message]:
        markup = keyboard(buttons, payloads or PayloadMap()) if buttons else None
        parts = split_text(text or "")
        if not parts and markup is not None:
            parts = [t("telegram_no_text", lang)]
        sent: list[Message] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            sent.append(await self.call(
                self.bot.send_message, chat_id=chat_id, text=part,
                reply_markup=markup if last else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True)))
        return sent

    async def send_image(self, chat_id: int | str, image: str,
                         caption: str | None = None) -> Message:
        """`image`: a data: URL (the mood chart), an http(s) URL, or a path to a file."""
        photo: Any
        if image.startswith("data:"):
            photo = decode_data_url(image)
        elif re.match(r"^https?://", image):
            photo = image
        else:
            photo = Path(image).read_bytes()
        return await self.call(self.bot.send_photo, chat_id=chat_id, photo=photo,
                               caption=(caption or None) and caption[:1024])

    async def typing(self, chat_id: int | str) -> None:
        """Best effort: one try, errors only logged."""
        try:
            await self.initialize()
            await self.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramError as exc:
            log.debug("typing indicator failed: %s", exc)

    async def set_commands(self) -> None:
        """The command menu: the default in English, and one for each Telegram app
        language the content has a translation for (Norwegian apps say nb or no)."""

        texts = _guard().texts
        await self.call(self.bot.set_my_commands,
                        [BotCommand(n, d) for n, d in command_menu(texts, "en")])
        for code, lang in (("nb", "nb"), ("no", "nb")):
            await self.call(self.bot.set_my_commands,
                            [BotCommand(n, d) for n, d in command_menu(texts, lang)],
                            language_code=code)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", repr(fn))


def decode_data_url(url: str) -> bytes:
    header, _, data = url.partition(",")
    if not header.endswith(";base64"):
        raise ValueError("only base64 data: URLs are supported")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"bad base64 in data: URL: {exc}") from exc


# ---------------------------------------------------------------- updates

Deliver = Callable[[str, str, Mapping[str, Any]], Awaitable[None]]
"""(sender_id, text, metadata) -> hands a patient's message to the dialogue."""


def webhook_secret_for(token: str, configured: str | None = None) -> str:
    """The secret Telegram must echo in X-Telegram-Bot-Api-Secret-Token: the configured
    one, else one derived from the token (the same on every replica)."""
    if configured:
        return configured
    return hashlib.sha256(f"telegram-webhook:{token}".encode()).hexdigest()[:48]


def secret_ok(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected, given)


async def call_gp_hook(text_or_data: str, chat_id: int, lang: str = "en") -> str | None:
    """GPs link with `/gp CODE` and acknowledge with `ack:<id>:<sig>` buttons; the
    GP commands live in bot.rasa.channels.gp_commands, imported lazily."""
    try:
        from bot.rasa.channels import gp_commands as telegram_hooks
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.rasa.channels.gp_commands",):
            raise
        return t("telegram_gp_unavailable", lang)
    fn = telegram_hooks.handle_gp_command
    if inspect.iscoroutinefunction(fn):
        result = await fn(text_or_data, chat_id, lang)
    else:
        result = await asyncio.to_thread(fn, text_or_data, chat_id, lang)
    return None if result is None else str(result)


class TelegramBridge:
    """Turns updates into messages for the dialogue (`deliver`) and short replies, one
    chat at a time in order, many chats at once. Nothing here raises into the caller:
    a failing update is logged and, where possible, answered with an apology."""

    def __init__(self, client: TelegramClient, deliver: Deliver,
                 payloads: PayloadMap | None = None, typing_interval: float = 4.0) -> None:
        self.client = client
        self.deliver = deliver
        self.payloads = payloads or PayloadMap()
        self.typing_interval = typing_interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self.polling = False

    # -- dispatch

    def dispatch(self, update: Update) -> asyncio.Task[None]:
        """Handles the update in the background, after earlier updates of the same chat."""
        chat = update.effective_chat
        key = str(chat.id) if chat else f"u{update.update_id}"
        task = asyncio.create_task(self._in_order(key, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _in_order(self, key: str, update: Update) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self.handle(update)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # nobody else queued for this chat
                del self._waiting[key]
                self._locks.pop(key, None)

    async def drain(self, timeout: float = 10) -> None:
        """Waits for updates being handled (used on shutdown and by tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def handle(self, update: Update) -> None:
        try:
            await self._handle(update)
        except Exception:  # never let one update take the channel down
            log.exception("telegram update %s failed", update.update_id)
            chat = update.effective_chat
            if chat is not None and chat.type == ChatType.PRIVATE:
                with contextlib.suppress(TelegramError):
                    await self.client.send_text(chat.id, t("telegram_error", self._lang(update)))

    @staticmethod
    def _lang(update: Update) -> str:
        user = update.effective_user
        return lang_of(user.language_code if user else None)

    async def _handle(self, update: Update) -> None:
        lang = self._lang(update)
        if update.callback_query is not None:
            await self._on_callback(update.callback_query, lang)
            return
        if update.channel_post or update.edited_channel_post:
            return  # channels are not conversations: ignored by design
        if update.edited_message is not None:
            edited = update.edited_message
            if edited.chat.type == ChatType.PRIVATE:
                await self.client.send_text(edited.chat_id, t("telegram_edited", lang))
            return
        msg = update.message
        if msg is None:
            return  # other update kinds (member changes, polls, ...) need no answer
        if msg.chat.type != ChatType.PRIVATE:
            # Only answer what was meant for the bot (commands, mentions, replies), once.
            if (msg.text or "").startswith("/") or msg.reply_to_message is not None:
                await self.client.send_text(msg.chat_id, t("telegram_group", lang))
            return
        text = msg.text if msg.text is not None else msg.caption
        if text is not None and GP_RE.match(text.strip()):
            await self._gp(text.strip(), msg.chat_id, lang)
            return
        if text and text.strip():
            await self._to_dialogue(msg.chat_id, command_to_text(text.strip()),
                                    {"message_id": msg.message_id, "language_code": lang})
            return
        if msg.voice or msg.audio or msg.video_note:
            await self.client.send_text(msg.chat_id, t("telegram_voice", lang))
        elif msg.sticker or msg.animation or msg.dice:
            await self.client.send_text(msg.chat_id, t("telegram_sticker", lang))
        else:  # photo or document without caption, location, contact, poll, ...
            await self.client.send_text(msg.chat_id, t("telegram_text_only", lang))

    async def _on_callback(self, query: CallbackQuery, lang: str) -> None:
        data = query.data or ""
        message = query.message if isinstance(query.message, Message) else None
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        # Stop the spinner first, whatever happens next.
        with contextlib.suppress(TelegramError):
            await self.client.call(self.client.bot.answer_callback_query, query.id)
        if data.startswith("ack:"):
            await self._gp(data, chat_id, lang)
            return
        label = _pressed_label(message, data)
        payload = self.payloads.decode(data)
        if message is not None and message.reply_markup is not None:
            # The choice is made: take the buttons away so they cannot be pressed twice.
            with contextlib.suppress(BadRequest):
                await self.client.call(self.client.bot.edit_message_reply_markup,
                                       chat_id=chat_id, message_id=message.message_id,
                                       reply_markup=None)
        if message is not None and message.chat.type != ChatType.PRIVATE:
            return
        if label:
            await self.client.send_text(chat_id, f"› {label}")
        if payload is None:
            # A long payload this process no longer knows (restart): the label is
            # plain words the NLU understands, e.g. "Yes, share my answers".
            payload = label or "menu"
        await self._to_dialogue(chat_id, payload, {"callback": True, "language_code": lang})

    async def _gp(self, text_or_data: str, chat_id: int, lang: str) -> None:
        try:
            reply = await call_gp_hook(text_or_data, chat_id, lang)
        except Exception:
            log.exception("GP Telegram hook failed")
            reply = t("telegram_gp_failed", lang)
        if reply:
            await self.client.send_text(chat_id, reply)

    async def _to_dialogue(self, chat_id: int, text: str, metadata: Mapping[str, Any]) -> None:
        async with self.typing(chat_id):
            await self.deliver(str(chat_id), text, metadata)

    @contextlib.asynccontextmanager
    async def typing(self, chat_id: int | str) -> AsyncIterator[None]:
        """Shows "typing…" while the bot works (Telegram shows it for 5 s a time)."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(self.typing_interval)
                await self.client.typing(chat_id)

        await self.client.typing(chat_id)
        task = asyncio.create_task(keep())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- receiving updates

    def parse(self, data: Mapping[str, Any]) -> Update | None:
        try:
            return Update.de_json(dict(data), self.client.bot)
        except Exception:
            log.warning("could not read a Telegram update: %.200s", data)
            return None

    async def start_polling(self) -> None:
        self.polling = True
        self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        self.polling = False
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.drain()

    async def setup(self, webhook_url: str | None, secret: str | None) -> None:
        """At start: check the token, set the command menu and either the webhook or,
        for polling, remove any webhook (getUpdates refuses to work while one is set)."""
        await self.client.initialize()
        with contextlib.suppress(TelegramError):
            await self.client.set_commands()
        if webhook_url:
            await self.client.call(self.client.bot.set_webhook, url=webhook_url,
                                   secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        else:
            await self.client.call(self.client.bot.delete_webhook, drop_pending_updates=False)

    async def _poll(self) -> None:
        delay = 1.0
        while self.polling:
            try:
                await self.setup(None, None)
                break
            except InvalidToken:
                log.error("Telegram refused the token (TELEGRAM_TOKEN); polling stopped")
                return
            except (TelegramError, OSError, RuntimeError) as exc:
                log.warning("Telegram not reachable (%s); trying again in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)
        log.info("Telegram: polling for updates as @%s", self.client.bot.username)
        offset: int | None = None
        delay = 1.0
        while self.polling:
            try:
                updates = await self.client.bot.get_updates(
                    offset=offset, timeout=self.client.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES)
                delay = 1.0
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except InvalidToken:
                log.error("Telegram refused the token (TELEGRAM_TOKEN); polling stopped")
                return
            except Conflict as exc:
                log.warning("Telegram: another getUpdates or a webhook is active (%s)", exc)
                await asyncio.sleep(5)
                continue
            except (TelegramError, OSError) as exc:
                log.warning("Telegram getUpdates failed (%s); retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            except Exception:  # never let polling die quietly
                log.exception("Telegram polling: unexpected error; retrying in %.0fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            for update in updates:
                offset = update.update_id + 1
                self.dispatch(update)


def _pressed_label(message: Message | None, data: str) -> str | None:
    if message is None or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None

"""What every input channel checks before a message reaches Rasa, and the promise
that every message gets an answer.

* A sender id is text of 1-128 printable characters that encodes as UTF-8: a lone
  surrogate ("\\ud800") once made the tracker store raise and Rasa exit.
* A message is text (a missing one is empty); lone surrogates become "?" and
  control characters other than newline and tab are dropped.
* An empty or whitespace-only message (including U+2028/U+2029 and zero-width
  characters) never reaches the NLU, whose featurizers raise on it: the patient gets
  a kind line instead.
* A message longer than :data:`MAX_MESSAGE_CHARS` (Telegram's own limit, so the
  channels agree) is cut to that size at a word boundary, and the patient is told.
  The cut never hides risk: when a later part reads as risk, that part is the one
  passed on, so the risk path sees the words that matter.
* ``/confirm NNNNNN`` (a patient confirming a second chat from one already linked) is
  answered here, for every channel, and never reaches Rasa; when it links a chat, that
  chat is told too, through the channel that registered a way to reach it
  (:func:`register_pusher`: Telegram and socket.io; REST cannot be reached unasked).
* If the conversation produced no reply at all (an action server that did not
  answer, an exception inside Rasa), the patient still gets one: a short apology and
  the static crisis numbers from domain.yml, the same text the actions' fail-safe
  sends. Logs name what failed, never the message text.
"""
from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.content.texts import Texts
from bot.core.settings import REPO_ROOT
from bot.rasa.channels.commands import CONFIRM_RE, menu_command, start_code

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_MESSAGE_CHARS = 4096
MAX_SCAN_CHARS = 16 * MAX_MESSAGE_CHARS  # beyond this a pasted text is not read at all
_KEEP_CONTROLS = frozenset("\n\t")
_BLANK_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


class BadInput(ValueError):
    """A request a channel refuses (HTTP 400 on REST); the text is safe to show."""


def sender_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInput("'sender' must be a string")
    value = str(value)
    if not value or len(value) > MAX_SENDER_CHARS:
        raise BadInput(f"'sender' must be 1 to {MAX_SENDER_CHARS} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput("'sender' must be valid Unicode text") from None
    if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in value) or value.isspace():
        raise BadInput("'sender' must be printable characters")
    return value


def message_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput("'message' must be a string")
    value = value.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate -> "?"
    if any(unicodedata.category(ch) == "Cc" and ch not in _KEEP_CONTROLS for ch in value):
        value = "".join(ch for ch in value
                        if ch in _KEEP_CONTROLS or unicodedata.category(ch) != "Cc")
    return value


def is_blank(text: str | None) -> bool:
    return not text or all(ch.isspace() or unicodedata.category(ch) in _BLANK_CATEGORIES
                           for ch in text)


def _windows(text: str, size: int) -> list[str]:
    """``text`` in consecutive parts of at most ``size`` characters, cut at whitespace
    where there is some in the second half of a part."""
    parts: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            if space > start:
                end = space
        parts.append(text[start:end])
        start = end
    return parts


def fit(text: str, scorer: Callable[[str], float] | None = None) -> tuple[str, bool]:
    """``(text, False)`` when it fits; else the part to pass on and True. The first
    part, unless ``scorer`` (risk score, 0 for none) rates a later part higher."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, False
    # Blank space is not what the patient wrote: 50 KB of spaces before the words
    # would otherwise leave an empty first part.
    text = text.strip()
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, True  # still said: what arrived was over the limit
    parts = _windows(text[:MAX_SCAN_CHARS], MAX_MESSAGE_CHARS)
    best = parts[0].strip()
    if scorer is not None:
        scores = [scorer(p) for p in parts]
        top = max(range(len(parts)), key=lambda i: scores[i])
        if scores[top] > scores[0]:
            best = parts[top].strip()
    return best, True


def as_payload(text: str) -> str:
    """``/start CODE`` (a Telegram deep link, or typed) as the payload Rasa parses,
    ``/start{"invite_code": "CODE"}``: Rasa otherwise warns that it cannot parse the
    line, quoting the invite code into its log."""
    code = start_code(text)
    if code:
        return f"/start{json.dumps({'invite_code': code})}"
    return menu_command(text) or text  # "/checkin" on the web as on Telegram


def risk_score(text: str) -> float:
    """The risk decision's score for one part of a long message (0 when it reads as
    no risk). Runs in the Rasa process, where the risk model is already loaded."""
    from bot.safety.decision import decide  # the model is heavy; loaded by the NLU

    d = decide(text)
    return 0.0 if d.action == "none" else max(d.score, 0.5)


@lru_cache(maxsize=1)
def crisis_numbers(domain: Path = REPO_ROOT / "domain.yml") -> str:
    """The static crisis text in domain.yml (``utter_crisis_numbers``): Rasa validated
    that file when it started, so it is there when the content files are broken."""
    data = yaml.safe_load(domain.read_text(encoding="utf-8"))
    return str(data["responses"]["utter_crisis_numbers"][0]["text"])


# How each channel reaches a chat unasked: (sender id, text) -> sent. Registered by
# the channels when Rasa builds them (one process serves every channel).
Pusher = Callable[[str, str], Awaitable[Any]]
_PUSHERS: dict[str, Pusher] = {}


def register_pusher(channel: str, pusher: Pusher) -> None:
    _PUSHERS[channel] = pusher


async def push(channel: str, sender: str, text: str) -> bool:
    """Sends ``text`` to a chat of ``channel`` that did not write just now; False when
    that channel cannot reach it (REST) or sending failed (logged, without the text)."""
    pusher = _PUSHERS.get(channel)
    if pusher is None:
        return False
    try:
        await pusher(sender, text)
        return True
    except Exception as exc:
        log.warning("could not reach a %s chat: %s", channel, type(exc).__name__)
        return False


def _confirm_hook(channel: str, sender: str, number: str | None, lang: str) -> Any:
    from bot.rasa.channels.confirm import handle_confirm  # needs the services

    return handle_confirm(channel, sender, number, lang)


@dataclass
class Guard:
    """Wraps a channel's ``on_new_message``: checks, then Rasa, then the promise."""

    texts: Texts
    language: str = "en"
    scorer: Callable[[str], float] | None = risk_score
    confirm: Callable[[str, str, str | None, str], Any] = _confirm_hook

    def line(self, key: str, lang: str | None = None) -> str:
        try:
            return self.texts.get(key, lang or self.language)
        except Exception:
            log.error("messages.yaml has no usable %r; sending the static crisis text", key)
            return crisis_numbers()

    def language_of(self, message: UserMessage) -> str:
        """The sender's language as the channel knows it (the Telegram app's, the chat
        page's), else what their words are in, else the deployment's default. (The
        patient's own setting is read by the actions; this runs before them.)"""
        from bot.core.language import SUPPORTED, guess_language, normalise

        metadata = message.metadata if isinstance(message.metadata, dict) else {}
        for candidate in (metadata.get("language_code"), metadata.get("language")):
            lang = normalise(candidate if isinstance(candidate, str) else None)
            if lang in SUPPORTED:
                return lang
        return guess_language((message.text or "")[:2000]) or self.language

    async def handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     message: UserMessage) -> None:
        out = message.output_channel
        recipient = message.sender_id or ""
        lang = self.language_of(message)
        if is_blank(message.text):
            await out.send_text_message(recipient, self.line("empty_message", lang))
            return
        m = CONFIRM_RE.match(message.text or "")
        if m is not None:
            await self._confirm(message, m.group(1), lang)
            return
        text, cut = fit(message.text or "", self.scorer)
        message.text = as_payload(text)
        counter = _count_replies(out)
        try:
            await on_new_message(message)
        except Exception as exc:
            log.error("handling a %s message failed: %s", message.input_channel,
                      type(exc).__name__)
        if cut:
            await out.send_text_message(recipient, self.line("message_cut", lang))
        if counter.sent == 0:
            log.error("a %s message got no reply; sent the fallback with the crisis numbers",
                      message.input_channel)
            await out.send_text_message(recipient, self.line("no_reply", lang))
            await out.send_text_message(recipient, crisis_numbers())


    async def _confirm(self, message: UserMessage, number: str | None, lang: str) -> None:
        out = message.output_channel
        recipient = message.sender_id or ""
        try:
            reply = await asyncio.to_thread(self.confirm, message.input_channel or "rest",
                                            recipient, number, lang)
        except Exception as exc:
            log.error("a %s /confirm failed: %s", message.input_channel, type(exc).__name__)
            await out.send_text_message(recipient, self.line("no_reply", lang))
            await out.send_text_message(recipient, crisis_numbers())
            return
        await out.send_text_message(recipient, reply.text)
        if reply.push is not None:
            await push(*reply.push)


@dataclass
class _Counter:
    sent: int = 0


def _count_replies(out: OutputChannel) -> _Counter:
    """Counts what Rasa sends through ``out`` (every bot message goes through
    ``send_response``)."""
    counter = _Counter()
    original = out.send_response

    async def counting(recipient_id: str, message: dict[str, Any]) -> None:
        counter.sent += 1
        await original(recipient_id, message)

    out.send_response = counting
    return counter


def guard_for(language: str | None = None) -> Guard:
    from bot.core.logs import protect
    from bot.core.settings import load_settings

    protect()  # this runs inside Rasa's process, whose logging Rasa set up
    try:
        settings = load_settings()
        return Guard(Texts(settings.content_dir), language or settings.default_language)
    except Exception:
        return Guard(Texts(REPO_ROOT / "cbt_content"), language or "en")

"""The chat commands every channel understands (Telegram shows them as its menu).

One table: what each command sends to the dialogue. ``/checkin`` typed on the web
chat or over REST works as it does on Telegram.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.content.texts import Texts

# The command menu (setMyCommands) and what each command sends to the dialogue. The
# menu's descriptions are system messages ("command_<name>" in messages.yaml), one
# menu per language.
COMMANDS: dict[str, str] = {
    "start": "/start",
    "help": "/help",
    "progress": "/progress",
    "checkin": "/log_mood",
    "pause": "/pause",
    "language": "/set_language",
}
# "/start CODE" (a Telegram deep link, or typed) and "/gp CODE" (a GP linking a chat):
# the one definition of each, used by the channels, the NLU pipeline and the actions.
START_RE = re.compile(r"^\s*/start(?:@\w+)?(?:\s+(\S+))?\s*$", re.I)
GP_RE = re.compile(r"^\s*/gp(?:@\w+)?(?:\s+(\S+))?\s*$", re.I)
# "/confirm 482913" (a patient confirming a second chat from one already linked): handled
# by every channel's guard before Rasa (bot/rasa/channels/inbound.py).
CONFIRM_RE = re.compile(r"^\s*/confirm(?:@\w+)?(?:\s+(.{0,40}?))?\s*$", re.I | re.S)
COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]+)(?:@(\w+))?(?:\s+(.*))?$", re.S)


def command_to_text(text: str) -> str:
    """Menu commands become what the dialogue understands; other text is unchanged.
    "/start CODE" (deep links) stays as it is: the NLU pipeline parses it."""
    m = COMMAND_RE.match(text.strip())
    if not m:
        return text
    name, rest = m.group(1).lower(), (m.group(3) or "").strip()
    if name in ("start", "confirm"):
        return f"/{name} {rest}".strip()
    if name in COMMANDS:
        return COMMANDS[name]
    # An unknown /command: let the NLU read the words ("/hello" -> "hello").
    return f"{name} {rest}".strip().replace("_", " ")


def start_code(text: str) -> str | None:
    """The code of "/start CODE" (a Telegram deep link, or typed); None otherwise."""
    m = COMMAND_RE.match(text.strip())
    if not m or m.group(1).lower() != "start":
        return None
    rest = (m.group(3) or "").split()
    return rest[0] if len(rest) == 1 and len(rest[0]) <= 64 else None


def menu_command(text: str) -> str | None:
    """What a menu command other than /start means to the dialogue ("/checkin" ->
    "/log_mood"); None for anything else (unknown /words stay as they are)."""
    m = COMMAND_RE.match(text.strip())
    if not m or m.group(3):
        return None
    name = m.group(1).lower()
    return COMMANDS[name] if name in COMMANDS and name != "start" else None


def command_menu(texts: Texts, lang: str) -> list[tuple[str, str]]:
    """(command, description) for Telegram's menu in ``lang``."""
    return [(name, texts.get(f"command_{name}", lang)) for name in COMMANDS]

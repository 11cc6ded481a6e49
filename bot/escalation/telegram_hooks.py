"""GP commands that arrive over Telegram: `/gp CODE` links a GP's chat for
notifications; an `ack:<id>:<sig>` button press acknowledges an escalation.

Called by the Telegram channel (bot/channels/telegram_core.py) in the Rasa process;
these never reach the patient dialogue.
"""
from __future__ import annotations

import re

from bot.app import get_services
from bot.escalation.ack import handle_telegram_callback
from bot.escalation.gp_telegram import link_gp_telegram

GP_RE = re.compile(r"^\s*/gp(?:@\w+)?(?:\s+(\S+))?\s*$", re.I)


def handle_gp_command(text_or_data: str, chat_id: int | str) -> str | None:
    services = get_services()
    now = services.clock.now()
    with services.db.session() as session:
        if text_or_data.startswith("ack:"):
            return handle_telegram_callback(session, services.settings.secret_key, text_or_data,
                                            chat_id, now)
        m = GP_RE.match(text_or_data)
        if m is None:
            return None
        if not m.group(1):
            return ("To get notifications here, send /gp followed by the code your practice "
                    "administrator created with 'python -m bot gps telegram-code'.")
        gp = link_gp_telegram(session, m.group(1), chat_id, now)
        if gp is None:
            return "That GP code is unknown, already used or expired. Ask for a new one."
        return (f"Linked. {gp.name}, you will get notifications for your patients in this chat. "
                "They name the patient's reference and link to the detail.")

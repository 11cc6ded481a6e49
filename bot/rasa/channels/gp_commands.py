"""GP commands that arrive over Telegram: `/gp CODE` links a GP's chat for
notifications; an `ack:<id>:<sig>` button press acknowledges an escalation.

Called by the Telegram channel (bot/rasa/channels/telegram_core.py) in the Rasa process;
these never reach the patient dialogue.
"""
from __future__ import annotations

from bot.app import get_services
from bot.content.texts import gp_line
from bot.core.language import gp_language
from bot.escalation.ack import handle_telegram_callback
from bot.escalation.gp_telegram import link_gp_telegram
from bot.rasa.channels.commands import GP_RE


def handle_gp_command(text_or_data: str, chat_id: int | str, lang: str = "en") -> str | None:
    """The reply to a GP command, or None when it is not one. ``lang``: the language
    of the sender's Telegram app, for replies before the GP is known."""
    services = get_services()
    now = services.clock.now()
    with services.db.session() as session:
        if text_or_data.startswith("ack:"):
            return handle_telegram_callback(session, services.settings.secret_keys, text_or_data,
                                            chat_id, now, lang)
        m = GP_RE.match(text_or_data)
        if m is None:
            return None
        if not m.group(1):
            return gp_line(lang, "telegram_gp_how")
        gp = link_gp_telegram(session, m.group(1), chat_id, now)
        if gp is None:
            return gp_line(lang, "telegram_gp_failed")
        return gp_line(gp_language(gp), "telegram_gp_linked", name=gp.name)

"""/gp CODE links a GP's Telegram chat; an ack button acknowledges."""
from __future__ import annotations

from sqlalchemy import select

from bot.app import Services
from bot.core.clock import FrozenClock
from bot.db.tables import Escalation, Gp
from bot.enrolment.service import add_gp, invite_patient
from bot.escalation import EscalationRequest, escalate
from bot.escalation.gp_telegram import create_gp_link_code
from bot.escalation.links import ack_callback_data
from bot.rasa.channels.gp_commands import handle_gp_command


def test_gp_links_and_acknowledges(services: Services, clock: FrozenClock) -> None:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord", clock.now(), language="en")
        code = create_gp_link_code(s, gp, clock.now())
        patient = invite_patient(s, gp, clock.now(), 14).patient
        esc_id = escalate(s, patient, EscalationRequest("risk", "urgent", "test", {}, "k1"), clock.now()).id
    assert "unknown" in (handle_gp_command("/gp WRONG123", 555) or "")
    assert "Linked" in (handle_gp_command(f"/gp {code}", 555) or "")
    assert "unknown, already used" in (handle_gp_command(f"/gp {code}", 556) or "")
    with services.db.session() as s:
        gp_row = s.execute(select(Gp)).scalar_one()
        assert gp_row.telegram_chat_id == "555" and "telegram" in gp_row.notify_channels
    data = ack_callback_data(services.settings.secret_key, esc_id)
    assert "not linked" in (handle_gp_command(data, 999) or "")
    assert "Acknowledged" in (handle_gp_command(data, 555) or "")
    with services.db.session() as s:
        assert s.get(Escalation, esc_id).status == "acknowledged"
    assert handle_gp_command("hello", 555) is None

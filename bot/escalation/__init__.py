"""Escalations to the patient's GP: rules, outbox, notifiers."""
from bot.escalation.outbox import EscalationRequest, escalate

__all__ = ["EscalationRequest", "escalate"]

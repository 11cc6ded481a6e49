"""The crisis response and the safety check that follows it."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Ctx, PatientAction, send
from bot.app import get_services
from bot.enrolment import find_patient
from bot.safety import RiskResult, detect


def risk_from_parse(latest: dict[str, Any], text: str, lang: str) -> RiskResult:
    """Recomputes the detection (same detector as the NLU component; deterministic).

    The parse data carries the component's evidence too; recomputing keeps the
    action correct even for a message that reached here another way.
    """
    result = detect(text, lang)
    if result.risk:
        return result
    parsed = latest.get("risk") or {}
    if parsed.get("risk"):
        return RiskResult(risk=True, category=parsed.get("category"), urgency=parsed.get("urgency"),
                          evidence=list(parsed.get("evidence") or []), matches=())
    # The NLU model (not the detector) chose the risk intent: escalate anyway.
    return RiskResult(risk=True, category="active_ideation", urgency="urgent",
                      evidence=[f"NLU intent risk_detected for {text[:80]!r}"], matches=())


class ActionRiskResponse(PatientAction):
    """Runs for the risk intent at any point, before or after linking and consent."""

    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_risk_response"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        services = get_services()
        channel = tracker.get_latest_input_channel() or "rest"
        with services.db.session() as session:
            patient = find_patient(session, channel, tracker.sender_id)
            ctx = Ctx(services, session, tracker, channel, patient)
            return self.act(ctx, dispatcher)

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        result = risk_from_parse(ctx.tracker.latest_message, ctx.text, ctx.lang)
        context = ctx.tracker.active_loop.get("name") if ctx.tracker.active_loop else None
        if context is None and ctx.patient is not None:
            row = ctx.services.program.active(ctx.session, ctx.patient)
            context = f"module:{row.module_id}:{row.current_step_id}" if row else "conversation"
        elif context is None:
            context = "before_linking"
        else:
            context = f"form:{context}"
        outcome = ctx.services.safety.handle_risk(
            ctx.session, ctx.patient, ctx.channel, ctx.tracker.sender_id, ctx.text, result,
            context=context, message_id=ctx.tracker.latest_message.get("message_id"))
        if ctx.patient is not None:
            ctx.services.program.hold_place(ctx.session, ctx.patient)
        send(dispatcher, outcome.replies)
        return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None), ActiveLoop(None)]


class ActionSafetyAnswer(PatientAction):
    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_safety_answer"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        answer = "safe" if ctx.intent == "im_safe" else "not_safe"
        send(dispatcher, ctx.services.safety.answer(ctx.session, ctx.patient, ctx.channel,
                                                    ctx.tracker.sender_id, answer))
        return [SlotSet("awaiting_text", False)]

"""The crisis response and the safety check that follows it."""
from __future__ import annotations

from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    CLARIFY_SLOT,
    Ctx,
    PatientAction,
    ask_directly,
    previous_free_text,
    respond_to_risk,
    send,
)
from bot.safety.answers import (
    NOT_SAFE,
    SAFE,
    read_typed_safety,
)
from bot.safety.decision import is_junk


class ActionRiskResponse(PatientAction):
    """Runs for the risk intent at any point, before or after linking and consent."""

    requires_patient = False
    requires_consent = False
    safety_net = False
    takes_clarify_answer = False  # it asks the question
    takes_safety_answer = False  # a new disclosure while one is open is handled in full

    def name(self) -> str:
        return "action_risk_response"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        confirmed = ctx.entity("risk_confirmed") == "yes"
        if confirmed:
            return respond_to_risk(ctx, dispatcher, True, previous_free_text(ctx.tracker))
        if ctx.tracker.get_slot(CLARIFY_SLOT) and not ctx.is_payload and is_junk(ctx.text):
            # Random letters with a rule hit inside are asked about, never paged, and
            # are no answer to the question that is already open: it is asked again.
            return [*ask_directly(ctx, dispatcher), ActiveLoop(None)]
        if ctx.tracker.get_slot(CLARIFY_SLOT) and not ctx.is_payload:
            # The answer to the direct question is itself risk: the crisis response,
            # recorded with the words that made the bot ask and this answer.
            earlier = previous_free_text(ctx.tracker, skip=1)
            return respond_to_risk(ctx, dispatcher, True, f"{earlier}\n{ctx.text}".strip())
        return respond_to_risk(ctx, dispatcher, False, ctx.text)



class ActionSafetyAnswer(PatientAction):
    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_safety_answer"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        answer = SAFE if ctx.intent == "im_safe" else NOT_SAFE
        if not ctx.is_payload and ctx.text.strip():
            answer = read_typed_safety(ctx.text, ctx.intent)
        if answer == NOT_SAFE and not ctx.services.safety.open_conversation(
                ctx.session, ctx.patient, ctx.channel, ctx.tracker.sender_id):
            # "I'm not safe" out of the blue is a disclosure, not an answer: the full
            # crisis response and the urgent escalation, as for any risk message.
            return respond_to_risk(
                ctx, dispatcher, True, ctx.text if not ctx.is_payload else
                previous_free_text(ctx.tracker) or ctx.text)
        send(dispatcher, ctx.services.safety.answer(ctx.session, ctx.patient, ctx.channel,
                                                    ctx.tracker.sender_id, answer,
                                                    said=ctx.text))
        return [SlotSet("awaiting_text", False)]

"""The crisis response and the safety check that follows it."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import CLARIFY_SLOT, Ctx, PatientAction, send
from bot.audit import audit
from bot.replies import Button, Reply, intent_payload
from bot.safety import RiskResult, detect
from bot.safety.answers import (
    NO,
    NOT_SAFE,
    SAFE,
    UNCLEAR,
    YES,
    read_clarify_answer,
    read_safety_answer,
)


def risk_from_parse(latest: dict[str, Any], text: str, detected: RiskResult) -> RiskResult:
    """The risk to record: the detector's result on the text (the same detector as the
    NLU component, recomputed so a message that reached here another way is handled),
    else the component's evidence in the parse data, else the confirmed NLU guess."""
    if detected.risk:
        return detected
    parsed = latest.get("risk") or {}
    if parsed.get("risk"):
        return RiskResult(risk=True, category=parsed.get("category"), urgency=parsed.get("urgency"),
                          evidence=list(parsed.get("evidence") or []), matches=())
    # The NLU model (not the detector) chose the risk intent, and the patient has
    # confirmed it when asked (see ActionRiskResponse): treat it as active ideation.
    return RiskResult(risk=True, category="active_ideation", urgency="urgent",
                      evidence=[f"NLU intent risk_detected, confirmed by the patient: {text[:80]!r}"],
                      matches=())


def previous_free_text(tracker: Tracker, skip: int = 0) -> str:
    """The patient's last typed message before a button press (`skip`: user messages
    to pass over first, e.g. the typed "yes" that answered the question)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if skip > 0:
                skip -= 1
                continue
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                return text
    return ""


class ActionRiskResponse(PatientAction):
    """Runs for the risk intent at any point, before or after linking and consent."""

    requires_patient = False
    requires_consent = False
    safety_net = False
    takes_clarify_answer = False  # it asks the question

    def name(self) -> str:
        return "action_risk_response"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        confirmed = ctx.entity("risk_confirmed") == "yes"
        return self.respond(ctx, dispatcher, confirmed,
                            previous_free_text(ctx.tracker) if confirmed else ctx.text)

    def respond(self, ctx: Ctx, dispatcher: CollectingDispatcher, confirmed: bool,
                text: str) -> list[EventType]:
        done = [SlotSet("awaiting_text", False), SlotSet("workbook_text", None), ActiveLoop(None)]
        parsed = ctx.tracker.latest_message.get("risk") or {}
        detected = detect(text, ctx.lang)
        if not confirmed and not parsed.get("risk") and not detected.risk:
            # Only the statistical model thought so. Ask directly (asking about
            # suicide does not raise risk) rather than assume, or miss it.
            audit(ctx.session, ctx.services.clock.now(),
                  f"patient:{ctx.patient.ref}" if ctx.patient else f"{ctx.channel}:{ctx.tracker.sender_id}",
                  "risk_possible_asked", ctx.patient.id if ctx.patient else None,
                  nlu_confidence=(ctx.tracker.latest_message.get("intent") or {}).get("confidence"))
            send(dispatcher, [Reply(ctx.t("risk_clarify"), (
                Button(ctx.t("risk_clarify_yes"), intent_payload("risk_detected", risk_confirmed="yes")),
                Button(ctx.t("risk_clarify_no"), intent_payload("im_safe")),
            ))])
            # A typed answer is taken too ("yes", "sometimes", "no"): see answer_clarify.
            return [*done, SlotSet(CLARIFY_SLOT, True)]
        result = risk_from_parse(ctx.tracker.latest_message, text, detected)
        context = ctx.tracker.active_loop.get("name") if ctx.tracker.active_loop else None
        if context is None and ctx.patient is not None:
            row = ctx.services.program.active(ctx.session, ctx.patient)
            context = f"module:{row.module_id}:{row.current_step_id}" if row else "conversation"
        elif context is None:
            context = "before_linking"
        else:
            context = f"form:{context}"
        outcome = ctx.services.safety.handle_risk(
            ctx.session, ctx.patient, ctx.channel, ctx.tracker.sender_id, text, result,
            context=context, message_id=ctx.tracker.latest_message.get("message_id"))
        if ctx.patient is not None:
            ctx.services.program.hold_place(ctx.session, ctx.patient)
        send(dispatcher, outcome.replies)
        return [*done, SlotSet(CLARIFY_SLOT, None)]


def answer_clarify(ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType] | None:
    """The patient's next message after the direct question, whatever action the
    dialogue chose for it: yes gives the full crisis response for their earlier words,
    no is acknowledged; anything else is handled as usual (None)."""
    typed = read_clarify_answer(ctx.text) if not ctx.is_payload else None
    said_yes = ctx.intent == "affirm" or typed == YES
    said_no = ctx.intent in ("deny", "im_safe") or typed == NO
    if said_yes and not said_no:
        return ActionRiskResponse().respond(ctx, dispatcher, True,
                                            previous_free_text(ctx.tracker, skip=1))
    if said_no:
        send(dispatcher, [Reply(ctx.t("safety_not_open"), (
            Button(ctx.t("back_to_program_button"), intent_payload("continue_program")),))])
        return [SlotSet(CLARIFY_SLOT, None)]
    return None


class ActionSafetyAnswer(PatientAction):
    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_safety_answer"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        answer = SAFE if ctx.intent == "im_safe" else NOT_SAFE
        if not ctx.is_payload and ctx.text.strip():
            # Typed: the words decide, not the classifier alone. A plain reading wins;
            # doubt never closes the risk conversation (asked again), and a "not safe"
            # guess stands (if unsure, escalate).
            typed = read_safety_answer(ctx.text)
            if typed != UNCLEAR:
                answer = typed
            elif answer == SAFE:
                answer = UNCLEAR
        send(dispatcher, ctx.services.safety.answer(ctx.session, ctx.patient, ctx.channel,
                                                    ctx.tracker.sender_id, answer))
        return [SlotSet("awaiting_text", False)]

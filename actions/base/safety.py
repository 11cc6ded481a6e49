"""The safety flows every action may need: the crisis response, and reading the answer
to the direct question. Part of the one action base: the gate in core.py calls them
wherever a message lands, and actions.safety's actions are thin wrappers."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base.core import (
    CLARIFY_SLOT,
    Ctx,
    ask_directly,
    audit_decision,
    recent_messages,
    send,
    transcript,
)
from bot.core.replies import Button, Reply, intent_payload
from bot.safety import RiskResult
from bot.safety.answers import NO, NOT_SAFE, YES, read_clarify_answer, read_typed_safety
from bot.safety.decision import ASK, CRISIS, decide, is_junk


def risk_from_parse(latest: dict[str, Any], text: str, detected: RiskResult,
                    confirmed: bool = False) -> RiskResult:
    """The risk to record: the decision on the text (recomputed, so a message that
    reached here another way is handled), else the pipeline's decision in the parse
    data, else what the patient confirmed when asked directly."""
    if detected.risk:
        return detected
    parsed = latest.get("risk") or {}
    if parsed.get("risk") and (parsed.get("action") != ASK or not confirmed):
        return RiskResult(risk=True, category=parsed.get("category"), urgency=parsed.get("urgency"),
                          evidence=list(parsed.get("evidence") or []), matches=())
    # The decision was unsure and the patient said yes (or not a plain no) when
    # asked directly: treat it as active ideation, the step the question asks about.
    evidence = [*(parsed.get("evidence") or []), "confirmed by the patient when asked directly"]
    return RiskResult(risk=True, category=parsed.get("category") or "active_ideation",
                      urgency="urgent", evidence=evidence, matches=())


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


def respond_to_risk(ctx: Ctx, dispatcher: CollectingDispatcher, confirmed: bool,
                    text: str) -> list[EventType]:
    """The crisis response (or, when unsure, the direct question) for ``text``."""
    done = [SlotSet("awaiting_text", False), SlotSet("workbook_text", None), ActiveLoop(None)]
    parsed = ctx.tracker.latest_message.get("risk") or {}
    decision = decide(text, ctx.lang, [] if confirmed else recent_messages(ctx.tracker))
    unsure = parsed.get("action") == ASK or (not parsed.get("risk") and decision.action != CRISIS)
    if not confirmed and decision.action != CRISIS and unsure:
        reading = read_typed_safety(text, parsed.get("nlu_intent"))
        if ctx.services.safety.open_conversation(ctx.session, ctx.patient, ctx.channel,
                                                 ctx.tracker.sender_id):
            # The bot has asked "are you safe right now?": this is the answer.
            send(dispatcher, ctx.services.safety.answer(
                ctx.session, ctx.patient, ctx.channel, ctx.tracker.sender_id, reading,
                said=text))
            return done
        if reading != NOT_SAFE:
            # Unsure: ask directly (asking about suicide does not raise risk) rather
            # than assume, or miss it. A typed answer is taken too: see answer_clarify.
            return [*ask_directly(ctx, dispatcher, decision), ActiveLoop(None)]
        confirmed = True  # "I'm not safe" out of the blue is a disclosure
    detected = decision.as_result() if decision.action == CRISIS else RiskResult(False, None, None)
    result = risk_from_parse(ctx.tracker.latest_message, text, detected, confirmed)
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
        context=context, message_id=ctx.tracker.latest_message.get("message_id"),
        transcript=transcript(ctx.tracker))
    if ctx.patient is not None:
        ctx.services.program.hold_place(ctx.session, ctx.patient)
    send(dispatcher, outcome.replies)
    return [*done, SlotSet(CLARIFY_SLOT, None)]


# A short command typed instead of an answer: the question is asked again, not dropped.
_NOT_AN_ANSWER = frozenset({"continue_program", "skip", "pause", "repeat", "menu", "help",
                            "progress", "greet"})


def answer_clarify(ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType] | None:
    """The patient's next message after the direct question, whatever action the
    dialogue chose for it (a free-text step included). A plain no is acknowledged and
    recorded for the GP; yes, or anything typed short of a plain no, gets the full
    crisis response for their earlier words. A tapped button that answers nothing
    (an old menu) asks the question again; None only for the Yes button, which the
    risk action itself takes."""
    if ctx.is_payload:
        if ctx.intent in ("deny", "im_safe"):
            return _declined(ctx, dispatcher)
        if ctx.intent == "risk_detected":
            return None
        return ask_directly(ctx, dispatcher)
    typed = read_clarify_answer(ctx.text)
    if typed == NO and ctx.intent != "affirm":
        return _declined(ctx, dispatcher)
    if typed != YES and ctx.intent in _NOT_AN_ANSWER and len(ctx.text.split()) <= 3:
        return ask_directly(ctx, dispatcher)  # "next", "menu": the question still stands
    if typed != YES and is_junk(ctx.text):
        # Random letters are no answer and no reason to page a GP (a rule hit inside
        # them is noticed by asking, as decide() does): the question stands.
        return ask_directly(ctx, dispatcher)
    return respond_to_risk(ctx, dispatcher, True,
                                        previous_free_text(ctx.tracker, skip=1))


def _declined(ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
    """Asked directly, the patient said no: said kindly, and kept for the GP's
    timeline and next brief with the words that made the bot ask."""
    asked_about = previous_free_text(ctx.tracker, skip=1)
    decision = decide(asked_about, ctx.lang) if asked_about else None
    audit_decision(ctx, "risk_question_declined", decision)
    send(dispatcher, [Reply(ctx.t("risk_clarify_declined"), (
        Button(ctx.t("back_to_program_button"), intent_payload("continue_program")),))])
    return [SlotSet(CLARIFY_SLOT, None), SlotSet("awaiting_text", False),
            SlotSet("workbook_text", None)]

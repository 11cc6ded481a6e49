"""Help, menu, progress, small talk and the fallback: never a dead end."""
from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Ctx,
    PatientAction,
    consent_gate,
    info_replies,
    menu_buttons,
    run_program_intent,
    send,
)
from bot.core.replies import Reply
from bot.db.tables import Gp
from bot.program.service import match_option

# Intents whose text, typed while a free-text answer is awaited, is the answer.
ANSWER_LIKE = {"nlu_fallback", "share_feeling", "out_of_scope", "choose", "affirm", "deny",
               "im_safe", "not_safe", "bot_challenge", "thank_you"}


class ActionInfo(PatientAction):
    def name(self) -> str:
        return "action_info"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        send(dispatcher, info_replies(ctx, ctx.intent if ctx.intent in ("help", "progress") else "menu"))
        return []


class ActionHelpAnyone(PatientAction):
    """Help for someone who is not linked yet (the base would only say 'get a code')."""

    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_help"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        if ctx.patient is None:
            send(dispatcher, [Reply(ctx.t("need_code"))])
        elif ctx.patient.status != "consented":
            send(dispatcher, consent_gate(ctx))
        else:
            send(dispatcher, info_replies(ctx, "help"))
        return []


def _awaiting(ctx: Ctx) -> str | None:
    if ctx.patient is None or ctx.patient.status != "consented":
        return None
    row = ctx.services.program.active(ctx.session, ctx.patient)
    return row.awaiting if row is not None and row.status == "in_progress" else None


class ActionChitchat(PatientAction):
    """greet, goodbye, thanks, bot challenge, out of scope, sharing a feeling."""

    requires_consent = False

    def name(self) -> str:
        return "action_chitchat"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        intent = ctx.intent
        awaiting = _awaiting(ctx)
        if awaiting == "text" and intent in ANSWER_LIKE and not ctx.is_payload:
            return run_program_intent(ctx, dispatcher, "answer", ctx.text)
        if ctx.patient.status != "consented":
            greeting = [Reply(ctx.t("greet_known"))] if intent == "greet" else []
            send(dispatcher, greeting + consent_gate(ctx))
            return []
        gp = ctx.session.get(Gp, ctx.patient.gp_id)
        if intent == "greet":
            send(dispatcher, [Reply(ctx.t("greet_known"), menu_buttons(ctx))])
        elif intent == "goodbye":
            send(dispatcher, [Reply(ctx.t("goodbye"))])
        elif intent == "thank_you":
            send(dispatcher, [Reply(ctx.t("thanks"))])
        elif intent == "bot_challenge":
            send(dispatcher, [Reply(ctx.t("bot_challenge", gp_name=gp.name if gp else "your GP"))])
        elif intent == "share_feeling":
            send(dispatcher, [Reply(ctx.t("share_feeling"), menu_buttons(ctx))])
        else:
            send(dispatcher, [Reply(ctx.t("out_of_scope"), menu_buttons(ctx))])
        return [SlotSet("awaiting_text", False)]


class ActionFallback(PatientAction):
    """For text the NLU did not understand: answer, choice, or a helpful next step."""

    def name(self) -> str:
        return "action_fallback"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        if ctx.services.safety.is_open(ctx.patient):
            send(dispatcher, ctx.services.safety.answer(ctx.session, ctx.patient, ctx.channel,
                                                        ctx.tracker.sender_id, "unclear",
                                                        said=ctx.text))
            return [SlotSet("awaiting_text", False)]
        awaiting = _awaiting(ctx)
        if awaiting == "text" and not ctx.is_payload:
            return run_program_intent(ctx, dispatcher, "answer", ctx.text)
        if awaiting == "choice":
            row = ctx.services.program.active(ctx.session, ctx.patient)
            assert row is not None
            module = ctx.services.program.program(ctx.patient).module(row.module_id)
            if row.current_step_id and match_option(module.step(row.current_step_id), ctx.text):
                return run_program_intent(ctx, dispatcher, "choose", ctx.text)
        if awaiting is not None:
            send(dispatcher, [Reply(ctx.t("fallback_in_module"))])
            return run_program_intent(ctx, dispatcher, "repeat", "")
        send(dispatcher, [Reply(ctx.t("fallback"), menu_buttons(ctx))])
        return [SlotSet("awaiting_text", False)]

"""Module delivery: continue, choose, free-text answers, skip, repeat, pause."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Ctx, PatientAction, send, share_pending, share_question
from bot.escalation.rules import on_module_finished
from bot.modules.program import Turn
from bot.replies import Reply

# Typed commands that, inside a free-text answer, mean the command and not an answer.
COMMAND_WORDS = {
    "skip": "skip", "pass": "skip", "hopp over": "skip", "next": "skip",
    "pause": "pause", "stop": "pause", "later": "pause", "pause please": "pause",
    "ta en pause": "pause", "senere": "pause",
    "repeat": "repeat", "again": "repeat", "gjenta": "repeat",
    "menu": "menu", "meny": "menu", "help": "help", "hjelp": "help",
    "progress": "progress",
}
PAYLOAD_RE = re.compile(r"^/(\w+)")


def command_in_answer(text: str) -> str | None:
    """'/skip' or a bare command word typed as the whole answer."""
    stripped = text.strip()
    m = PAYLOAD_RE.match(stripped)
    if m:
        return m.group(1)
    return COMMAND_WORDS.get(re.sub(r"[^\w\s]", "", stripped.lower()).strip())


def turn_events(turn: Turn) -> list[EventType]:
    return [SlotSet("awaiting_text", turn.awaiting_text), SlotSet("workbook_text", None)]


def run_program_intent(ctx: Ctx, dispatcher: CollectingDispatcher, intent: str,
                       text: str) -> list[EventType]:
    """Shared by the program action and the fallbacks: does what the intent asks."""
    assert ctx.patient is not None
    svc = ctx.services.program
    patient, session = ctx.patient, ctx.session
    if share_pending(ctx):
        send(dispatcher, [share_question(ctx)])
        return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
    if ctx.services.safety.is_open(patient) and intent not in ("pause",):
        send(dispatcher, ctx.services.safety.hold(patient))
        return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
    if intent == "answer":
        turn = svc.submit_text(session, patient, text)
    elif intent == "choose":
        turn = svc.choose(session, patient, ctx.entity("choice"), text)
    elif intent == "skip":
        turn = svc.skip(session, patient)
    elif intent == "repeat":
        turn = svc.repeat(session, patient)
    elif intent == "pause":
        turn = svc.pause(session, patient)
    else:  # continue_program, affirm
        turn = svc.continue_(session, patient)
    if turn.module_finished:
        on_module_finished(session, patient, turn.module_finished, svc.program(patient),
                           ctx.services.clock.now())
    send(dispatcher, turn.replies)
    from actions.checkins import after_program_turn  # homework reminders, end-of-module PHQ-9

    after_program_turn(ctx, dispatcher, turn)
    return turn_events(turn)


class ActionProgram(PatientAction):
    def name(self) -> str:
        return "action_program"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        answer = ctx.tracker.get_slot("workbook_text")
        if answer is not None:
            # The workbook form just collected a free-text answer.
            command = command_in_answer(str(answer))
            if command in ("skip", "pause", "repeat", "continue_program", "choose"):
                return run_program_intent(ctx, dispatcher, command, "")
            if command in ("menu", "help", "progress"):
                from actions.info import info_replies

                send(dispatcher, info_replies(ctx, command))
                return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
            return run_program_intent(ctx, dispatcher, "answer", str(answer))
        intent = ctx.intent
        if intent in ("affirm", "deny") and share_pending(ctx):
            # A typed yes/no answers the open question: may the GP see the workbook?
            from actions.onboarding import record_share_choice

            send(dispatcher, record_share_choice(ctx, intent == "affirm"))
            return [SlotSet("awaiting_text", False)]
        if intent == "deny":
            send(dispatcher, [Reply(ctx.t("goodbye"))])
            return [SlotSet("awaiting_text", False)]
        return run_program_intent(ctx, dispatcher, intent, ctx.text)


class ActionAskWorkbookText(Action):
    """The form's question: already shown by action_program, so this says nothing."""

    def name(self) -> str:
        return "action_ask_workbook_text"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        return []

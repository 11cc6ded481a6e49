"""Module delivery: continue, choose, free-text answers, skip, repeat, pause."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Ctx,
    PatientAction,
    info_replies,
    record_share_choice,
    run_program_intent,
    send,
    share_pending,
)
from bot.core.replies import Reply

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
STORIES = Path(__file__).resolve().parent.parent / "stories"
# Typed (not tapped) requests are taken as requests only when the NLU is this sure;
# below it the words are the patient's answer, as before.
REQUEST_CONFIDENCE = 0.8
# Intents that are never a request to leave the step: answers, program commands
# (handled above), and the safety and consent paths (handled by their own rules).
_NOT_REQUESTS = frozenset({"nlu_fallback", "share_feeling", "out_of_scope", "choose", "affirm",
                           "deny", "im_safe", "bot_challenge", "thank_you", "greet", "goodbye",
                           "continue_program", "skip", "repeat", "pause", "risk_detected",
                           "start", "consent_agree", "consent_decline", "not_safe"})


@functools.lru_cache(maxsize=1)
def rule_actions() -> dict[str, str]:
    """intent -> the action that answers it, read from the unconditional two-step rules
    in stories/ (so a request typed inside a free-text step goes exactly where it goes
    anywhere else, and a new rule needs no change here)."""
    out: dict[str, str] = {}
    for path in sorted(STORIES.glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []:
            steps = rule.get("steps") or []
            if (rule.get("condition") is None and len(steps) >= 2 and "intent" in steps[0]
                    and "action" in steps[1]):
                out.setdefault(str(steps[0]["intent"]), str(steps[1]["action"]))
    return out


def not_an_answer(ctx: Ctx, answer: str) -> tuple[str, str | None] | None:
    """Why the text the workbook form collected is not an answer to the step:
    ("not_safe", action) a safety statement, ("request", action) a request such as
    "can I do my mood check-in" or a check-in button, ("stray", None) a payload that
    means nothing here (an unknown intent, a broken button). None: it is an answer."""
    intent = ctx.intent
    tapped = answer.lstrip().startswith("/")
    confidence = float((ctx.tracker.latest_message.get("intent") or {}).get("confidence") or 0)
    if intent == "not_safe":
        return "not_safe", "action_safety_answer"
    action = rule_actions().get(intent)
    if (action and intent not in _NOT_REQUESTS and action != "action_program"
            and (tapped or confidence >= REQUEST_CONFIDENCE)):
        return "request", action
    if tapped:
        return "stray", None
    return None


def command_in_answer(text: str) -> str | None:
    """'/skip' or a bare command word typed as the whole answer."""
    stripped = text.strip()
    m = PAYLOAD_RE.match(stripped)
    if m:
        return m.group(1)
    return COMMAND_WORDS.get(re.sub(r"[^\w\s]", "", stripped.lower()).strip())


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
                send(dispatcher, info_replies(ctx, command))
                return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
            why = not_an_answer(ctx, str(answer))
            left = [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
            if why is not None and why[1] is not None:
                # Not saved: the step waits, and the request (or the safety statement)
                # is handled by the action its rule names, as anywhere else.
                return [*left, FollowupAction(why[1])]
            if why is not None:
                send(dispatcher, [Reply(ctx.t("not_an_answer"))])
                return run_program_intent(ctx, dispatcher, "repeat", "")
            return run_program_intent(ctx, dispatcher, "answer", str(answer))
        intent = ctx.intent
        if intent in ("affirm", "deny") and share_pending(ctx):
            # A typed yes/no answers the open question: may the GP see the workbook?
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

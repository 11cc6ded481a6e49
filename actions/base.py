"""The shared base of every patient-facing action.

It resolves the patient from the channel identity, enforces the gate (no program
before a linked patient has consented), runs the risk detector as a safety net on
the message text, and turns channel-neutral replies into dispatcher messages.
Declared abstract so the action server does not register it.
"""
from __future__ import annotations

import abc
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.app import Services, get_services
from bot.db.models import Patient
from bot.enrolment import find_patient, latest_consent
from bot.replies import Button, Reply, intent_payload
from bot.safety import detect

log = logging.getLogger(__name__)

RISK_INTENT = "risk_detected"
# Set while the bot waits for a yes or no to its direct question about risk (see
# actions.safety.answer_clarify); the next patient action reads it and clears it.
CLARIFY_SLOT = "risk_clarify"


@dataclass
class Ctx:
    services: Services
    session: Session
    tracker: Tracker
    channel: str
    patient: Patient | None

    @property
    def intent(self) -> str:
        return str((self.tracker.latest_message.get("intent") or {}).get("name") or "")

    @property
    def text(self) -> str:
        return str(self.tracker.latest_message.get("text") or "")

    @property
    def lang(self) -> str:
        return self.patient.language if self.patient else self.services.settings.default_language

    def t(self, key: str, **values: Any) -> str:
        return self.services.texts.get(key, self.lang, **values)

    def entity(self, name: str) -> str | None:
        for ent in self.tracker.latest_message.get("entities") or []:
            if ent.get("entity") == name and ent.get("value") not in (None, ""):
                return str(ent["value"])
        return None

    @property
    def is_payload(self) -> bool:
        return self.text.strip().startswith("/")

    @property
    def is_external(self) -> bool:
        """An external event (the scheduler's trigger_intent), not the patient's message."""
        metadata = self.tracker.latest_message.get("metadata") or {}
        return bool(metadata.get("is_external")) or self.text.startswith("EXTERNAL: ")


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        kwargs: dict[str, Any] = {}
        if reply.text:
            kwargs["text"] = reply.text
        if reply.buttons:
            kwargs["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        if reply.image:
            kwargs["image"] = reply.image
        if reply.custom:
            kwargs["json_message"] = reply.custom
        if kwargs:
            dispatcher.utter_message(**kwargs)


def consent_replies(ctx: Ctx, intro_key: str = "consent_prompt") -> list[Reply]:
    consent = ctx.services.content.consent(ctx.lang)
    return [
        Reply(ctx.t(intro_key)),
        Reply(f"{consent.title}\n\n{consent.text}", (
            Button(consent.agree_label, intent_payload("consent_agree")),
            Button(consent.decline_label, intent_payload("consent_decline")),
        )),
    ]


def share_pending(ctx: Ctx) -> bool:
    if ctx.patient is None or ctx.patient.status != "consented":
        return False
    record = latest_consent(ctx.session, ctx.patient)
    return record is None or record.share_workbook is None


def share_question(ctx: Ctx) -> Reply:
    consent = ctx.services.content.consent(ctx.lang)
    return Reply(consent.share_workbook_question, (
        Button(consent.share_yes_label, intent_payload("consent_agree", share="yes")),
        Button(consent.share_no_label, intent_payload("consent_agree", share="no")),
    ))


def menu_buttons(ctx: Ctx) -> tuple[Button, ...]:
    return (
        Button(ctx.t("resume_button"), intent_payload("continue_program")),
        Button(ctx.t("progress_button"), intent_payload("progress")),
        Button(ctx.t("help_button"), intent_payload("help")),
    )


class PatientAction(Action, metaclass=abc.ABCMeta):
    """Base for actions that need a linked (and usually consented) patient."""

    requires_patient = True
    requires_consent = True
    safety_net = True  # run the detector on the message first (off for the risk action itself)
    takes_clarify_answer = True  # a pending direct risk question is answered here first

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]: ...

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        services = get_services()
        channel = tracker.get_latest_input_channel() or "rest"
        with services.db.session() as session:
            patient = find_patient(session, channel, tracker.sender_id)
            ctx = Ctx(services, session, tracker, channel, patient)
            # A reminder the scheduler sent is not the patient being active: counting it
            # would hide a patient who ignores every reminder from the disengagement
            # sweep, and hold back their next reminder as if they were chatting.
            if patient is not None and not ctx.is_external:
                patient.last_active_at = services.clock.now()
            # Safety net: the NLU pipeline sets the risk intent, but risk handling must
            # never depend on it alone. The detector is the same one, and cheap.
            if self.safety_net and ctx.intent != RISK_INTENT and ctx.text and not ctx.is_payload \
                    and not ctx.is_external:
                result = detect(ctx.text, ctx.lang)
                if result.risk:
                    log.warning("risk found by the action-side safety net (intent was %s)", ctx.intent)
                    outcome = services.safety.handle_risk(
                        session, patient, channel, tracker.sender_id, ctx.text, result,
                        context=f"safety_net:{self.name()}",
                        message_id=tracker.latest_message.get("message_id"))
                    if patient is not None:
                        services.program.hold_place(session, patient)
                    send(dispatcher, outcome.replies)
                    return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None),
                            SlotSet(CLARIFY_SLOT, None)]
            # The bot has just asked "are you having thoughts of ending your life...?"
            # (only the NLU model suspected risk): the answer may land on any action.
            if tracker.get_slot(CLARIFY_SLOT) and self.takes_clarify_answer:
                from actions.safety import answer_clarify

                answered = answer_clarify(ctx, dispatcher)
                if answered is not None:
                    return answered
                return [*self._gated(ctx, dispatcher), SlotSet(CLARIFY_SLOT, None)]
            return self._gated(ctx, dispatcher)

    def _gated(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        """No program before a linked patient has consented."""
        if self.requires_patient and ctx.patient is None:
            dispatcher.utter_message(text=ctx.t("need_code"))
            return []
        if self.requires_consent and ctx.patient is not None and ctx.patient.status != "consented":
            send(dispatcher, consent_replies(ctx, "consent_required"))
            return []
        return self.act(ctx, dispatcher)

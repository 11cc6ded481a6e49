"""The shared base of every patient-facing action.

It resolves the patient from the channel identity, enforces the gate (no program
before a linked patient has consented), runs the risk detector as a safety net on
the message text, and turns channel-neutral replies into dispatcher messages.
Declared abstract so the action server does not register it.
"""
from __future__ import annotations

import abc
import functools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import Services, get_services
from bot.checkins.parsing import is_plain_answer
from bot.core.language import NAMES, SUPPORTED, guess_language, normalise
from bot.core.replies import Button, Reply, intent_payload
from bot.db.actors import patient_actor, sender_actor
from bot.db.audit import audit
from bot.db.tables import ConsentRecord, Patient
from bot.enrolment.service import find_patient, latest_consent, record_consent
from bot.safety.answers import NOT_SAFE, read_typed_safety
from bot.safety.decision import ASK, CRISIS, Decision, decide

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
        """The patient's language; before linking, the one they chose, else their
        Telegram app's, else the one their message is written in, else the default."""
        if self.patient is not None:
            return self.patient.language
        metadata = self.tracker.latest_message.get("metadata") or {}
        for candidate in (self.tracker.get_slot("language"), metadata.get("language_code"),
                          metadata.get("language")):
            lang = normalise(candidate)
            if lang in SUPPORTED:
                return lang
        guessed = guess_language(self.text) if not self.is_payload else None
        return guessed or self.services.settings.default_language

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


CRISIS_NUMBERS = "utter_crisis_numbers"  # static, in domain.yml
RunFn = Callable[[Any, CollectingDispatcher, Tracker, dict[str, Any]], list[EventType]]


def fail_safe(run: RunFn) -> RunFn:
    """Nothing on the crisis path may leave a patient without a reply: when an action
    fails (database down, content broken, a bug), whatever it had queued is dropped
    (it may promise that the GP was told) and a static response from domain.yml is
    sent instead: the crisis numbers from domain.yml (no database or content needed)
    when the message was about risk or anything else fails, else a short apology from
    the content. The failure is logged for the operator without the patient's words
    (exception type and where it happened)."""

    @functools.wraps(run)
    def wrapper(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                domain: dict[str, Any]) -> list[EventType]:
        try:
            return run(self, dispatcher, tracker, domain)
        except Exception as exc:
            where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                              for f in traceback.extract_tb(exc.__traceback__)[-4:])
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            risky = (intent == RISK_INTENT or bool(tracker.latest_message.get("risk"))
                     or bool(tracker.get_slot(CLARIFY_SLOT))
                     or self.name() in ("action_risk_response", "action_safety_answer"))
            log.error("action %s failed (%s at %s); sent the static %s", self.name(),
                      type(exc).__name__, where, "crisis fallback" if risky else "fallback")
            dispatcher.messages.clear()
            events: list[EventType] = [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
            if not risky:
                try:
                    services = get_services()
                    dispatcher.utter_message(text=services.texts.get(
                        "action_failed", services.settings.default_language))
                    return events
                except Exception:
                    dispatcher.messages.clear()
            dispatcher.utter_message(response=CRISIS_NUMBERS)
            return events

    return wrapper


TRANSCRIPT_MESSAGES = 8
TRANSCRIPT_CHARS = 600


def transcript(tracker: Tracker, limit: int = TRANSCRIPT_MESSAGES) -> list[dict[str, str]]:
    """The last ``limit`` messages of this session, the patient's and the bot's, with
    their times (UTC, ISO 8601): what the GP reads around a risk message. A button
    press shows as the button's intent, not as a raw payload."""
    out: list[dict[str, str]] = []
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            break
        if kind not in ("user", "bot"):
            continue
        text = str(event.get("text") or "").strip()
        if kind == "user" and text.startswith("/"):
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or "button"
            text = f"(tapped: {intent.replace('_', ' ')})"
        if not text:
            continue
        stamp = event.get("timestamp")
        at = (datetime.fromtimestamp(float(stamp), timezone.utc).isoformat(timespec="seconds")
              if isinstance(stamp, (int, float)) else "")
        out.append({"at": at, "who": "patient" if kind == "user" else "bot",
                    "text": text[:TRANSCRIPT_CHARS]})
        if len(out) >= limit:
            break
    return list(reversed(out))


def first_action_of_turn(tracker: Tracker) -> bool:
    """Is this action the first to answer the latest user message? (Not a form's
    submit, nor an action after the one that just opened a risk conversation: the
    message that opened it is not also its answer.)"""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in ("action_listen", None):
            return False
    return True


def recent_messages(tracker: Tracker, limit: int = 2) -> list[str]:
    """The patient's typed messages before the latest one, in this session and since
    the last risk response (those were handled): the context the risk decision reads."""
    out: list[str] = []
    seen_latest = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            break
        if kind == "action" and event.get("name") == "action_risk_response":
            break
        if kind != "user":
            continue
        if not seen_latest:
            seen_latest = True
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == RISK_INTENT:
            break
        text = str(event.get("text") or "")
        if text.strip() and not text.lstrip().startswith("/"):
            out.append(text)
            if len(out) >= limit:
                break
    return list(reversed(out))


def audit_decision(ctx: Ctx, action: str, decision: Decision | None) -> None:
    """An audit entry for what the bot did about possible risk, with the decision."""
    audit(ctx.session, ctx.services.clock.now(),
          patient_actor(ctx.patient) if ctx.patient else sender_actor(ctx.channel, ctx.tracker.sender_id),
          action, ctx.patient.id if ctx.patient else None,
          score=decision.score if decision else None,
          category=decision.category if decision else None,
          source=decision.source if decision else None)  # never the patient's words


def ask_directly(ctx: Ctx, dispatcher: CollectingDispatcher, decision: Decision | None = None
                 ) -> list[EventType]:
    """The direct question when risk is possible but not certain; the next message,
    wherever it lands, is read as its answer (actions.safety.answer_clarify)."""
    audit_decision(ctx, "risk_possible_asked", decision)
    send(dispatcher, [Reply(ctx.t("risk_clarify"), (
        Button(ctx.t("risk_clarify_yes"), intent_payload("risk_detected", risk_confirmed="yes")),
        Button(ctx.t("risk_clarify_no"), intent_payload("im_safe")),
    ))])
    return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None),
            SlotSet(CLARIFY_SLOT, True)]


def safety_net(ctx: Ctx, dispatcher: CollectingDispatcher, where: str,
               text: str | None = None, rules_only: bool = False) -> list[EventType] | None:
    """Risk handling never depends on the NLU pipeline alone: the same decision on
    the message, read with the patient's previous messages. Returns the events of
    the crisis response or the direct question, or None when there is no risk."""
    text = ctx.text if text is None else text
    if not text.strip() or text.lstrip().startswith("/") or ctx.is_external:
        return None
    # A bare check-in answer ("more than half the days") says nothing about risk on
    # its own (the rules still read it; PHQ-9 item 9 has its own rule).
    rules_only = rules_only or (ctx.intent in ("phq_answer", "mood_answer") and is_plain_answer(text))
    def open_risk() -> bool:  # a database read: asked only where the answer matters
        return ctx.services.safety.open_conversation(ctx.session, ctx.patient, ctx.channel,
                                                     ctx.tracker.sender_id)

    if (ctx.intent == "not_safe" and read_typed_safety(text, ctx.intent) == NOT_SAFE
            and not open_risk()):
        # "I'm not safe" with no question open is a disclosure wherever it is typed (a
        # free-text step included): the full crisis response, not the direct question.
        decision = Decision(CRISIS, "active_ideation", 1.0, ["said they are not safe"], "statement")
    else:
        decision = decide(text, ctx.lang, recent_messages(ctx.tracker), rules_only=rules_only)
    if decision.action == ASK:
        if ctx.tracker.get_slot(CLARIFY_SLOT) or open_risk():
            # Already asked (this message is the answer: answer_clarify), or a risk
            # conversation is open and waits for "are you safe?" (the safety answer).
            return None
        log.warning("possible risk found by the action-side safety net (%s)", decision.source)
        return ask_directly(ctx, dispatcher, decision)
    if decision.action != CRISIS:
        return None
    log.warning("risk found by the action-side safety net (intent was %s, %s)",
                ctx.intent, decision.source)
    outcome = ctx.services.safety.handle_risk(
        ctx.session, ctx.patient, ctx.channel, ctx.tracker.sender_id, text, decision.as_result(),
        context=where, message_id=ctx.tracker.latest_message.get("message_id"),
        transcript=transcript(ctx.tracker))
    if ctx.patient is not None:
        ctx.services.program.hold_place(ctx.session, ctx.patient)
    send(dispatcher, outcome.replies)
    return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None),
            SlotSet(CLARIFY_SLOT, None)]


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


# Typed answers to the consent question that mean "no" (the decline button's own label
# is read too). A "no" here must not send the whole agreement again.
DECLINE_TYPED = frozenset({
    "no", "nope", "nah", "no thanks", "no thank you", "not now", "not yet", "not today",
    "later", "maybe later", "not for me", "i dont want to", "i don't want to",
    "nei", "nei takk", "ikke nå", "ikke na", "ikke enda", "ikke ennå", "senere",
    "kanskje senere", "nei ikke nå",
})


def _plain(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").strip(" .!?,").split())


def declined_consent(ctx: Ctx) -> bool:
    """Was the patient's latest consent decision "declined" or "withdrawn"?"""
    assert ctx.patient is not None
    latest = ctx.session.execute(
        select(ConsentRecord.decision).where(ConsentRecord.patient_id == ctx.patient.id)
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1)).scalar()
    return latest in ("declined", "withdrawn")


def reads_as_decline(ctx: Ctx) -> bool:
    if ctx.is_payload:
        return ctx.intent == "consent_decline"
    consent = ctx.services.content.consent(ctx.lang)
    text = _plain(ctx.text)
    return (ctx.intent in ("consent_decline", "deny") or text in DECLINE_TYPED
            or text == _plain(consent.decline_label))


def consent_gate(ctx: Ctx) -> list[Reply]:
    """What a linked patient who has not agreed gets instead of the program: a typed
    "no" is a decline (recorded, answered kindly); after a decline, a short reminder
    of how to read the agreement again, not the whole text each time; otherwise the
    agreement."""
    assert ctx.patient is not None
    if reads_as_decline(ctx):
        if not declined_consent(ctx):
            consent = ctx.services.content.consent(ctx.lang)
            record_consent(ctx.session, ctx.patient, consent.version, ctx.lang, consent.text,
                           "declined", ctx.services.clock.now())
        return [Reply(ctx.t("consent_declined"))]
    if declined_consent(ctx):
        key = "consent_withdrawn_reminder" if ctx.patient.status == "withdrawn" else "consent_still_declined"
        return [Reply(ctx.t(key), (
            Button(ctx.t("consent_read_again_button"), intent_payload("show_consent")),))]
    return consent_replies(ctx, "consent_required")


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


def language_offer(ctx: Ctx) -> Reply | None:
    """When a linked patient writes in the other language, offer it once (in that
    language, with a button for each); never switch without being asked."""
    if (ctx.patient is None or ctx.is_payload or ctx.is_external
            or ctx.tracker.get_slot("language_offered") or not first_action_of_turn(ctx.tracker)):
        return None
    guessed = guess_language(ctx.text)
    if guessed not in SUPPORTED or guessed == ctx.patient.language:
        return None
    return Reply(ctx.services.texts.get("language_offer", guessed), tuple(
        Button(NAMES[lang], intent_payload("set_language", language=lang))
        for lang in (guessed, ctx.patient.language)))


class PatientAction(Action, metaclass=abc.ABCMeta):
    """Base for actions that need a linked (and usually consented) patient."""

    requires_patient = True
    requires_consent = True
    safety_net = True  # run the detector on the message first (off for the risk action itself)
    takes_clarify_answer = True  # a pending direct risk question is answered here first
    takes_safety_answer = True  # while "are you safe right now?" is open, typed text answers it

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]: ...

    @fail_safe
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        """Every action, forms included: the patient looked up once, then ``handle``."""
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
            return self.handle(ctx, dispatcher)

    def handle(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        """The safety net, a pending risk question, the consent gate, then ``act``. Forms
        override this (actions.checkins) and call the same ``safety_net``."""
        tracker = ctx.tracker
        # Safety net: the NLU pipeline sets the risk intent, but risk handling must
        # never depend on it alone. The detector is the same one, and cheap.
        if self.safety_net and ctx.intent != RISK_INTENT:
            caught = safety_net(ctx, dispatcher, f"safety_net:{self.name()}")
            if caught is not None:
                return caught
        # The bot has just asked "are you having thoughts of ending your life...?"
        # (only the NLU model suspected risk): the answer may land on any action.
        if tracker.get_slot(CLARIFY_SLOT) and self.takes_clarify_answer:
            from actions.base.safety import answer_clarify

            answered = answer_clarify(ctx, dispatcher)
            if answered is not None:
                return answered
            return [*self._gated(ctx, dispatcher), SlotSet(CLARIFY_SLOT, None)]
        # "Are you safe right now?" is open: whatever the dialogue made of it, a
        # typed message is the answer ("not really" is not a goodbye, "i dont know"
        # is not a request for help). Doubt asks again; it never closes.
        if (self.takes_safety_answer and ctx.patient is not None and not ctx.is_payload
                and ctx.text.strip() and first_action_of_turn(tracker)
                and ctx.services.safety.is_open(ctx.patient)):
            send(dispatcher, ctx.services.safety.answer(
                ctx.session, ctx.patient, ctx.channel, tracker.sender_id,
                read_typed_safety(ctx.text, ctx.intent), said=ctx.text))
            return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]
        offer = language_offer(ctx)
        if offer is None:
            return self._gated(ctx, dispatcher)
        send(dispatcher, [offer])  # first, then the reply in the current language
        return [*self._gated(ctx, dispatcher), SlotSet("language_offered", True)]

    def _gated(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        """No program before a linked patient has consented."""
        if self.requires_patient and ctx.patient is None:
            dispatcher.utter_message(text=ctx.t("need_code"))
            return []
        if self.requires_consent and ctx.patient is not None and ctx.patient.status != "consented":
            send(dispatcher, consent_gate(ctx))
            return []
        return self.act(ctx, dispatcher)

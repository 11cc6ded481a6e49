"""What happens when risk is detected: record, escalate, reply.

The risk event, the urgent escalation to the patient's GP and the audit entry are
written in one transaction (the caller's session), before any reply is sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.crisis import format_resources, resources_for
from bot.content.texts import Texts, gp_line
from bot.core.clock import Clock
from bot.core.replies import Button, Reply, intent_payload
from bot.core.settings import Settings
from bot.db.actors import patient_actor, sender_actor
from bot.db.audit import audit
from bot.db.tables import Gp, Patient, Practice, RiskEvent
from bot.escalation import EscalationRequest, escalate
from bot.safety.detector import RiskResult

ABUSE = {"abuse"}
OTHERS = {"harm_to_others"}
@dataclass
class SafetyOutcome:
    replies: list[Reply] = field(default_factory=list)
    risk_event_id: int | None = None
    escalation_id: int | None = None


def _deadline_text(texts: Texts, lang: str, minutes: int) -> str:
    """"45 minutes", "2 hours", "3 days" in the patient's language."""
    if minutes < 120:
        return texts.get("duration_minutes", lang, n=minutes)
    if minutes < 48 * 60:
        return texts.get("duration_hours", lang, n=round(minutes / 60))
    return texts.get("duration_days", lang, n=round(minutes / 1440))


UNCLEAR_TELLS_GP = 2  # unclear answers to "are you safe right now?" before the GP is told

# What the bot did, in the GP's words (the transcript's last bot line).
def bot_did() -> str:
    """What the bot did, as the transcript's last bot line (gp.yaml bot_did, stored in
    English; the brief shows it in the GP's language)."""
    return gp_line("en", "bot_did")


def _with_trigger(transcript: list[dict[str, str]], text: str, now: datetime) -> list[dict[str, str]]:
    """The transcript kept with a risk event: the messages before, the one that was
    read as risk (added when the caller's transcript lacks it, e.g. a button press
    after a typed message), and what the bot did."""
    at = now.isoformat(timespec="seconds")
    lines = list(transcript)
    if not any(t.get("who") == "patient" and t.get("text") == text[:600] for t in lines):
        lines.append({"at": at, "who": "patient", "text": text[:600]})
    return [*lines, {"at": at, "who": "bot", "text": bot_did()}]


class SafetyService:
    def __init__(self, texts: Texts, clock: Clock, settings: Settings) -> None:
        self.texts = texts
        self.clock = clock
        self.settings = settings

    def _safety_buttons(self, lang: str) -> tuple[Button, ...]:
        return (Button(self.texts.get("safe_button", lang), intent_payload("im_safe")),
                Button(self.texts.get("not_safe_button", lang), intent_payload("not_safe")))

    def _country(self, session: Session, patient: Patient | None) -> str:
        if patient is None:
            return self.settings.default_country
        gp = session.get(Gp, patient.gp_id)
        practice = session.get(Practice, gp.practice_id) if gp else None
        return practice.country if practice else self.settings.default_country

    def handle_risk(self, session: Session, patient: Patient | None, channel: str, sender_id: str,
                    text: str, result: RiskResult, context: str, source: str = "message",
                    message_id: str | None = None,
                    transcript: list[dict[str, str]] | None = None) -> SafetyOutcome:
        now = self.clock.now()
        lang = patient.language if patient else self.settings.default_language
        category = result.category or "active_ideation"
        urgent = result.urgency in ("urgent", "soon") or result.urgency is None
        event = RiskEvent(
            patient_id=patient.id if patient else None, channel=channel, sender_id=sender_id,
            source=source, category=category, urgency=result.urgency or "urgent",
            evidence=list(result.evidence), message_text=text[:4000], context=context[:64],
            bot_response="crisis_response", detected_at=now,
            transcript=_with_trigger(transcript or [], text, now),
        )
        session.add(event)
        session.flush()
        outcome = SafetyOutcome(risk_event_id=event.id)

        if category in ABUSE:
            opening = "risk_opening_abuse"
        elif category in OTHERS:
            opening = "risk_opening_others"
        else:
            opening = "risk_opening"
        country = self._country(session, patient)
        resources = resources_for(country, lang)
        outcome.replies.append(Reply(self.texts.get(opening, lang)))
        outcome.replies.append(Reply(self.texts.get("risk_resources_intro", lang) + "\n"
                                     + format_resources(resources, lang, heading=False)))

        if patient is not None:
            gp = session.get(Gp, patient.gp_id)
            practice = session.get(Practice, gp.practice_id) if gp else None
            assert gp is not None and practice is not None
            esc = escalate(session, patient, EscalationRequest(
                kind="risk", urgency="urgent" if urgent else "soon",
                say=("summary_risk", {"ref": patient.ref, "category": category}),
                details={"category": category, "categories": list(result.to_dict().get("categories", [])),
                         "urgency": result.urgency, "evidence": list(result.evidence),
                         "context": context, "source": source, "risk_event_id": event.id},
                idempotency_key=f"risk:{channel}:{sender_id}:{message_id or event.id}",
                risk_event_id=event.id,
            ), now)
            outcome.escalation_id = esc.id
            patient.risk_open_since = now
            if urgent:
                told = self.texts.get("risk_gp_told", lang, gp_name=gp.name,
                                      deadline=_deadline_text(self.texts, lang,
                                                              practice.ack_deadline_minutes))
            else:
                told = self.texts.get("risk_gp_told_routine", lang, gp_name=gp.name)
            outcome.replies.append(Reply(told))
        else:
            outcome.replies.append(Reply(self.texts.get("risk_no_gp", lang)))
        outcome.replies.append(Reply(self.texts.get("safety_question", lang), self._safety_buttons(lang)))
        audit(session, now, patient_actor(patient) if patient else sender_actor(channel, sender_id),
              "risk_detected", patient.id if patient else None, category=category,
              urgency=result.urgency, context=context,  # the evidence (words) stays with the event
              risk_event_id=event.id, escalation_id=outcome.escalation_id,
              bot_did="crisis_response+safety_question" + ("+gp_escalation" if patient else ""))
        return outcome

    def _open_event(self, session: Session, patient: Patient | None, channel: str,
                    sender_id: str) -> RiskEvent | None:
        query = select(RiskEvent).where(RiskEvent.closed_at.is_(None))
        if patient is not None:
            query = query.where(RiskEvent.patient_id == patient.id)
        else:
            query = query.where(RiskEvent.channel == channel, RiskEvent.sender_id == sender_id)
        return session.execute(query.order_by(RiskEvent.detected_at.desc(), RiskEvent.id.desc())
                               .limit(1)).scalar_one_or_none()

    def open_conversation(self, session: Session, patient: Patient | None, channel: str,
                          sender_id: str) -> bool:
        """Is a risk conversation open (a risk event without a safe answer yet)?"""
        return self.is_open(patient) or self._open_event(session, patient, channel, sender_id) is not None

    def is_open(self, patient: Patient | None) -> bool:
        return bool(patient and patient.risk_open_since)

    def answer(self, session: Session, patient: Patient | None, channel: str, sender_id: str,
               answer: str, said: str | None = None) -> list[Reply]:
        """The patient's answer to "are you safe right now?": safe | not_safe | unclear.
        ``said`` is the message that gave it, kept with the risk event for the GP."""
        now = self.clock.now()
        lang = patient.language if patient else self.settings.default_language
        event = self._open_event(session, patient, channel, sender_id)
        if event is None and not self.is_open(patient):
            return [Reply(self.texts.get("safety_not_open", lang), (
                Button(self.texts.get("back_to_program_button", lang), intent_payload("continue_program")),
            ))]
        gp = session.get(Gp, patient.gp_id) if patient else None
        if event is not None:
            event.safety_answer = answer
            shown = ("(tapped: " + answer.replace("_", " ") + ")"
                     if not said or said.lstrip().startswith("/") else said.strip())
            event.transcript = [*(event.transcript or []), {
                "at": now.isoformat(timespec="seconds"), "who": "patient",
                "text": shown[:600], "answer": answer}]
        actor = patient_actor(patient) if patient else sender_actor(channel, sender_id)
        audit(session, now, actor, f"safety_answer_{answer}", patient.id if patient else None,
              risk_event_id=event.id if event else None)
        if answer == "unclear":
            if patient is not None and event is not None and sum(
                    1 for t in event.transcript or [] if t.get("answer") == "unclear") >= UNCLEAR_TELLS_GP:
                # Doubt that stays: the GP is told, and the question stays open.
                escalate(session, patient, EscalationRequest(
                    kind="risk", urgency="urgent",
                    say=("summary_risk_unclear", {"ref": patient.ref, "times": UNCLEAR_TELLS_GP}),
                    details={"category": event.category, "safety_answer": "unclear",
                             "risk_event_id": event.id},
                    idempotency_key=f"risk-unclear:{event.id}", risk_event_id=event.id,
                ), now)
            return [Reply(self.texts.get("safety_unclear", lang), self._safety_buttons(lang))]
        if answer == "not_safe":
            resources = resources_for(self._country(session, patient), lang)
            # The first number in the crisis file (which editors keep) is the emergency one.
            replies = [Reply(self.texts.get(
                "not_safe_reply", lang,
                emergency=resources[0].phone or self.texts.get("your_emergency_number", lang),
                gp_name=gp.name if gp else self.texts.get("your_gp", lang)))]
            replies.append(Reply(format_resources(resources, lang)))
            if patient is not None and event is not None:
                escalate(session, patient, EscalationRequest(
                    kind="risk", urgency="urgent",
                    say=("summary_not_safe", {"ref": patient.ref}),
                    details={"category": event.category, "safety_answer": "not_safe",
                             "risk_event_id": event.id},
                    idempotency_key=f"risk-not-safe:{event.id}", risk_event_id=event.id,
                ), now)
            replies.append(Reply(self.texts.get("safety_unclear", lang), self._safety_buttons(lang)))
            return replies
        # safe
        if event is not None:
            event.closed_at = now
        if patient is not None:
            patient.risk_open_since = None
        return [
            Reply(self.texts.get("safe_reply", lang)),
            Reply(self.texts.get("safe_reply_next", lang), (
                Button(self.texts.get("back_to_program_button", lang), intent_payload("continue_program")),
                Button(self.texts.get("stop_today_button", lang), intent_payload("goodbye")),
            )),
        ]

    def hold(self, patient: Patient) -> list[Reply]:
        """While a risk conversation is open, the program waits for the safety answer."""
        return [Reply(self.texts.get("risk_open_hold", patient.language),
                      self._safety_buttons(patient.language))]

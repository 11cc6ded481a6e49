"""Changing the language the bot writes in, and offering the other one.

The language lives on the patient (``patients.language``) once linked; before that in
the ``language`` slot. Step ids are the same in every language, so the step in
progress is shown again in the new language and nothing is lost.
"""
from __future__ import annotations

import re

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Ctx, PatientAction, consent_gate, menu_buttons, send
from bot.core.language import NAMES, SUPPORTED, normalise
from bot.core.replies import Button, Reply, intent_payload
from bot.db.actors import patient_actor
from bot.db.audit import audit

_NAMED = re.compile(r"\b(english|engelsk|inglés|norsk|norwegian|norsk|bokmål|bokmal|nynorsk)\b",
                    re.I)


def language_in_text(text: str) -> str | None:
    """The language a typed request names: "kan vi snakke norsk?" -> nb. "I don't
    understand Norwegian" asks for English, not for Norwegian."""
    found = [normalise(m.group(1)) for m in _NAMED.finditer(text)]
    found = [lang for lang in found if lang in SUPPORTED]
    if len(set(found)) != 1:
        return None
    low = text.lower()
    if re.search(r"\b(don'?t|do not|can'?t|cannot) (understand|speak|read)\b|"
                 r"\b(forstår|skjønner|skjønnar) (ikke|ikkje|itte)\b", low):
        other = [lang for lang in SUPPORTED if lang != found[0]]
        return other[0] if len(other) == 1 else None
    return found[0]


def language_buttons() -> tuple[Button, ...]:
    return tuple(Button(NAMES[lang], intent_payload("set_language", language=lang))
                 for lang in SUPPORTED)


class ActionSetLanguage(PatientAction):
    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_set_language"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        wanted = normalise(ctx.entity("language")) or language_in_text(ctx.text)
        done = [SlotSet("language_offered", True)]
        if wanted not in SUPPORTED:
            send(dispatcher, [Reply(ctx.t("language_choose"), language_buttons())])
            return [*done, SlotSet("awaiting_text", False)]
        assert wanted is not None
        if ctx.patient is None:
            send(dispatcher, [Reply(ctx.services.texts.get("language_set", wanted)),
                              Reply(ctx.services.texts.get("need_code", wanted))])
            return [*done, SlotSet("language", wanted), SlotSet("awaiting_text", False)]
        patient = ctx.patient
        if patient.language != wanted:
            audit(ctx.session, ctx.services.clock.now(), patient_actor(patient),
                  "language_changed", patient.id, language=wanted, was=patient.language)
            patient.language = wanted
        replies = [Reply(ctx.t("language_set"))]
        awaiting = False
        if patient.status != "consented":
            replies += consent_gate(ctx)
        elif ctx.services.safety.is_open(patient):
            replies += ctx.services.safety.hold(patient)
        elif ctx.services.program.active(ctx.session, patient) is not None:
            turn = ctx.services.program.repeat(ctx.session, patient)
            replies += turn.replies
            awaiting = turn.awaiting_text
        else:
            replies.append(Reply(ctx.t("menu"), menu_buttons(ctx)))
        send(dispatcher, replies)
        return [*done, SlotSet("language", wanted), SlotSet("awaiting_text", awaiting),
                SlotSet("workbook_text", None)]

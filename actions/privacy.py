"""A patient's data rights in chat: "send me my data" and "delete my data".

Both ask first (a button; typed words are never taken as the go-ahead for an erasure).
The copy is a signed link, valid for a day, to a page the patient can read and a JSON
file (bot/web/my_data.py). An erasure is scheduled, not done on the spot: the program
and reminders stop at once, the GP is told when, so that what the practice must keep
goes into the medical record, and the worker erases everything after
ERASURE_GRACE_HOURS (bot/privacy/data_rights.py). Risk handling goes on until then:
the safety net runs before these actions as before any other.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Ctx, PatientAction, send
from bot.core.dates import format_date
from bot.core.replies import Button, Reply, intent_payload
from bot.db.audit import audit
from bot.enrolment.service import record_consent
from bot.escalation.rules import on_erasure_requested
from bot.privacy.data_rights import export_token, pending_erasure, request_erasure
from bot.reminders.service import zone


def when_in_words(ctx: Ctx, moment: datetime) -> str:
    assert ctx.patient is not None
    local = moment.astimezone(zone(ctx.patient.timezone))
    return f"{format_date(local, ctx.lang)} {local:%H:%M}"


class ActionExportData(PatientAction):
    requires_consent = False

    def name(self) -> str:
        return "action_export_data"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        settings = ctx.services.settings
        token = export_token(settings.secret_keys, ctx.patient)
        url = f"{settings.public_base_url.rstrip('/')}/my-data/{token}"  # the chat page's server
        audit(ctx.session, ctx.services.clock.now(), "patient", "export_link_created", ctx.patient.id,
              channel=ctx.channel)
        send(dispatcher, [Reply(ctx.t("export_link", url=url))])
        return []


class ActionEraseData(PatientAction):
    requires_consent = False

    def name(self) -> str:
        return "action_erase_data"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        patient = ctx.patient
        waiting = pending_erasure(ctx.session, patient)
        if waiting is not None:
            send(dispatcher, [Reply(ctx.t("erase_already", when=when_in_words(ctx, waiting.due_at)))])
            return []
        if not (ctx.is_payload and (ctx.entity("confirm") or "").lower() == "yes"):
            send(dispatcher, [Reply(ctx.t("erase_confirm"), (
                Button(ctx.t("erase_yes_button"), intent_payload("erase_data", confirm="yes")),
                Button(ctx.t("erase_copy_button"), intent_payload("export_data")),
                Button(ctx.t("erase_no_button"), intent_payload("menu")),
            ))])
            return []
        now = ctx.services.clock.now()
        grace = timedelta(hours=ctx.services.settings.erasure_grace_hours)
        if patient.status == "consented":
            consent = ctx.services.content.consent(ctx.lang)
            record_consent(ctx.session, patient, consent.version, ctx.lang, consent.text,
                           "withdrawn", now)
        erasure, _ = request_erasure(ctx.session, patient, now, "patient", grace)
        on_erasure_requested(ctx.session, patient, erasure.due_at, now)
        send(dispatcher, [Reply(ctx.t("erase_scheduled", when=when_in_words(ctx, erasure.due_at)))])
        return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]

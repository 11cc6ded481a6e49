"""Linking a channel with an invite code, and consent."""
from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Ctx,
    PatientAction,
    consent_replies,
    menu_buttons,
    record_share_choice,
    send,
    share_pending,
    share_question,
)
from bot.core.replies import Button, Reply, intent_payload
from bot.db.tables import Gp, Practice
from bot.enrolment.service import LinkOutcome, latest_consent, record_consent, redeem_invite
from bot.escalation.rules import on_consented, on_withdrawn
from bot.rasa.channels.commands import START_RE


def code_from(ctx: Ctx) -> str | None:
    code = ctx.entity("invite_code")
    if code:
        return code
    m = START_RE.match(ctx.text)
    return m.group(1) if m else None


class ActionStart(PatientAction):
    requires_patient = False
    requires_consent = False

    def name(self) -> str:
        return "action_start"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        code = code_from(ctx)
        now = ctx.services.clock.now()
        result = redeem_invite(ctx.session, ctx.channel, ctx.tracker.sender_id, code, now)
        ctx.patient = result.patient
        outcome = result.outcome
        if outcome is LinkOutcome.MISSING:
            send(dispatcher, [Reply(ctx.t("code_missing"))])
        elif outcome in (LinkOutcome.WRONG, LinkOutcome.USED, LinkOutcome.EXPIRED,
                         LinkOutcome.THROTTLED):
            # One reply for every failure, a paused sender's too: which codes exist, and
            # when a guesser has been noticed, is not for a guesser to learn.
            send(dispatcher, [Reply(ctx.t("code_failed"))])
        elif outcome is LinkOutcome.PENDING:
            # A second chat for a patient who has one: not linked until that chat
            # confirms (told in the patient's language; this chat learns nothing else).
            send(dispatcher, [Reply(ctx.services.texts.get(
                "link_pending", result.language or ctx.lang, number=result.confirm_code))])
        elif outcome is LinkOutcome.LINKED:
            assert ctx.patient is not None
            gp = ctx.session.get(Gp, ctx.patient.gp_id)
            practice = ctx.session.get(Practice, gp.practice_id) if gp else None
            send(dispatcher, [Reply(ctx.t("linked_welcome", gp_name=gp.name if gp else "",
                                          practice=practice.name if practice else ""))])
            if ctx.patient.status == "consented":
                send(dispatcher, [Reply(ctx.t("greet_known"), menu_buttons(ctx))])
            else:
                send(dispatcher, consent_replies(ctx))
        else:  # already linked
            assert ctx.patient is not None
            if ctx.patient.status != "consented":
                send(dispatcher, consent_replies(ctx))
            elif share_pending(ctx):
                send(dispatcher, [share_question(ctx)])
            else:
                send(dispatcher, [Reply(ctx.t("already_linked"), menu_buttons(ctx))])
        return []


class ActionConsent(PatientAction):
    """consent_agree (optionally with share=yes|no) and consent_decline."""

    requires_consent = False

    def name(self) -> str:
        return "action_consent"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        now = ctx.services.clock.now()
        consent = ctx.services.content.consent(ctx.lang)
        patient = ctx.patient
        if ctx.intent == "consent_decline":
            if patient.status == "consented":
                send(dispatcher, [Reply(ctx.t("withdraw_hint"))])
                return []
            record_consent(ctx.session, patient, consent.version, ctx.lang, consent.text, "declined", now)
            send(dispatcher, [Reply(ctx.t("consent_declined"))])
            return []
        share = (ctx.entity("share") or "").lower()
        if patient.status != "consented":
            record_consent(ctx.session, patient, consent.version, ctx.lang, consent.text, "agreed", now)
            on_consented(ctx.session, patient, now)
            send(dispatcher, [Reply(ctx.t("consent_done"))])
            if share not in ("yes", "no"):
                send(dispatcher, [Reply(ctx.t("consent_share_question_intro")), share_question(ctx)])
                return []
        if share in ("yes", "no"):
            send(dispatcher, record_share_choice(ctx, share == "yes"))
            return []
        if share_pending(ctx):
            send(dispatcher, [share_question(ctx)])
        else:
            send(dispatcher, [Reply(ctx.t("consent_done"), menu_buttons(ctx))])
        return []


class ActionShowConsent(PatientAction):
    requires_consent = False

    def name(self) -> str:
        return "action_show_consent"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        if ctx.patient.status != "consented":
            send(dispatcher, consent_replies(ctx))
            return []
        consent = ctx.services.content.consent(ctx.lang)
        record = latest_consent(ctx.session, ctx.patient)
        replies = [Reply(f"{consent.title}\n\n{consent.text}")]
        if record is not None:
            replies.append(Reply(ctx.t(
                "consent_status", version=record.version, date=record.at.date().isoformat(),
                share=ctx.t("share_yes") if ctx.patient.share_workbook else ctx.t("share_no"))))
        if share_pending(ctx):
            replies.append(share_question(ctx))
        send(dispatcher, replies)
        return []


class ActionWithdraw(PatientAction):
    """Stopping the program and withdrawing consent, in chat, after a confirmation.
    Risk handling goes on for a withdrawn patient (the risk action needs no consent);
    reminders and the program stop; the GP is told. Agreeing again later restarts."""

    requires_consent = False

    def name(self) -> str:
        return "action_withdraw"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        patient = ctx.patient
        if patient.status != "consented":
            send(dispatcher, [Reply(ctx.t("withdraw_nothing_started"))])
            return []
        if not (ctx.is_payload and (ctx.entity("confirm") or "").lower() == "yes"):
            send(dispatcher, [Reply(ctx.t("withdraw_confirm"), (
                Button(ctx.t("withdraw_yes_button"), intent_payload("withdraw", confirm="yes")),
                Button(ctx.t("withdraw_no_button"), intent_payload("continue_program")),
            ))])
            return []
        now = ctx.services.clock.now()
        consent = ctx.services.content.consent(ctx.lang)
        record_consent(ctx.session, patient, consent.version, ctx.lang, consent.text, "withdrawn", now)
        on_withdrawn(ctx.session, patient, now)
        send(dispatcher, [Reply(ctx.t("withdraw_done"))])
        return [SlotSet("awaiting_text", False), SlotSet("workbook_text", None)]

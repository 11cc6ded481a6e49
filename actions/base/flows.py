"""Flows that several capabilities share (a program turn, the check-in hooks around
it, the menu, the share choice after consent). Part of the one action base, so that
no capability module imports another."""
from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base.core import Ctx, menu_buttons, send, share_pending, share_question
from bot.core.replies import Button, Reply, intent_payload
from bot.db.tables import Gp
from bot.enrolment.service import record_consent
from bot.escalation.rules import on_module_finished
from bot.program.service import Turn


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
    after_program_turn(ctx, dispatcher, turn)
    return turn_events(turn)


def start_button(ctx: Ctx) -> Button:
    return Button(ctx.t("checkin_start_button"), intent_payload("start_phq9"))


def after_buttons(ctx: Ctx) -> tuple[Button, ...]:
    return (Button(ctx.t("back_to_program_button"), intent_payload("continue_program")),
            Button(ctx.t("checkin_trend_button"), intent_payload("checkin_trend")))


def baseline_offer(ctx: Ctx) -> list[Reply]:
    """After consent: reminder preferences exist, the baseline PHQ-9 is due today."""
    assert ctx.patient is not None
    reminders = ctx.services.reminders
    prefs = reminders.prefs(ctx.session, ctx.patient)
    if prefs.phq9_due_on is None:
        prefs.phq9_due_on = reminders.local_today(ctx.patient, prefs).isoformat()
    prefs.updated_at = ctx.services.clock.now()
    gp = ctx.session.get(Gp, ctx.patient.gp_id)
    return [Reply(ctx.t("checkin_baseline_offer", gp_name=gp.name if gp else "your GP"),
                  (start_button(ctx),))]


def after_program_turn(ctx: Ctx, dispatcher: CollectingDispatcher, turn: Turn) -> None:
    """Homework reminders from the content, and the PHQ-9 offer at the end of a module."""
    assert ctx.patient is not None
    patient, program = ctx.patient, ctx.services.program
    row = program.active(ctx.session, patient)
    if row is not None and row.current_step_id:
        try:
            step = program.program(patient).module(row.module_id).step(row.current_step_id)
        except KeyError:
            step = None
        if step is not None and step.type == "homework" and step.remind_after_days:
            ctx.services.reminders.homework_assigned(ctx.session, patient, row.module_id,
                                                          step.remind_after_days)
    if turn.module_finished and ctx.services.settings.phq9_at_module_end:
        send(dispatcher, [Reply(ctx.t("checkin_module_end_offer"), (start_button(ctx),))])


def info_replies(ctx: Ctx, what: str) -> list[Reply]:
    if what == "help":
        return [Reply(ctx.t("help"), menu_buttons(ctx))]
    if what == "progress":
        assert ctx.patient is not None
        return [Reply(ctx.services.program.progress_text(ctx.session, ctx.patient), menu_buttons(ctx))]
    return [Reply(ctx.t("menu"), menu_buttons(ctx))]


def program_intro(ctx: Ctx) -> list[Reply]:
    assert ctx.patient is not None
    gp = ctx.session.get(Gp, ctx.patient.gp_id)
    program = ctx.services.content.program(ctx.lang)
    return [Reply(ctx.t("program_intro", count=len(program.modules), gp_name=gp.name if gp else ""),
                  (Button(ctx.t("start_first_module"), intent_payload("continue_program")),))]


def record_share_choice(ctx: Ctx, share: bool) -> list[Reply]:
    """Stores whether the GP may see the workbook, then offers the baseline PHQ-9
    and introduces the program."""
    assert ctx.patient is not None
    consent = ctx.services.content.consent(ctx.lang)
    record_consent(ctx.session, ctx.patient, consent.version, ctx.lang, consent.text, "agreed",
                   ctx.services.clock.now(), share_workbook=share)
    return baseline_offer(ctx) + program_intro(ctx)

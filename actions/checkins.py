"""Check-ins in chat: PHQ-9, the two-question PHQ-2 and daily mood as forms, "how am I
doing?", reminder settings (time, timezone, pause, stop).

Thin: parsing, scoring, storage and scheduling live in bot.checkins and bot.scheduler.
Each answer is stored as soon as the form validates it, so a stopped questionnaire
resumes where it stopped. PHQ-9 item 9 above 0 starts the crisis response.
"""
from __future__ import annotations

import abc
import logging
from datetime import date, datetime, time
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Ctx,
    PatientAction,
    after_buttons,
    safety_net,
    send,
    start_button,
)
from bot.checkins import instruments as ins
from bot.checkins.parsing import (
    is_payload,
    is_plain_answer,
    is_skip,
    is_stop,
    parse_difficulty,
    parse_mood,
    parse_phq_answer,
)
from bot.checkins.service import (
    MOOD_SLOTS,
    PHQ2_SLOTS,
    PHQ9_SLOTS,
    CheckinService,
    slot_item,
)
from bot.checkins.trend import IMAGE_CHANNELS, chart_png, data_url, trend_text
from bot.core.dates import format_date
from bot.core.replies import Button, Reply, intent_payload
from bot.reminders.service import MAX_QUIET_HOURS, MIN_QUIET_HOURS
from bot.reminders.timeparse import parse_days, parse_quiet, parse_time, parse_zone, zone_label

log = logging.getLogger(__name__)

NO_NOTE = "-"


def _day(when: date | datetime, lang: str = "en") -> str:
    """"Monday 9 March" / "mandag 9. mars"."""
    return format_date(when, lang)


def _clear(slots: tuple[str, ...]) -> list[EventType]:
    return [SlotSet(s, None) for s in slots]


# ---- starting a check-in; reminders arrive here too -----------------------------------

class ActionCheckin(PatientAction):
    """start_phq9, log_mood (typed, a button, or a scheduler's external event)."""

    def name(self) -> str:
        return "action_checkin"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        reminder = ctx.entity("reminder")
        if reminder:
            return self.reminder(ctx, dispatcher, reminder)
        if ctx.services.safety.is_open(ctx.patient):
            send(dispatcher, ctx.services.safety.hold(ctx.patient))
            return [SlotSet("checkin_form", None)]
        svc = ctx.services.checkins
        if ctx.intent in ("phq_answer", "mood_answer"):
            send(dispatcher, [Reply(ctx.t("checkin_nothing_open"), (
                start_button(ctx),
                Button(ctx.t("checkin_mood_button"), intent_payload("log_mood"))))])
            return [SlotSet("checkin_form", None)]
        if ctx.intent == "log_mood":
            svc.start(ctx.session, ctx.patient, ins.MOOD)
            return [SlotSet("checkin_form", "mood"), *_clear(MOOD_SLOTS)]
        if ctx.intent == "start_phq2":
            checkin, _ = svc.start(ctx.session, ctx.patient, ins.PHQ2)
            answers = svc.answers(ctx.session, checkin)
            send(dispatcher, [Reply(ctx.t("checkin_phq2_intro"))])
            return [SlotSet("checkin_form", "phq2"), *_clear(PHQ9_SLOTS),
                    *(SlotSet(slot, str(answers[slot_item(slot)]))
                      for slot in PHQ2_SLOTS if slot_item(slot) in answers)]
        checkin, resumed = svc.start(ctx.session, ctx.patient, ins.PHQ9,
                                     trigger="baseline" if not svc.history(
                                         ctx.session, ctx.patient, ins.PHQ9) else "patient")
        answers = svc.answers(ctx.session, checkin)
        if resumed and answers:
            send(dispatcher, [Reply(ctx.t("checkin_phq9_resume",
                                          done=len([i for i in answers if i <= 9])))])
        else:
            send(dispatcher, [Reply(ctx.t("checkin_phq9_intro"))])
        events: list[EventType] = [SlotSet("checkin_form", "phq9")]
        for slot in PHQ9_SLOTS:
            item = slot_item(slot)
            events.append(SlotSet(slot, str(answers[item]) if item in answers else None))
        return events

    def reminder(self, ctx: Ctx, dispatcher: CollectingDispatcher, kind: str) -> list[EventType]:
        later = Button(ctx.t("checkin_later_button"), intent_payload("goodbye"))
        if kind == "phq9":
            send(dispatcher, [Reply(ctx.t("reminder_phq9"), (start_button(ctx), later))])
        elif kind == "phq2":
            send(dispatcher, [Reply(ctx.t("reminder_phq2"), (
                Button(ctx.t("reminder_phq2_button"), intent_payload("start_phq2")), later))])
        elif kind == "homework":
            send(dispatcher, [Reply(ctx.t("reminder_homework"), (
                Button(ctx.t("reminder_homework_button"), intent_payload("continue_program")),
                later))])
        else:
            send(dispatcher, [Reply(ctx.t("reminder_mood"), (
                Button(ctx.t("checkin_mood_button"), intent_payload("log_mood")), later))])
        return [SlotSet("checkin_form", None)]


# ---- the forms' questions ---------------------------------------------------------------

class _AskAction(PatientAction, metaclass=abc.ABCMeta):
    """A form's question. On the one action base: the patient is looked up there; the
    safety net runs in the form's validation, on the answer."""

    @property
    @abc.abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def handle(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        return [] if ctx.patient is None else self.act(ctx, dispatcher)

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        svc, patient = ctx.services.checkins, ctx.patient
        if self.slot in PHQ2_SLOTS and ctx.tracker.active_loop_name == "phq2_form":
            send(dispatcher, [svc.phq2_question(patient, self.slot)])
        elif self.slot in PHQ9_SLOTS:
            send(dispatcher, [svc.phq9_question(patient, self.slot)])
        elif self.slot == "mood_rating":
            send(dispatcher, [svc.mood_question(patient)])
        else:
            send(dispatcher, [svc.note_question(patient)])
        return []


ASK_ACTIONS = {slot: type(f"ActionAsk_{slot}", (_AskAction,), {"slot": slot})
               for slot in (*PHQ9_SLOTS, *MOOD_SLOTS)}


# ---- validation: typed or tapped answers, kept as they come -----------------------------

class _ValidateCheckin(PatientAction, metaclass=abc.ABCMeta):
    """A form's validation, on the one action base (rasa_sdk's FormValidationAction
    would give only the per-slot loop below, without the patient or the safety net).
    Any typed answer goes through the same ``safety_net`` as every other message; a
    bare scale answer ("several days") is read by the rules alone."""

    form = ""

    def name(self) -> str:
        return f"validate_{self.form}"

    def handle(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        if ctx.patient is None:
            return [SlotSet("requested_slot", None)]
        return self.act(ctx, dispatcher)

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        tracker = ctx.tracker
        candidates = tracker.slots_to_validate()
        requested = tracker.get_slot("requested_slot")
        text = ctx.text
        # Safety net: risk the NLU missed still gets the crisis response (or the
        # direct question), the same decision as every other action's.
        if requested in candidates and text and not is_payload(text):
            plain = requested != "mood_note" and is_plain_answer(text)
            caught = safety_net(ctx, dispatcher, f"form:{self.form}", text, rules_only=plain)
            if caught is not None:
                return [*caught, SlotSet(requested, None), SlotSet("requested_slot", None)]
            if is_stop(text):
                return [SlotSet(requested, None), SlotSet("requested_slot", None)]
        events: list[EventType] = []
        for slot, value in candidates.items():
            if slot not in (*PHQ9_SLOTS, *MOOD_SLOTS) or value is None:
                continue  # cleared when the form opened: nothing to validate
            events += self.validate(ctx, dispatcher, ctx.services.checkins, slot, value,
                                    from_user=slot == requested)
        return events

    @abc.abstractmethod
    def validate(self, ctx: Ctx, dispatcher: CollectingDispatcher, svc: CheckinService,
                 slot: str, value: Any, from_user: bool) -> list[EventType]: ...


class ValidatePhq9Form(_ValidateCheckin):
    form = "phq9_form"
    instrument = ins.PHQ9
    slots: tuple[str, ...] = PHQ9_SLOTS

    def validate(self, ctx: Ctx, dispatcher: CollectingDispatcher, svc: CheckinService,
                 slot: str, value: Any, from_user: bool) -> list[EventType]:
        assert ctx.patient is not None
        if slot not in self.slots:
            return []
        raw = str(value or "")
        if from_user and ctx.text and not is_payload(raw):
            raw = ctx.text  # typed text, not an entity the NLU happened to extract
        parsed = parse_difficulty(raw) if slot == "phq9_difficulty" else parse_phq_answer(raw)
        if parsed is None:
            if from_user:
                key = ("checkin_unclear_difficulty" if slot == "phq9_difficulty"
                       else "checkin_unclear_phq")
                dispatcher.utter_message(text=ctx.t(key))
            return [SlotSet(slot, None)]
        checkin, _ = svc.start(ctx.session, ctx.patient, self.instrument)
        item = slot_item(slot)
        svc.record(ctx.session, checkin, item, parsed, raw if from_user else None)
        events: list[EventType] = [SlotSet(slot, str(parsed))]
        if item == ins.ITEM9 and parsed > 0 and from_user:  # (the PHQ-2 has no item 9)
            # A risk signal: score what we have, then the same crisis response as a
            # risk message; the unscored last question can wait.
            svc.complete_phq9(ctx.session, ctx.patient, checkin)
            outcome = svc.item9_risk(ctx.session, ctx.patient, ctx.channel, ctx.tracker.sender_id,
                                     parsed, ctx.text, ctx.tracker.latest_message.get("message_id"))
            if outcome is not None:
                send(dispatcher, outcome.replies)
            events.append(SlotSet("requested_slot", None))
        return events


class ValidatePhq2Form(ValidatePhq9Form):
    """The two-question check: the PHQ-9's items 1 and 2, stored as a PHQ-2."""

    form = "phq2_form"
    instrument = ins.PHQ2
    slots = PHQ2_SLOTS


class ValidateMoodForm(_ValidateCheckin):
    form = "mood_form"

    def validate(self, ctx: Ctx, dispatcher: CollectingDispatcher, svc: CheckinService,
                 slot: str, value: Any, from_user: bool) -> list[EventType]:
        assert ctx.patient is not None
        raw = str(value or "")
        if slot == "mood_rating":
            rating = parse_mood(raw)
            if rating is None and from_user and not is_payload(ctx.text):
                rating = parse_mood(ctx.text)
            if rating is None:
                if from_user:
                    dispatcher.utter_message(text=ctx.t("checkin_mood_unclear"))
                return [SlotSet(slot, None)]
            checkin, _ = svc.start(ctx.session, ctx.patient, ins.MOOD)
            svc.record(ctx.session, checkin, 1, rating, raw if from_user else None)
            return [SlotSet(slot, str(rating))]
        if slot == "mood_note":
            if not raw.strip() or is_skip(raw):
                return [SlotSet(slot, NO_NOTE)]
            if is_payload(raw):
                # A button tapped twice (or an old one) is not a note: asked again.
                return [SlotSet(slot, None)]
            return [SlotSet(slot, raw.strip()[:2000])]
        return []


# ---- when a form ends: finished, stopped, or interrupted by risk ------------------------

class ActionCheckinSubmit(PatientAction):
    takes_safety_answer = False  # runs after a form, on the form's last answer

    def name(self) -> str:
        return "action_checkin_submit"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        svc = ctx.services.checkins
        form = ctx.tracker.get_slot("checkin_form")
        events: list[EventType] = [SlotSet("checkin_form", None), *_clear(PHQ9_SLOTS),
                                   *_clear(MOOD_SLOTS)]
        if ctx.services.safety.is_open(ctx.patient):
            return events  # the crisis response has asked "are you safe?"; nothing else now
        if form == "mood":
            checkin = svc.in_progress(ctx.session, ctx.patient, ins.MOOD)
            note = ctx.tracker.get_slot("mood_note")
            if checkin is not None and ctx.tracker.get_slot("mood_rating") is not None and note:
                replies = svc.finish_mood(ctx.session, ctx.patient, checkin,
                                          None if note == NO_NOTE else str(note))
                send(dispatcher, [*replies[:-1], Reply(replies[-1].text, after_buttons(ctx))]
                     if replies else [])
            else:
                send(dispatcher, [Reply(ctx.t("checkin_mood_stopped"), after_buttons(ctx))])
            return events
        if form == "phq2":
            short = svc.in_progress(ctx.session, ctx.patient, ins.PHQ2)
            screen = (svc.complete_phq2(ctx.session, ctx.patient, short)
                      if short is not None else None)
            if screen is None:
                send(dispatcher, [Reply(ctx.t("checkin_phq2_stopped"), after_buttons(ctx))])
            elif screen.positive:
                send(dispatcher, [Reply(screen.replies[0].text, (
                    start_button(ctx), Button(ctx.t("checkin_later_button"),
                                              intent_payload("goodbye"))))])
            else:
                send(dispatcher, [Reply(screen.replies[0].text, after_buttons(ctx))])
            return events
        checkin = svc.in_progress(ctx.session, ctx.patient, ins.PHQ9)
        result = (svc.complete_phq9(ctx.session, ctx.patient, checkin)
                  if checkin is not None else None)
        if result is None:
            send(dispatcher, [Reply(ctx.t("checkin_phq9_stopped"), (
                Button(ctx.t("checkin_resume_button"), intent_payload("start_phq9")),
                Button(ctx.t("back_to_program_button"), intent_payload("continue_program"))))])
            return events
        replies = result.replies
        send(dispatcher, [*replies[:-1], Reply(replies[-1].text, after_buttons(ctx))])
        return events


# ---- "how am I doing?" and reminder settings -----------------------------------------------

class ActionCheckinTrend(PatientAction):
    def name(self) -> str:
        return "action_checkin_trend"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        svc = ctx.services.checkins
        text = trend_text(ctx.session, svc, ctx.patient)
        send(dispatcher, [Reply(text, (
            Button(ctx.t("checkin_mood_button"), intent_payload("log_mood")), start_button(ctx)))])
        if ctx.channel in IMAGE_CHANNELS:
            png = chart_png(ctx.session, svc, ctx.patient)
            if png is not None:
                dispatcher.utter_message(text=ctx.t("trend_chart_caption"), image=data_url(png))
        return []


class ActionReminderSettings(PatientAction):
    """set_reminder_time ("remind me at 8pm", "... London time"), set_timezone ("I'm in
    London this week"), pause_reminders, stop_reminders, resume_reminders."""

    def name(self) -> str:
        return "action_reminder_settings"

    def act(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> list[EventType]:
        assert ctx.patient is not None
        own = {"set_timezone": self.timezone, "set_quiet_hours": self.quiet_hours}.get(ctx.intent)
        if own is not None:
            own(ctx, dispatcher)
            return []
        reminders = ctx.services.reminders
        patient, intent = ctx.patient, ctx.intent
        when = parse_time(ctx.text) if not ctx.is_payload else None
        if intent == "stop_reminders":
            reminders.stop(ctx.session, patient)
            send(dispatcher, [Reply(ctx.t("reminder_stopped"))])
        elif intent == "pause_reminders":
            until = reminders.pause(ctx.session, patient, parse_days(ctx.text))
            send(dispatcher, [Reply(ctx.t("reminder_paused", date=_day(until, ctx.lang)))])
        elif intent == "resume_reminders" and when is None:
            prefs = reminders.resume(ctx.session, patient)
            send(dispatcher, [Reply(ctx.t("reminder_resumed", time=prefs.daily_time))])
        elif when is None:
            # "when do you remind me?", "change my reminder time": say where things stand.
            send(dispatcher, [Reply(f"{self.standing(ctx)} {ctx.t('reminder_time_unclear')}")])
        else:
            self.set_time(ctx, dispatcher, when)
        return []

    def standing(self, ctx: Ctx) -> str:
        """On at 19:00 (Oslo time), paused until ..., or off."""
        assert ctx.patient is not None
        reminders = ctx.services.reminders
        prefs = reminders.prefs(ctx.session, ctx.patient)
        tz = reminders.tz(ctx.patient, prefs)
        if not prefs.enabled:
            return ctx.t("reminder_now_off")
        if prefs.paused_until is not None and prefs.paused_until > ctx.services.clock.now():
            return ctx.t("reminder_now_paused", date=_day(prefs.paused_until.astimezone(tz), ctx.lang))
        return ctx.t("reminder_now_on", time=prefs.daily_time, tz=zone_label(str(tz)))

    def set_time(self, ctx: Ctx, dispatcher: CollectingDispatcher, when: time) -> None:
        assert ctx.patient is not None
        reminders = ctx.services.reminders
        change = reminders.set_time(ctx.session, ctx.patient, when)
        prefs = reminders.prefs(ctx.session, ctx.patient)
        if not change.ok:
            quiet = reminders.quiet_for(prefs.quiet_hours)
            send(dispatcher, [Reply(ctx.t("reminder_time_quiet", time=f"{when:%H:%M}",
                                          quiet=quiet.describe(), start=f"{quiet.end:%H:%M}",
                                          end=f"{quiet.start:%H:%M}"))])
            return
        # "remind me at 8pm New York time": the place comes with the time.
        zone = parse_zone(ctx.text, with_time_word=True)
        if zone is not None:
            reminders.set_timezone(ctx.session, ctx.patient, zone)
        tz = reminders.tz(ctx.patient, prefs)
        send(dispatcher, [Reply(ctx.t("reminder_time_set", time=f"{when:%H:%M}",
                                      tz=zone_label(str(tz))))])

    def quiet_hours(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> None:
        assert ctx.patient is not None
        reminders = ctx.services.reminders
        prefs = reminders.prefs(ctx.session, ctx.patient)
        current = reminders.quiet_for(prefs.quiet_hours)
        wanted = parse_quiet(ctx.text, current) if not ctx.is_payload else None
        if wanted is None:
            send(dispatcher, [Reply(ctx.t("quiet_unclear", quiet=current.describe()))])
            return
        change = reminders.set_quiet_hours(ctx.session, ctx.patient, wanted)
        span = {"start": f"{wanted.start:%H:%M}", "end": f"{wanted.end:%H:%M}"}
        if change.ok:
            tz = zone_label(str(reminders.tz(ctx.patient, prefs)))
            send(dispatcher, [Reply(ctx.t("quiet_set", tz=tz, time=prefs.daily_time, **span))])
        elif change.reason == "covers_reminder":
            send(dispatcher, [Reply(ctx.t("quiet_covers_reminder", time=prefs.daily_time))])
        else:
            hours = round(wanted.length().total_seconds() / 3600)
            send(dispatcher, [Reply(ctx.t("quiet_length", min=MIN_QUIET_HOURS, max=MAX_QUIET_HOURS,
                                          hours=hours, **span))])

    def timezone(self, ctx: Ctx, dispatcher: CollectingDispatcher) -> None:
        """A place in typed text is confirmed first (a city named in passing must not
        move anyone's reminders); the confirmation button carries the zone."""
        assert ctx.patient is not None
        reminders = ctx.services.reminders
        current = zone_label(str(reminders.tz(ctx.patient)))
        chosen = ctx.entity("zone")
        if chosen == "keep":
            send(dispatcher, [Reply(ctx.t("timezone_kept", place=current))])
            return
        if chosen is not None:
            zone = parse_zone(chosen)  # only names the tz database knows get through
            if zone is None:
                send(dispatcher, [Reply(ctx.t("timezone_unclear"))])
                return
            reminders.set_timezone(ctx.session, ctx.patient, zone)
            prefs = reminders.prefs(ctx.session, ctx.patient)
            send(dispatcher, [Reply(ctx.t("timezone_set", place=zone_label(zone),
                                          time=prefs.daily_time))])
            return
        zone = parse_zone(ctx.text) if not ctx.is_payload else None
        if zone is None:
            send(dispatcher, [Reply(ctx.t("timezone_unclear"))])
            return
        if zone_label(zone) == current:
            send(dispatcher, [Reply(ctx.t("timezone_kept", place=current))])
            return
        send(dispatcher, [Reply(ctx.t("timezone_confirm", place=zone_label(zone)), (
            Button(ctx.t("timezone_yes_button", place=zone_label(zone)),
                   intent_payload("set_timezone", zone=zone)),
            Button(ctx.t("timezone_no_button", place=current),
                   intent_payload("set_timezone", zone="keep"))))])


__all__ = ["ASK_ACTIONS", "ActionCheckin", "ActionCheckinSubmit", "ActionCheckinTrend",
           "ActionReminderSettings", "ValidateMoodForm", "ValidatePhq2Form", "ValidatePhq9Form"]

"""Check-in actions in the SDK's own shape: a fresh CollectingDispatcher and tracker per step."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.checkins import (
    ASK_ACTIONS,
    ActionCheckin,
    ActionCheckinSubmit,
    ActionCheckinTrend,
    ActionReminderSettings,
    ValidateMoodForm,
    ValidatePhq2Form,
    ValidatePhq9Form,
)
from actions.onboarding import ActionConsent, ActionStart
from bot.app import Services
from bot.core.clock import FrozenClock
from bot.db.tables import Escalation, Patient, RiskEvent
from bot.db.tables.checkins import CheckIn, CheckInAnswer, ReminderPreference
from bot.enrolment.service import add_gp, invite_patient

with open("domain.yml") as _fh:
    DOMAIN: dict[str, Any] = yaml.safe_load(_fh)


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None,
            entities: list[dict] | None = None, candidates: dict[str, Any] | None = None,
            loop: str | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": entities or [], "message_id": f"m-{abs(hash((text, intent)))}"}
    events: list[dict] = [{"event": "user", "text": text, "parse_data": latest,
                           "input_channel": "rest"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
    all_slots = {**(slots or {}), **(candidates or {})}
    return Tracker("pat", all_slots, latest, events, False, None,
                   {"name": loop} if loop else {}, "action_listen")


def run(action: Any, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    return action.run(dispatcher, t, DOMAIN), dispatcher.messages


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.fixture
def consented(services: Services, clock: FrozenClock) -> list[dict]:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        code = invite_patient(s, gp, clock.now(), 14).code
    run(ActionStart(), tracker(f"/start {code}", "start"))
    run(ActionConsent(), tracker("/consent_agree", "consent_agree"))
    _, msgs = run(ActionConsent(), tracker('/consent_agree{"share":"yes"}', "consent_agree",
                                           entities=[{"entity": "share", "value": "yes"}]))
    return msgs


def answer(slot: str, text: str, form: Any = ValidatePhq9Form) -> tuple[dict[str, Any], list[dict]]:
    events, msgs = run(form(), tracker(text, "phq_answer", slots={"requested_slot": slot},
                                       candidates={slot: text}, loop="phq9_form"))
    return slot_events(events), msgs


def test_baseline_offered_after_consent(services: Services, consented: list[dict]) -> None:
    assert "/start_phq9" in payloads(consented)
    assert "/continue_program" in payloads(consented)
    assert "starting point" in text_of(consented)
    with services.db.session() as s:
        assert s.execute(select(ReminderPreference)).scalar_one().phq9_due_on == "2026-03-02"


def test_full_phq9_typed_and_tapped(services: Services, consented: list[dict]) -> None:
    events, msgs = run(ActionCheckin(), tracker("questionnaire", "start_phq9"))
    assert slot_events(events)["checkin_form"] == "phq9"
    assert "9 questions" in text_of(msgs)
    _, msgs = run(ASK_ACTIONS["phq9_q1"](), tracker("questionnaire", "start_phq9"))
    assert "1 of 9" in text_of(msgs)
    assert '/phq_answer{"phq_value":"2"}' in payloads(msgs)
    typed = ["not at all", '/phq_answer{"phq_value":"1"}', "more than half the days", "most days",
             "nearly every day", "2", "flere dager", "nesten hver dag", "not at all"]
    for i, text in enumerate(typed, start=1):
        slots, msgs = answer(f"phq9_q{i}", text)
        assert slots == {f"phq9_q{i}": str([0, 1, 2, 2, 3, 2, 1, 3, 0][i - 1])}, text
        assert msgs == []
    slots, _ = answer("phq9_difficulty", "somewhat difficult")
    assert slots == {"phq9_difficulty": "1"}
    events, msgs = run(ActionCheckinSubmit(), tracker("somewhat difficult", "phq_answer",
                                                      slots={"checkin_form": "phq9"}))
    assert "14 out of 27" in text_of(msgs)
    assert "moderate" in text_of(msgs)
    assert slot_events(events)["checkin_form"] is None
    with services.db.session() as s:
        checkin = s.execute(select(CheckIn)).scalar_one()
        assert (checkin.status, checkin.total, checkin.trigger) == ("complete", 14, "baseline")
        assert len(s.execute(select(CheckInAnswer)).all()) == 10


def test_unclear_is_asked_again_kindly(services: Services, consented: list[dict]) -> None:
    run(ActionCheckin(), tracker("questionnaire", "start_phq9"))
    slots, msgs = answer("phq9_q1", "what do you mean")
    assert slots == {"phq9_q1": None}
    assert "didn't quite catch" in text_of(msgs)


def test_stop_and_resume_keeps_answers(services: Services, consented: list[dict]) -> None:
    run(ActionCheckin(), tracker("questionnaire", "start_phq9"))
    answer("phq9_q1", "several days")
    answer("phq9_q2", "most days")
    slots, _ = answer("phq9_q3", "stop")
    assert slots == {"phq9_q3": None, "requested_slot": None}
    _, msgs = run(ActionCheckinSubmit(), tracker("stop", "pause", slots={"checkin_form": "phq9"}))
    assert "kept your answers" in text_of(msgs)
    assert "/start_phq9" in payloads(msgs)
    events, msgs = run(ActionCheckin(), tracker("/start_phq9", "start_phq9"))
    assert "2 of 9" in text_of(msgs)
    slots = slot_events(events)
    assert (slots["phq9_q1"], slots["phq9_q2"], slots["phq9_q3"]) == ("1", "2", None)


def test_item9_above_zero_starts_crisis_response(services: Services, consented: list[dict]) -> None:
    run(ActionCheckin(), tracker("questionnaire", "start_phq9"))
    for i in range(1, 9):
        answer(f"phq9_q{i}", "several days")
    slots, msgs = answer("phq9_q9", "more than half the days")
    assert slots == {"phq9_q9": "2", "requested_slot": None}
    assert "safe right now" in text_of(msgs).lower()
    assert "/im_safe" in payloads(msgs)
    _, msgs = run(ActionCheckinSubmit(), tracker("x", "phq_answer", slots={"checkin_form": "phq9"}))
    assert msgs == []  # nothing else until the safety question is answered
    with services.db.session() as s:
        ev = s.execute(select(RiskEvent)).scalar_one()
        assert (ev.source, ev.category, ev.urgency) == ("phq9_item9", "active_ideation", "urgent")
        assert s.execute(select(Escalation).where(Escalation.kind == "risk")).scalar_one()
        assert s.execute(select(CheckIn)).scalar_one().total == 10


def phq2_answer(slot: str, text: str) -> tuple[dict[str, Any], list[dict]]:
    events, msgs = run(ValidatePhq2Form(), tracker(text, "phq_answer",
                                                   slots={"requested_slot": slot},
                                                   candidates={slot: text}, loop="phq2_form"))
    return slot_events(events), msgs


@pytest.mark.parametrize(("first", "second", "total", "positive"), [
    ("several days", "several days", 2, False),  # 2: below the cut-off
    ("several days", "more than half the days", 3, True),  # 3: a positive screen
    ("not at all", "nearly every day", 3, True),
])
def test_phq2_two_questions_then_the_full_questionnaire_if_positive(
        services: Services, consented: list[dict], first: str, second: str, total: int,
        positive: bool) -> None:
    with services.db.session() as s:
        s.execute(select(ReminderPreference)).scalar_one().phq9_due_on = "2026-03-09"
    events, msgs = run(ActionCheckin(), tracker("the two questions", "start_phq2"))
    assert slot_events(events)["checkin_form"] == "phq2"
    assert "two quick questions" in text_of(msgs)
    loop = tracker("the two questions", "start_phq2", loop="phq2_form")
    _, msgs = run(ASK_ACTIONS["phq9_q2"](), loop)
    assert "2 of 2" in text_of(msgs)
    assert "Feeling down" in text_of(msgs)
    assert phq2_answer("phq9_q1", "hmm")[0] == {"phq9_q1": None}  # asked again
    phq2_answer("phq9_q1", first)
    phq2_answer("phq9_q2", second)
    events, msgs = run(ActionCheckinSubmit(), tracker(second, "phq_answer",
                                                      slots={"checkin_form": "phq2"}))
    assert f"{total} out of 6" in text_of(msgs)
    assert ("/start_phq9" in payloads(msgs)) is positive
    assert slot_events(events)["checkin_form"] is None
    with services.db.session() as s:
        short = s.execute(select(CheckIn).where(CheckIn.instrument == "phq2")).scalar_one()
        assert (short.status, short.total, short.instrument_version) == (
            "complete", total, "PHQ-2/2003")
        assert short.band == ("positive" if positive else "negative")
        # Positive: the full PHQ-9 is due now (tomorrow's reminder asks for it).
        assert s.execute(select(ReminderPreference)).scalar_one().phq9_due_on == (
            "2026-03-02" if positive else "2026-03-09")


def test_phq2_stopped_and_resumed(services: Services, consented: list[dict]) -> None:
    run(ActionCheckin(), tracker("the two questions", "start_phq2"))
    phq2_answer("phq9_q1", "most days")
    assert phq2_answer("phq9_q2", "stop")[0] == {"phq9_q2": None, "requested_slot": None}
    _, msgs = run(ActionCheckinSubmit(), tracker("stop", "pause", slots={"checkin_form": "phq2"}))
    assert "leave it there" in text_of(msgs)
    events, _ = run(ActionCheckin(), tracker("/start_phq2", "start_phq2"))
    slots = slot_events(events)
    assert (slots["phq9_q1"], slots["phq9_q2"]) == ("2", None)


def test_risk_typed_inside_the_phq2_is_caught(services: Services, consented: list[dict]) -> None:
    run(ActionCheckin(), tracker("the two questions", "start_phq2"))
    slots, msgs = phq2_answer("phq9_q1", "nearly every day, i want to kill myself")
    assert {k: slots[k] for k in ("phq9_q1", "requested_slot")} == {"phq9_q1": None,
                                                                    "requested_slot": None}
    assert "safe right now" in text_of(msgs).lower()
    with services.db.session() as s:
        assert s.execute(select(RiskEvent)).scalar_one().context == "form:phq2_form"


def test_mood_with_note_and_risk_in_a_note(services: Services, consented: list[dict]) -> None:
    events, _ = run(ActionCheckin(), tracker("log my mood", "log_mood"))
    assert slot_events(events)["checkin_form"] == "mood"
    _, msgs = run(ASK_ACTIONS["mood_rating"](), tracker("log my mood", "log_mood"))
    assert len(payloads(msgs)) == 11
    events, _ = run(ValidateMoodForm(), tracker(
        "7/10", "mood_answer", slots={"requested_slot": "mood_rating"},
        candidates={"mood_rating": "7/10"}, loop="mood_form"))
    assert slot_events(events) == {"mood_rating": "7"}
    events, _ = run(ValidateMoodForm(), tracker("nice walk", "share_feeling",
                                                slots={"requested_slot": "mood_note"},
                                                candidates={"mood_note": "nice walk"},
                                                loop="mood_form"))
    assert slot_events(events) == {"mood_note": "nice walk"}
    _, msgs = run(ActionCheckinSubmit(), tracker("nice walk", "share_feeling", slots={
        "checkin_form": "mood", "mood_rating": "7", "mood_note": "nice walk"}))
    assert "7 out of 10" in text_of(msgs)
    with services.db.session() as s:
        row = s.execute(select(CheckIn).where(CheckIn.instrument == "mood")).scalar_one()
        assert (row.status, row.total, row.note) == ("complete", 7, "nice walk")
    # A note with risk the NLU missed: the form's safety net answers it.
    run(ActionCheckin(), tracker("log my mood", "log_mood"))
    run(ValidateMoodForm(), tracker("3", "choose", slots={"requested_slot": "mood_rating"},
                                    candidates={"mood_rating": "3"}, loop="mood_form"))
    note = "i wish i could sleep and never wake up"
    events, msgs = run(ValidateMoodForm(), tracker(note, "share_feeling",
                                                   slots={"requested_slot": "mood_note"},
                                                   candidates={"mood_note": note},
                                                   loop="mood_form"))
    assert slot_events(events)["requested_slot"] is None
    assert "safe right now" in text_of(msgs).lower()


def test_trend_sends_text_and_chart(services: Services, consented: list[dict]) -> None:
    for rating in ("4", "6"):
        run(ActionCheckin(), tracker("log my mood", "log_mood"))
        run(ValidateMoodForm(), tracker(rating, "choose", slots={"requested_slot": "mood_rating"},
                                        candidates={"mood_rating": rating}, loop="mood_form"))
        run(ActionCheckinSubmit(), tracker("/skip", "skip", slots={
            "checkin_form": "mood", "mood_rating": rating, "mood_note": "-"}))
    _, msgs = run(ActionCheckinTrend(), tracker("how am i doing?", "checkin_trend"))
    assert "mood averaged 5.0 out of 10" in text_of(msgs)
    assert any((m.get("image") or "").startswith("data:image/png;base64,") for m in msgs)


@pytest.mark.parametrize(("text", "intent", "expect"), [
    ("remind me at 8pm", "set_reminder_time", "20:00"),
    ("kl 18.30", "set_reminder_time", "18:30"),
    ("remind me at 11pm", "set_reminder_time", "quiet hours"),
    ("pause for a week", "pause_reminders", "paused until Monday 9 March"),
    ("stop the reminders", "stop_reminders", "stopped the reminders"),
    ("turn reminders back on", "resume_reminders", "back on, every day at 19:00"),
])
def test_reminder_settings_in_plain_words(services: Services, consented: list[dict], text: str,
                                          intent: str, expect: str) -> None:
    _, msgs = run(ActionReminderSettings(), tracker(text, intent))
    assert expect in text_of(msgs)
    with services.db.session() as s:
        prefs = s.execute(select(ReminderPreference)).scalar_one()
        assert prefs.enabled is (intent != "stop_reminders")


def test_reminder_event_sends_a_nudge_not_a_form(services: Services, consented: list[dict]) -> None:
    events, msgs = run(ActionCheckin(), tracker("EXTERNAL: log_mood", "log_mood",
                                                entities=[{"entity": "reminder", "value": "mood"}]))
    assert slot_events(events) == {"checkin_form": None}
    assert "daily check-in" in text_of(msgs)
    assert "/log_mood" in payloads(msgs)
    _, msgs = run(ActionCheckin(), tracker("EXTERNAL: start_phq9", "start_phq9",
                                           entities=[{"entity": "reminder", "value": "phq9"}]))
    assert "/start_phq9" in payloads(msgs)
    events, msgs = run(ActionCheckin(), tracker("EXTERNAL: start_phq2", "start_phq2",
                                                entities=[{"entity": "reminder", "value": "phq2"}]))
    assert slot_events(events) == {"checkin_form": None}
    assert "two quick questions" in text_of(msgs)
    assert "/start_phq2" in payloads(msgs)


def test_a_reminder_is_not_the_patient_being_active(services: Services, consented: list[dict],
                                                    clock: FrozenClock) -> None:
    """The disengagement sweep and the 'patient is chatting' check read last_active_at:
    the scheduler's own nudge must not move it, the patient's answer must."""
    with services.db.session() as s:
        before = s.execute(select(Patient.last_active_at)).scalar_one()
    clock.advance(timedelta(days=3))
    external = tracker("EXTERNAL: log_mood", "log_mood",
                       entities=[{"entity": "reminder", "value": "mood"}])
    external.latest_message["metadata"] = {"is_external": True}
    run(ActionCheckin(), external)
    with services.db.session() as s:
        assert s.execute(select(Patient.last_active_at)).scalar_one() == before
    run(ActionCheckin(), tracker("/log_mood", "log_mood"))
    with services.db.session() as s:
        assert s.execute(select(Patient.last_active_at)).scalar_one() == clock.now()


@pytest.mark.parametrize(("text", "zone", "place"), [
    ("i'm in london this week", "Europe/London", "London"),
    ("jeg er i new york denne uka", "America/New_York", "New York"),
    ("timezone Asia/Tokyo", "Asia/Tokyo", "Tokyo"),
])
def test_timezone_in_plain_words_is_confirmed_first(services: Services, consented: list[dict],
                                                    text: str, zone: str, place: str) -> None:
    _, msgs = run(ActionReminderSettings(), tracker(text, "set_timezone"))
    assert f"follow {place} time" in text_of(msgs)
    yes, no = payloads(msgs)[-2:]  # (a Norwegian sentence also offers bokmål first)
    assert yes == f'/set_timezone{{"zone":"{zone}"}}'
    with services.db.session() as s:  # nothing changes before the patient says yes
        assert s.execute(select(Patient.timezone)).scalar_one() == "Europe/Oslo"
    _, msgs = run(ActionReminderSettings(), tracker(no, "set_timezone",
                                                    entities=[{"entity": "zone", "value": "keep"}]))
    assert "stay on Oslo time" in text_of(msgs)
    _, msgs = run(ActionReminderSettings(), tracker(yes, "set_timezone",
                                                    entities=[{"entity": "zone", "value": zone}]))
    assert f"{place} time, every day at 19:00" in text_of(msgs)
    with services.db.session() as s:
        assert s.execute(select(Patient.timezone)).scalar_one() == zone


def test_a_made_up_zone_in_a_payload_changes_nothing(services: Services,
                                                     consented: list[dict]) -> None:
    _, msgs = run(ActionReminderSettings(), tracker(
        '/set_timezone{"zone":"Mars/Olympus"}', "set_timezone",
        entities=[{"entity": "zone", "value": "Mars/Olympus"}]))
    assert "Which city's time" in text_of(msgs)
    with services.db.session() as s:
        assert s.execute(select(Patient.timezone)).scalar_one() == "Europe/Oslo"


def test_timezone_unclear_changes_nothing(services: Services, consented: list[dict]) -> None:
    _, msgs = run(ActionReminderSettings(), tracker("wrong time zone", "set_timezone"))
    assert "Which city's time" in text_of(msgs)
    with services.db.session() as s:
        assert s.execute(select(Patient.timezone)).scalar_one() == "Europe/Oslo"


def test_reminder_time_with_a_place(services: Services, consented: list[dict]) -> None:
    _, msgs = run(ActionReminderSettings(),
                  tracker("remind me at 11pm london time", "set_reminder_time"))
    assert "quiet hours" in text_of(msgs)  # refused: nothing changes, the zone neither
    with services.db.session() as s:
        assert s.execute(select(Patient.timezone)).scalar_one() == "Europe/Oslo"
    _, msgs = run(ActionReminderSettings(),
                  tracker("remind me at 8pm new york time", "set_reminder_time"))
    assert "every day at 20:00 (New York time)" in text_of(msgs)
    # A place that is not "<place> time" is not a timezone change.
    run(ActionReminderSettings(), tracker("remind me at 7pm, after dinner with sofia",
                                          "set_reminder_time"))
    with services.db.session() as s:
        assert s.execute(select(Patient.timezone)).scalar_one() == "America/New_York"
        assert s.execute(select(ReminderPreference.daily_time)).scalar_one() == "19:00"


def test_asking_about_the_reminder_says_where_things_stand(services: Services,
                                                           consented: list[dict]) -> None:
    _, msgs = run(ActionReminderSettings(), tracker("when do you remind me", "set_reminder_time"))
    assert "Your daily reminder is at 19:00 (Oslo time)" in text_of(msgs)
    assert "What time would suit you?" in text_of(msgs)
    run(ActionReminderSettings(), tracker("pause for a week", "pause_reminders"))
    _, msgs = run(ActionReminderSettings(), tracker("change my reminder time",
                                                    "set_reminder_time"))
    assert "paused until Monday 9 March" in text_of(msgs)
    run(ActionReminderSettings(), tracker("stop the reminders", "stop_reminders"))
    _, msgs = run(ActionReminderSettings(), tracker("change my reminder time",
                                                    "set_reminder_time"))
    assert "off at the moment" in text_of(msgs)


def test_own_quiet_hours_in_plain_words(services: Services, consented: list[dict]) -> None:
    def say(text: str, intent: str = "set_quiet_hours") -> str:
        _, msgs = run(ActionReminderSettings(), tracker(text, intent))
        return text_of(msgs)

    assert "move the quiet hours" in say("remind me at 11pm", "set_reminder_time")
    assert "When should I stay quiet?" in say("i work nights")
    assert "Right now it's 22:00-08:00" in say("i work nights")
    assert "between 6 and 16 hours" in say("quiet hours 9am to 11am")
    assert "cover your daily reminder at 19:00" in say("quiet hours 6pm to 8am")
    assert "between 09:00 and 17:00 (Oslo time)" in say("i sleep in the day, quiet hours 9 to 17")
    assert "every day at 23:00" in say("remind me at 11pm", "set_reminder_time")
    with services.db.session() as s:
        prefs = s.execute(select(ReminderPreference)).scalar_one()
        assert (prefs.quiet_hours, prefs.daily_time) == ("09:00-17:00", "23:00")

"""Actions in the SDK's own shape: a fresh CollectingDispatcher and a tracker per test."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.info import ActionChitchat, ActionFallback, ActionInfo
from actions.onboarding import ActionConsent, ActionShowConsent, ActionStart
from actions.program import ActionProgram, command_in_answer
from actions.safety import ActionRiskResponse, ActionSafetyAnswer
from bot.app import Services
from bot.core.clock import FrozenClock
from bot.core.settings import REPO_ROOT
from bot.db.tables import AuditLog, Escalation, ModuleProgress, Patient, RiskEvent, WorkbookEntry
from bot.enrolment.service import add_gp, invite_patient

DOMAIN: dict[str, Any] = yaml.safe_load(Path("domain.yml").read_text())


def tracker(text: str, intent: str, sender: str = "pat", entities: list[dict] | None = None,
            slots: dict[str, Any] | None = None, channel: str = "rest") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": entities or [], "message_id": f"m-{abs(hash((sender, text, intent)))}"}
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker(sender, slots or {"awaiting_text": False, "workbook_text": None}, latest, events,
                   False, None, {}, "action_listen")


def run(action: Any, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, DOMAIN)
    return events, dispatcher.messages


def all_text(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


@pytest.fixture
def code(services: Services, clock: FrozenClock) -> str:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        return invite_patient(s, gp, clock.now(), 14).code


def consented(code: str, sender: str = "pat") -> None:
    run(ActionStart(), tracker(f"/start {code}", "start", sender))
    run(ActionConsent(), tracker("/consent_agree", "consent_agree", sender))
    run(ActionConsent(), tracker('/consent_agree{"share":"yes"}', "consent_agree", sender,
                                 entities=[{"entity": "share", "value": "yes"}]))


def test_start_links_and_shows_consent(services: Services, code: str) -> None:
    _, msgs = run(ActionStart(), tracker(f"/start {code}", "start"))
    assert "connected" in all_text(msgs)
    assert "/consent_agree" in payloads(msgs) and "/consent_decline" in payloads(msgs)
    assert "not an emergency service" in all_text(msgs).lower()


def test_start_with_code_as_entity(services: Services, code: str) -> None:
    _, msgs = run(ActionStart(), tracker("/start", "start", entities=[{"entity": "invite_code", "value": code}]))
    assert "connected" in all_text(msgs)


@pytest.mark.parametrize(("text", "expected"), [
    ("/start", "send /start followed by the invite code"),
    ("/start WRONG-CODE", "couldn't use that code"),
])
def test_start_bad_codes_are_explained(services: Services, code: str, text: str, expected: str) -> None:
    _, msgs = run(ActionStart(), tracker(text, "start", "someone"))
    assert expected in all_text(msgs)


def test_unknown_sender_gets_told_how_to_join(services: Services, code: str) -> None:
    _, msgs = run(ActionProgram(), tracker("next", "continue_program", "nobody"))
    assert "invite code" in all_text(msgs)
    _, msgs = run(ActionChitchat(), tracker("hi", "greet", "nobody"))
    assert "invite code" in all_text(msgs)


def test_program_blocked_until_consent(services: Services, code: str) -> None:
    run(ActionStart(), tracker(f"/start {code}", "start"))
    _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert "/consent_agree" in payloads(msgs)
    with services.db.session() as s:
        assert s.execute(select(ModuleProgress)).first() is None


def test_consent_then_share_question_then_program(services: Services, code: str) -> None:
    run(ActionStart(), tracker(f"/start {code}", "start"))
    _, msgs = run(ActionConsent(), tracker("/consent_agree", "consent_agree"))
    assert '/consent_agree{"share":"yes"}' in payloads(msgs)
    # Before the share choice is made, the program asks it again rather than starting.
    _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert '/consent_agree{"share":"no"}' in payloads(msgs)
    _, msgs = run(ActionConsent(), tracker('/consent_agree{"share":"no"}', "consent_agree",
                                           entities=[{"entity": "share", "value": "no"}]))
    assert "/continue_program" in payloads(msgs)
    with services.db.session() as s:
        p = s.execute(select(Patient)).scalar_one()
        assert p.status == "consented" and p.share_workbook is False
        assert s.execute(select(Escalation).where(Escalation.kind == "new_patient")).scalar_one()
    _, msgs = run(ActionShowConsent(), tracker("consent", "show_consent"))
    assert "version" in all_text(msgs).lower()


def test_module_flow_choice_text_pause_resume(services: Services, code: str, clock: FrozenClock) -> None:
    consented(code)
    events, msgs = run(ActionProgram(), tracker("/continue_program", "continue_program"))
    assert "Module 1" in all_text(msgs)
    seen_text = False
    for _ in range(60):
        p = payloads(msgs)
        if any(x.startswith("/choose") for x in p):
            events, msgs = run(ActionProgram(), tracker("a", "choose"))
        elif "/skip" in p:
            assert {"event": "slot", "name": "awaiting_text", "value": True} in [
                {k: e[k] for k in ("event", "name", "value")} for e in events if e["event"] == "slot"]
            events, msgs = run(ActionProgram(), tracker("my answer", "share_feeling",
                                                        slots={"awaiting_text": True, "workbook_text": "my answer"}))
            seen_text = True
        elif "finished module 1" in all_text(msgs).lower():
            break
        else:
            events, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert seen_text and "finished module 1" in all_text(msgs).lower()
    with services.db.session() as s:
        assert s.execute(select(WorkbookEntry).where(WorkbookEntry.answer == "my answer")).first()
        assert s.execute(select(Escalation).where(Escalation.kind == "followup_due")).scalar_one()
    # Module 2 waits for the GP's follow-up or the practice's waiting time (7 days).
    _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert "follow-up" in all_text(msgs)
    assert "Module 2" not in all_text(msgs)
    clock.advance(timedelta(days=7))
    # Module 2 starts, pause keeps the place, continue re-shows it.
    _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert "Module 2" in all_text(msgs)
    _, msgs = run(ActionProgram(), tracker("pause", "pause"))
    assert "Paused" in all_text(msgs)
    _, msgs = run(ActionProgram(), tracker("continue", "continue_program"))
    assert "where you left off" in all_text(msgs)


@pytest.mark.parametrize(("answer", "command"), [
    ("/skip", "skip"), ("skip", "skip"), ("Pause", "pause"), ("menu", "menu"),
    ("I needed a break from everyone", None), ("next time I will try", None),
])
def test_commands_inside_free_text(answer: str, command: str | None) -> None:
    assert command_in_answer(answer) == command


def test_risk_response_escalates_in_one_transaction(services: Services, code: str) -> None:
    consented(code)
    run(ActionProgram(), tracker("/continue_program", "continue_program"))
    events, msgs = run(ActionRiskResponse(), tracker("i want to end my life", "risk_detected"))
    text = all_text(msgs)
    assert "safe right now" in text.lower() and "113" in text and "Dr Ada Berg" in text
    assert {"/im_safe", "/not_safe"} <= set(payloads(msgs))
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events if e["event"] == "active_loop"]
    with services.db.session() as s:
        ev = s.execute(select(RiskEvent)).scalar_one()
        esc = s.execute(select(Escalation).where(Escalation.kind == "risk")).scalar_one()
        assert esc.risk_event_id == ev.id and esc.urgency == "urgent"
        assert ev.context.startswith("module:m1")
    # While open, the program holds; "not safe" escalates again; "safe" closes it.
    _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert "/im_safe" in payloads(msgs)
    _, msgs = run(ActionSafetyAnswer(), tracker("no", "not_safe"))
    assert "113" in all_text(msgs)
    _, msgs = run(ActionSafetyAnswer(), tracker("/im_safe", "im_safe"))
    assert "/continue_program" in payloads(msgs)
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().risk_open_since is None
        assert len(s.execute(select(Escalation).where(Escalation.kind == "risk")).all()) == 2


def test_risk_before_linking_still_gets_resources(services: Services, code: str) -> None:
    _, msgs = run(ActionRiskResponse(), tracker("i want to die", "risk_detected", "anon"))
    assert "113" in all_text(msgs) and "not connected to a GP" in all_text(msgs)
    with services.db.session() as s:
        assert s.execute(select(RiskEvent)).scalar_one().patient_id is None


def test_safety_net_catches_risk_the_nlu_missed(services: Services, code: str) -> None:
    consented(code)
    _, msgs = run(ActionChitchat(), tracker("i wish i could sleep and never wake up", "share_feeling"))
    assert "safe right now" in all_text(msgs).lower()
    with services.db.session() as s:
        assert s.execute(select(Escalation).where(Escalation.kind == "risk")).scalar_one()


def test_fallback_never_dead_ends(services: Services, code: str) -> None:
    _, msgs = run(ActionFallback(), tracker("🦄🦄", "nlu_fallback", "nobody"))
    assert "invite code" in all_text(msgs)
    consented(code)
    _, msgs = run(ActionFallback(), tracker("asdfgh", "nlu_fallback"))
    assert "/continue_program" in payloads(msgs)
    _, msgs = run(ActionInfo(), tracker("progress", "progress"))
    assert "0 of 6" in all_text(msgs)


def test_nlu_only_risk_asks_before_escalating(services: Services, code: str) -> None:
    consented(code)
    text = "everything is grey and pointless at work"
    _, msgs = run(ActionRiskResponse(), tracker(text, "risk_detected"))
    assert "are you having thoughts" in all_text(msgs).lower()
    assert '/risk_detected{"risk_confirmed":"yes"}' in payloads(msgs) and "/im_safe" in payloads(msgs)
    with services.db.session() as s:
        assert s.execute(select(Escalation).where(Escalation.kind == "risk")).first() is None
    # The patient confirms with the button: the earlier message is what gets recorded.
    t = tracker('/risk_detected{"risk_confirmed":"yes"}', "risk_detected",
                entities=[{"entity": "risk_confirmed", "value": "yes"}])
    t.events.insert(0, {"event": "user", "text": text, "parse_data": {}, "input_channel": "rest"})
    _, msgs = run(ActionRiskResponse(), t)
    assert "safe right now" in all_text(msgs).lower()
    with services.db.session() as s:
        assert s.execute(select(RiskEvent)).scalar_one().message_text == text
        assert s.execute(select(Escalation).where(Escalation.kind == "risk")).scalar_one().urgency == "urgent"


@pytest.mark.parametrize(("intent", "shared"), [("deny", False), ("affirm", True)])
def test_typed_yes_or_no_answers_the_share_question(services: Services, code: str, intent: str,
                                                    shared: bool) -> None:
    run(ActionStart(), tracker(f"/start {code}", "start"))
    run(ActionConsent(), tracker("/consent_agree", "consent_agree"))
    _, msgs = run(ActionProgram(), tracker("yes" if shared else "no", intent))
    assert "/continue_program" in payloads(msgs)
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().share_workbook is shared


@pytest.mark.parametrize(("text", "intent", "expect"), [
    # Typed answers the intent classifier read as "safe" in cross-validation.
    ("i'm not sure i'm safe tonight", "im_safe", "not_safe"),
    ("i can't say that i'm safe", "im_safe", "not_safe"),
    ("not feeling safe", "im_safe", "not_safe"),
    ("in danger", "im_safe", "not_safe"),
    ("maybe", "im_safe", "unclear"),  # doubt never closes it: asked again
    ("i'm not in danger", "not_safe", "safe"),  # and a plain "safe" is believed
    ("hmm", "not_safe", "not_safe"),  # unclear, but the guess was "not safe": escalate
    ("/im_safe", "im_safe", "safe"),  # a button is a button
])
def test_a_typed_safety_answer_is_read_not_just_classified(
        services: Services, code: str, text: str, intent: str, expect: str) -> None:
    consented(code)
    run(ActionRiskResponse(), tracker("i want to end my life", "risk_detected"))
    _, msgs = run(ActionSafetyAnswer(), tracker(text, intent))
    with services.db.session() as s:
        event = s.execute(select(RiskEvent)).scalar_one()
        patient = s.execute(select(Patient)).scalar_one()
        escalations = s.execute(select(Escalation).where(Escalation.kind == "risk")).all()
        assert event.safety_answer == expect
        assert (patient.risk_open_since is None) is (expect == "safe")
        assert len(escalations) == (2 if expect == "not_safe" else 1)
    if expect == "not_safe":
        assert "113" in all_text(msgs)
    if expect == "unclear":
        assert {"/im_safe", "/not_safe"} <= set(payloads(msgs))


@pytest.mark.parametrize(("reply", "intent", "action", "outcome"), [
    ("yes", "affirm", "program", "crisis"),
    ("yeah sometimes", "share_feeling", "chitchat", "crisis"),
    ("i don't know", "out_of_scope", "chitchat", "crisis"),  # if unsure, escalate
    ("no", "deny", "program", "not_now"),
    ("/im_safe", "im_safe", "safety", "not_now"),
    ("next", "continue_program", "program", "asked_again"),  # not an answer: asked again
    ("/menu", "menu", "program", "asked_again"),  # an old button: asked again
    ("i burned my arm again tonight", "share_feeling", "program", "crisis"),  # risk itself
])
def test_a_typed_answer_to_the_direct_question_is_taken(
        services: Services, code: str, reply: str, intent: str, action: str,
        outcome: str) -> None:
    """Only the NLU model suspected risk, so the bot asked directly. The answer lands on
    whatever action the dialogue picks for it ("yes" -> the program's affirm rule)."""
    consented(code)
    worry = "everything is grey and pointless at work"
    events, _ = run(ActionRiskResponse(), tracker(worry, "risk_detected"))
    assert {"event": "slot", "name": "risk_clarify", "value": True} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
    t = tracker(reply, intent, slots={"awaiting_text": False, "risk_clarify": True})
    t.events.insert(0, {"event": "user", "text": worry, "parse_data": {}, "input_channel": "rest"})
    acting = {"program": ActionProgram, "chitchat": ActionChitchat,
              "safety": ActionSafetyAnswer}[action]()
    events, msgs = run(acting, t)
    assert {"event": "slot", "name": "risk_clarify",
            "value": True if outcome == "asked_again" else None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
    with services.db.session() as s:
        escalations = s.execute(select(Escalation).where(Escalation.kind == "risk")).scalars().all()
        events_ = s.execute(select(RiskEvent)).scalars().all()
    if outcome == "crisis":
        assert "safe right now" in all_text(msgs).lower()
        # A reply that is itself risk is recorded in its own words.
        assert [e.message_text for e in events_] == [reply if "burned" in reply else worry]
        assert [e.urgency for e in escalations] == ["urgent"]
    else:
        assert escalations == [] and events_ == []
        assert "safe right now" not in all_text(msgs).lower()
    if outcome == "not_now":
        # Declined, and kept for the GP's timeline with the words that made the bot ask.
        assert "your GP will see that I asked" in all_text(msgs)
        with services.db.session() as s:
            declined = s.execute(select(AuditLog).where(
                AuditLog.action == "risk_question_declined")).scalars().all()
        assert len(declined) == 1
    if outcome == "asked_again":
        assert "thoughts of ending your life" in all_text(msgs)


def test_a_failing_action_still_gives_the_crisis_numbers(
        services: Services, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Database down, content broken or a bug: the patient who has just disclosed risk
    gets the static crisis response from domain.yml, and nothing that claims the GP
    was told; the log names the failure, not the patient's words."""
    consented(code)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(services.safety, "handle_risk", broken)
    _, msgs = run(ActionRiskResponse(), tracker("i want to end my life tonight", "risk_detected"))
    assert [m.get("response") for m in msgs] == ["utter_crisis_numbers"]
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
    static = domain["responses"]["utter_crisis_numbers"][0]["text"]
    assert "113" in static and "116 123" in static


@pytest.mark.parametrize("typed", ["no", "Not now", "nei", "No thanks.", "ikke nå"])
def test_a_typed_no_declines_consent_and_the_agreement_is_not_sent_again(
        services: Services, code: str, typed: str) -> None:
    run(ActionStart(), tracker(f"/start {code}", "start"))
    # However the NLU classified it, a typed "no" before consent is a decline.
    _, msgs = run(ActionProgram(), tracker(typed, "deny" if typed == "no" else "nlu_fallback"))
    assert "completely fine" in all_text(msgs)
    assert "/consent_agree" not in payloads(msgs)
    with services.db.session() as s:
        decisions = s.execute(select(AuditLog.action).where(
            AuditLog.action.like("consent_%"))).scalars().all()
    assert decisions == ["consent_declined"]
    # Afterwards a short reminder with a way back, not the whole agreement each time.
    _, msgs = run(ActionChitchat(), tracker("hello", "greet"))
    assert "chose not to start" in all_text(msgs) and "/show_consent" in payloads(msgs)
    assert "/consent_agree" not in payloads(msgs)
    # Reading it again and agreeing still works.
    _, msgs = run(ActionShowConsent(), tracker("/show_consent", "show_consent"))
    assert "/consent_agree" in payloads(msgs)
    _, msgs = run(ActionConsent(), tracker("/consent_agree", "consent_agree"))
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().status == "consented"


def test_before_any_decision_other_messages_get_the_agreement(services: Services, code: str) -> None:
    run(ActionStart(), tracker(f"/start {code}", "start"))
    _, msgs = run(ActionChitchat(), tracker("hello", "greet"))
    assert "/consent_agree" in payloads(msgs) and "/consent_decline" in payloads(msgs)


def test_random_letters_after_the_direct_question_ask_again_and_page_nobody(
        services: Services, code: str) -> None:
    """Junk is no answer to "are you having thoughts of ending your life?" and no
    reason to page a GP (it once raised urgent pages under the hostile benchmark)."""
    import random
    import string

    consented(code)
    rnd = random.Random(3)
    junk = "".join(rnd.choice(string.ascii_letters + "    ") for _ in range(4000))
    t = tracker(junk, "nlu_fallback", slots={"awaiting_text": False, "risk_clarify": True})
    t.events.insert(0, {"event": "user", "text": "everything is grey and pointless",
                        "parse_data": {}, "input_channel": "rest"})
    _, msgs = run(ActionChitchat(), t)
    assert "thoughts of ending your life" in all_text(msgs)
    with services.db.session() as s:
        assert s.execute(select(RiskEvent)).first() is None
        assert s.execute(select(Escalation).where(Escalation.kind == "risk")).first() is None


def test_requests_inside_a_free_text_step_go_where_their_rules_send_them() -> None:
    """The free-text step hands a request to the action its rule names (read from
    stories/), so a new rule needs no change in the step."""
    from actions.program import rule_actions

    actions = rule_actions()
    assert actions["log_mood"] == "action_checkin"
    assert actions["start_phq9"] == "action_checkin"
    assert actions["crisis_numbers"] == "utter_crisis_numbers"
    assert actions["not_safe"] == "action_safety_answer"
    names = set(DOMAIN["actions"]) | set(DOMAIN["responses"])
    assert set(actions.values()) <= names | {"action_deactivate_loop"}


def test_withdrawing_in_chat_asks_first_then_stops_and_tells_the_gp(
        services: Services, code: str) -> None:
    from actions.onboarding import ActionWithdraw

    consented(code)
    _, msgs = run(ActionWithdraw(), tracker("i want to withdraw my consent", "withdraw"))
    assert '/withdraw{"confirm":"yes"}' in payloads(msgs)  # asked first
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().status == "consented"
    _, msgs = run(ActionWithdraw(), tracker('/withdraw{"confirm":"yes"}', "withdraw",
                                            entities=[{"entity": "confirm", "value": "yes"}]))
    assert "stopped the program" in all_text(msgs)
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().status == "withdrawn"
        assert s.execute(select(Escalation).where(Escalation.kind == "withdrawn")).scalar_one()
    # Nothing of the program now; a short reminder of how to start again.
    _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    assert "stopped the program" in all_text(msgs) and "/show_consent" in payloads(msgs)
    # Risk is still heard.
    _, msgs = run(ActionRiskResponse(), tracker("i want to end my life tonight", "risk_detected"))
    assert "113" in all_text(msgs)
    # Agreeing again restarts.
    run(ActionConsent(), tracker("/consent_agree", "consent_agree"))
    with services.db.session() as s:
        assert s.execute(select(Patient)).scalar_one().status == "consented"


def test_welcome_back_only_for_a_patient_who_was_away(services: Services, code: str,
                                                      clock: FrozenClock) -> None:
    consented(code)
    _, msgs = run(ActionProgram(), tracker("/continue_program", "continue_program"))
    for _ in range(20):  # to the first step that waits for an answer
        p = payloads(msgs)
        if any(x.startswith("/choose") for x in p) or "/skip" in p:
            break
        _, msgs = run(ActionProgram(), tracker("next", "continue_program"))
    _, msgs = run(ActionProgram(), tracker("continue", "continue_program"))
    assert "Welcome back" not in all_text(msgs) and "Here's where you are" in all_text(msgs)
    clock.advance(timedelta(days=2))
    _, msgs = run(ActionProgram(), tracker("continue", "continue_program"))
    assert "Welcome back" in all_text(msgs)


def test_the_ready_block_names_this_runs_demo_code() -> None:
    from bot.core.settings import load_settings
    from bot.processes.supervisor import ready_text

    text = ready_text(load_settings({}), "ABCD-EFGH")
    assert "/start ABCD-EFGH" in text and "?code=ABCD-EFGH" in text and "YOUR-CODE" not in text
    assert "127.0.0.1 only" in text
    assert "patients invite" in ready_text(load_settings({}), None)


def test_junk_that_reads_as_risk_after_the_direct_question_asks_again(
        services: Services, code: str) -> None:
    """The hostile benchmark's last urgent pages: junk with a rule hit inside (asked
    about), then more such junk, read as risk by the NLU, while the question was open."""
    import random
    import string

    consented(code)
    rnd = random.Random(11)
    junk = "".join(rnd.choice(string.ascii_letters + "    ") for _ in range(3000)) + " kill myself "
    t = tracker(junk, "risk_detected", slots={"awaiting_text": False, "risk_clarify": True})
    _, msgs = run(ActionRiskResponse(), t)
    assert "thoughts of ending your life" in all_text(msgs)
    with services.db.session() as s:
        assert s.execute(select(RiskEvent)).first() is None

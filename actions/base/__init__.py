"""The one base of every action: core.py (the patient, the safety net, the consent
gate, PatientAction), safety.py (the crisis response and the answer to the direct
question, wherever a message lands), flows.py (what several capabilities share).
Capability modules (onboarding, program, checkins, safety, info, language) import
from here and never from each other."""
from actions.base.core import (
    CLARIFY_SLOT,
    CRISIS_NUMBERS,
    RISK_INTENT,
    Ctx,
    PatientAction,
    ask_directly,
    audit_decision,
    consent_gate,
    consent_replies,
    fail_safe,
    first_action_of_turn,
    language_offer,
    menu_buttons,
    recent_messages,
    safety_net,
    send,
    share_pending,
    share_question,
    transcript,
)
from actions.base.flows import (
    after_buttons,
    after_program_turn,
    baseline_offer,
    info_replies,
    program_intro,
    record_share_choice,
    run_program_intent,
    start_button,
    turn_events,
)
from actions.base.safety import (
    answer_clarify,
    previous_free_text,
    respond_to_risk,
    risk_from_parse,
)

__all__ = [
    "CLARIFY_SLOT", "CRISIS_NUMBERS", "RISK_INTENT", "Ctx", "PatientAction", "after_buttons",
    "after_program_turn", "answer_clarify", "ask_directly", "audit_decision", "baseline_offer",
    "consent_gate", "consent_replies", "fail_safe", "first_action_of_turn", "info_replies",
    "language_offer", "menu_buttons", "previous_free_text", "program_intro", "recent_messages",
    "record_share_choice", "respond_to_risk", "risk_from_parse", "run_program_intent",
    "safety_net", "send", "share_pending", "share_question", "start_button", "transcript",
    "turn_events",
]

"""Reading a typed answer to "are you safe right now?" without trusting the NLU alone.

The intent classifier tells "I'm safe" from "I'm not safe" by words it has seen; in
5-fold cross-validation it read "I'm not sure I'm safe tonight", "I can't say I'm safe",
"not feeling safe" and "in danger" as *safe* (confidence 0.5-0.9). A "safe" answer
closes the risk conversation, so here a typed answer counts as safe only when it says
so plainly and nothing in it says otherwise. Anything in between is "unclear", and the
patient is asked again with buttons. If unsure, never close.
"""
from __future__ import annotations

import re

SAFE = "safe"
NOT_SAFE = "not_safe"
UNCLEAR = "unclear"

# Safe, though they contain a "not": taken out before anything else is read.
_NEGATED_DANGER = re.compile(
    r"\b(not|no longer|ikke|ikkje) (in|i) (any )?(danger|fare)\b"
    r"|\b(i'?m|i am|im) (not|never) (gonna|going to) (do|hurt|harm)\b"
    r"|\bi (won'?t|will not|wont) (do|hurt|harm)\b"
    r"|\b(kommer|skal) ikke (til å )?(gjøre|skade)\b")
# Not safe, whatever else is said: a negation over "safe", danger, asking for help.
_NOT_SAFE = re.compile(
    r"(\b(not|never|hardly|barely|ikke|ikkje|kje|itte|ikkj|dont|cant|cannot|wont|isnt|doesnt|"
    r"didnt|aint)\b"
    r"|n't\b)[^.!?]{0,25}\b(safe|trygg|ok|okay|fine|"
    r"alright|all right|greit|bra)\b"
    r"|\b(unsafe|utrygg)\b|\b(in|i) (danger|fare)\b|\b(help|hjelp)\b"
    # not trusting oneself, asking to be called, doubting one can stay safe
    r"|\b(don'?t|do not|dont|can'?t|cant) trust myself\b|\bstoler ikke på meg selv\b"
    r"|\b(call me|ring meg|someone call|can someone)\b"
    r"|\b(don'?t|dont) know if i can (stay|keep|be)\b|\bvet ikke om jeg (klarer|greier|kan)\b"
    r"|\bbut (i'?m|im|i am) not\b|\bmen (jeg|eg) er (ikke|ikkje)\b|\bnot tonight\b")
# Said plainly.
_SAFE = re.compile(
    r"\b(i'?m|i am|im|i feel|feeling|jeg er|jeg føler meg|føler meg|eg er|eg e|æ e|æ er|"
    r"eg kjenner meg|jeg kjenner meg) (helt )?(safe|ok|okay|fine|alright|all right|trygg|good|"
    r"bra)\b"
    r"|^(yes|yeah|yep|yup|yh|ye|yea|yeh|ja|jada|jepp|jo|safe|trygg|helt trygg|ok|okay|fine)\b")
# "ok" alone may only acknowledge the question: not an answer that closes it.
_BARE_ACK = re.compile(r"^(ok|okay|k|kk|okei|oki)$")
# A no, or doubt that leans to no ("maybe not"): if unsure, escalate.
_NO = re.compile(r"^((honestly|tbh|to be honest|egentlig|ærlig talt|ærlig)[ ,]+)?"
                 r"(no|nope|nah|nei|neh|not really|not rly|not rlly|maybe not|probably not|"
                 r"not sure i am|i don'?t think so|dont think so|i'?m not sure i am|kanskje ikke|"
                 r"tror ikke det|trur ikkje det|trur ikke det|tror ikkje det|tror ikke jeg er|"
                 r"vet ikke om jeg er|ikke egentlig|egentlig ikke|neppe|ikkje egentleg)\b")
# Doubt: not a "safe" answer, not a clear "not safe" either.
_DOUBT = re.compile(r"\b(maybe|perhaps|kanskje|not sure|unsure|usikker|i guess|i think|sort of|"
                    r"kind of|don'?t know|dont know|vet ikke|scared|afraid|redd|but|men|"
                    r"yes and no|ja og nei|both|begge deler)\b|ish\b")


# A reply to the direct question "are you having thoughts of ending your life, or of
# harming yourself or someone else?" (asked when only the NLU model suspected risk).
# Anything short of a plain no counts as yes: if unsure, escalate.
YES = "yes"
NO = "no"
_CLARIFY_YES = re.compile(
    r"^(yes|yeah|yep|yup|ya|ja|jo|jepp|i am|i do|i have|i guess|sometimes|a bit|a little|"
    r"kind of|sort of|maybe|perhaps|probably|not sure|i don'?t know|idk|kanskje|av og til|"
    r"noen ganger|litt|vet ikke)\b")
_CLARIFY_NO = re.compile(r"^(no|nope|nah|nei|not at all|never|absolutely not|definitely not)\b"
                         r"(?![^.!?]*\b(but|men|sometimes|noen ganger)\b)")


_SOMETIMES = re.compile(r"\b(sometimes|occasionally|now and then|at times|noen ganger|"
                        r"av og til|iblant)\b")


def read_clarify_answer(text: str) -> str | None:
    """yes | no for a typed reply to the direct question; None: not an answer to it.
    "No, but sometimes" is a yes."""
    s = _norm(text)
    if _SOMETIMES.search(s):
        return YES
    yes, no = bool(_CLARIFY_YES.search(s)), bool(_CLARIFY_NO.search(s))
    if yes and not no:
        return YES
    return NO if no else None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").casefold().replace("’", "'")).strip(" .!")


def read_safety_answer(text: str) -> str:
    """safe | not_safe | unclear for a typed answer to "are you safe right now?"."""
    s = _norm(text)
    if not s:
        return UNCLEAR
    rest = _NEGATED_DANGER.sub(" ", s)
    if _NOT_SAFE.search(rest):
        return NOT_SAFE
    if _BARE_ACK.match(rest):
        return UNCLEAR
    safe = rest != s or bool(_SAFE.search(rest))
    no = bool(_NO.search(rest))
    if no and not safe:
        return NOT_SAFE
    if safe and not no and not _DOUBT.search(rest):
        return SAFE
    return UNCLEAR


def read_typed_safety(text: str, nlu_intent: str | None) -> str:
    """A typed answer to "are you safe right now?": the words decide, not the
    classifier alone. A plain reading wins; doubt never closes the risk conversation
    (asked again), and a classifier's "not safe" stands (if unsure, escalate)."""
    typed = read_safety_answer(text)
    if typed != UNCLEAR:
        return typed
    return NOT_SAFE if nlu_intent == "not_safe" else UNCLEAR

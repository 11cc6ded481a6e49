"""One decision for every message: crisis, ask, or none.

``decide(text, lang, context)`` is the only place that turns a patient's words into
what the bot does about risk. The Rasa pipeline component, the action server's
safety net, the check-in forms and ``python -m bot risk check`` all call it.

- **crisis**: the learned model is confident (score >= ``t_crisis``), or a
  deterministic rule fired and the model finds it plausible (score >= ``t_ask``).
  The calm crisis response and the urgent GP escalation follow. Rules are the
  floor: a rule hit is never ``none`` (they add, never veto), but a rule hit the
  model finds implausible is asked about instead of paging.
- **ask**: the model is unsure (``t_ask`` <= score < ``t_crisis``). The bot asks the
  direct, C-SSRS-style question; yes, or anything short of a plain no, escalates.
- **none**.

``context`` is the patient's few previous messages in this session that were not
themselves flagged; the model also reads the message together with them, so risk
spread over two messages ("I can't keep doing this" ... "I've got them all here
now") is noticed.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.safety.corpus import join_context
from bot.safety.detector import RiskResult, detect
from bot.safety.model import RiskModel, chunks, get_model
from bot.safety.rules_common import URGENCY

log = logging.getLogger(__name__)

CRISIS, ASK, NONE = "crisis", "ask", "none"
CONTEXT_MESSAGES = 2
# The most of one text a decision reads: the channels' cap on a message (Telegram's
# 4096). A longer text is the channel's to cut (bot/rasa/channels/inbound.py passes on
# the part of it that reads most like risk), so a decision's time is bounded whatever
# it is given: ~12 µs a character, ~50 ms at most on 2 cores.
MAX_DECISION_CHARS = 4096
EXPLAIN_FROM = 0.2  # a 'none' with a lower score carries no evidence
JUNK_MIN_CHARS = 200  # shorter messages are always read in full
JUNK_KNOWN_SHARE = 0.3  # below this share of known words a long message is junk


@dataclass(frozen=True)
class Decision:
    action: str
    category: str | None
    score: float
    evidence: list[str] = field(default_factory=list)
    source: str = ""  # "rules", "model" or "context"

    @property
    def risk(self) -> bool:
        return self.action != NONE

    @property
    def urgency(self) -> str | None:
        return URGENCY.get(self.category or "") if self.risk else None

    def to_dict(self) -> dict:
        return {"risk": self.risk, "action": self.action, "category": self.category,
                "score": round(self.score, 4), "evidence": list(self.evidence)}

    def as_result(self) -> RiskResult:
        """The record the safety service writes (risk event, escalation, audit)."""
        if not self.risk:
            return RiskResult(False, None, None, [], ())
        return RiskResult(True, self.category, self.urgency, list(self.evidence), ())


def is_junk(text: str, model: RiskModel | None = None) -> bool:
    """A long message of mostly unknown words (random letters, or a language the bot
    does not know): never enough on its own to page a GP."""
    if len(text) < JUNK_MIN_CHARS:
        return False
    try:
        m = model or get_model()
    except Exception:
        return False
    return m.known_share(text) < JUNK_KNOWN_SHARE


def decide(text: str, lang: str | None = None, context: Sequence[str] = (),
           model: RiskModel | None = None, rules_only: bool = False) -> Decision:
    """``rules_only``: the message is a plain answer to a scale question ("several
    days"), which the caller knows and the model cannot: only the rules read it."""
    if not isinstance(text, str):
        raise TypeError(f"decide() expects str, got {type(text).__name__}")
    text = text.lstrip()[:MAX_DECISION_CHARS]
    if not text.strip():
        return Decision(NONE, None, 0.0)
    context = [c.lstrip()[:MAX_DECISION_CHARS] for c in context if isinstance(c, str)]
    if rules_only:
        return _rules_alone(text, lang)
    try:
        m = model or get_model()
    except Exception as exc:
        log.error("risk model unavailable (%s): deciding on the rules alone", type(exc).__name__)
        return _rules_alone(text, lang, "risk model unavailable")
    # One pass over every reading: the message (a long one in windows of sentences)
    # and the message with the patient's previous messages.
    readings = chunks(text)
    n_own = len(readings)
    context = [c for c in context if isinstance(c, str) and c.strip()][-CONTEXT_MESSAGES:]
    if context:
        readings.append(join_context(context, text))
    best, score, x = m.read(readings)
    source = "context" if best >= n_own else "model"
    rules = detect(text, lang)
    if is_junk(text, m):
        # Random letters (or a language the bot does not know): nothing pages the GP
        # on it. A rule hit inside it is still noticed, by asking.
        if rules.risk:
            return Decision(ASK, rules.category, score, [*rules.evidence, "mostly unknown words"],
                            "rules")
        return Decision(NONE, None, score, ["mostly unknown words"], source)
    if not rules.risk and score < min(m.t_ask, EXPLAIN_FROM):
        return Decision(NONE, None, score, [], source)  # nothing to explain
    words = m.explain(readings[best], x=x)
    model_evidence = f"model {score:.2f}" + (": " + " ".join(f"'{w}'" for w in words) if words else "")
    if source == "context":
        model_evidence += " (read with the previous message)"
    if rules.risk:
        # The floor: a rule hit is always noticed. It pages the GP when the model
        # finds it at least plausible; else (a phrase rule in a news item, a service
        # question) the bot asks directly. Rules alone page at 0.88 precision on the
        # hard negatives (python -m bot risk model), below the 0.90 a page needs.
        action = CRISIS if score >= m.t_ask else ASK
        return Decision(action, rules.category, score, [*rules.evidence, model_evidence], "rules")
    if score < m.t_ask:
        return Decision(NONE, None, score, [model_evidence], source)
    action = CRISIS if score >= m.t_crisis else ASK
    return Decision(action, m.category(readings[best], x=x), score, [model_evidence], source)


def _rules_alone(text: str, lang: str | None, note: str | None = None) -> Decision:
    """The deterministic rules only (a plain scale answer, or no model to ask)."""
    rules = detect(text, lang)
    if rules.risk:
        return Decision(CRISIS, rules.category, 1.0, list(rules.evidence), "rules")
    return Decision(NONE, None, 0.0, [note] if note else [], "rules" if note else "")

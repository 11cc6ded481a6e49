"""Custom Rasa graph components.

RiskDetectorComponent runs the risk decision (``bot.safety.decision.decide``: the
learned model with the deterministic rules as a floor) on every typed message after
the intent classifier and the fallback classifier. When it says crisis or ask, it
replaces the intent with `risk_detected` at full confidence and keeps the decision
in the parse data under "risk" (``action`` tells the risk action which), so a rule
handles the message ahead of forms, module steps and the dialogue model. The
classifier's own `risk_detected` guess, without the decision, gives way to its
next intent.

StartCommandParser turns "/start CODE" (a Telegram deep link, or typed) into the
`start` intent with an `invite_code` entity.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.channels.commands import START_RE

RISK_INTENT = "risk_detected"
PAYLOAD_RE = re.compile(r"/\w+(?:\{.*\})?", re.S)  # "/intent" or "/intent{...}": a button


def _set_intent(message: Message, name: str) -> None:
    intent = {"name": name, "confidence": 1.0}
    ranking = [intent] + [
        r for r in (message.get("intent_ranking") or []) if r.get("name") != name
    ]
    message.set("intent", intent, add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StartCommandParser(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> StartCommandParser:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            m = START_RE.match(message.get("text") or "")
            if not m:
                continue
            _set_intent(message, "start")
            if m.group(1):
                text = message.get("text")
                entity = {"entity": "invite_code", "value": m.group(1), "start": m.start(1),
                          "end": m.end(1), "extractor": self.__class__.__name__,
                          "confidence_entity": 1.0}
                assert text is not None
                message.set("entities", [*(message.get("entities") or []), entity], add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RiskDetectorComponent(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RiskDetectorComponent:
        # Load the risk model when the server starts, not on the first message (inside
        # the event loop). If it cannot load, decide() runs on the rules and says so.
        from bot.safety.model import get_model

        try:
            get_model()
        except Exception:
            logging.getLogger(__name__).exception("the risk model could not be loaded")
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        # Imported here so that training the Rasa model does not build the risk model.
        from bot.checkins.parsing import is_plain_answer
        from bot.safety.decision import decide

        for message in messages:
            text = message.get("text") or ""
            if not text.strip() or PAYLOAD_RE.fullmatch(text.strip()):
                continue  # button payloads carry their own intent
            predicted = (message.get("intent") or {}).get("name")
            # A bare check-in answer ("several days") tells the model nothing about
            # risk; the rules still read it, and PHQ-9 item 9 has its own rule.
            plain = predicted in ("phq_answer", "mood_answer") and is_plain_answer(text)
            decision = decide(text, rules_only=plain)
            if decision.risk:
                data = decision.to_dict()
                data["urgency"] = decision.urgency
                data["nlu_intent"] = predicted
                message.set("risk", data, add_to_output=True)
                _set_intent(message, RISK_INTENT)
            elif predicted == RISK_INTENT:
                # The intent classifier alone is not a risk decision: it asked the
                # direct question on ordinary messages. Take its next guess instead.
                _demote(message, RISK_INTENT)
        return messages


def _demote(message: Message, name: str) -> None:
    ranking = [r for r in (message.get("intent_ranking") or []) if r.get("name") != name]
    intent = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 1.0}
    message.set("intent", intent, add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)

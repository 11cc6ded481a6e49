"""Custom Rasa graph components (the only Rasa imports outside bot/channels).

RiskDetectorComponent runs the deterministic detector on every message after the
intent classifier and the fallback classifier. When it fires, it replaces the
intent with `risk_detected` at full confidence and keeps the evidence in the parse
data under "risk", so a rule handles the message ahead of forms, module steps and
the dialogue model.

StartCommandParser turns "/start CODE" (a Telegram deep link, or typed) into the
`start` intent with an `invite_code` entity.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

RISK_INTENT = "risk_detected"
START_RE = re.compile(r"^\s*/start(?:@\w+)?(?:\s+(\S+))?\s*$", re.I)


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
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        from bot.safety import detect  # imported here so training does not need it

        for message in messages:
            text = message.get("text") or ""
            if not text.strip():
                continue
            result = detect(text)
            if result.risk:
                predicted = (message.get("intent") or {}).get("name")
                data = result.to_dict()
                data["nlu_intent"] = predicted
                message.set("risk", data, add_to_output=True)
                _set_intent(message, RISK_INTENT)
        return messages

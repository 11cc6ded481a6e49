"""Channel-neutral replies: text, buttons, an image. Channels render them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str | None = None
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    image: str | None = None
    custom: dict[str, Any] | None = None


def intent_payload(intent: str, **entities: Any) -> str:
    """A button payload Rasa parses without NLU, e.g. /choose{"choice":"a"}."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}"

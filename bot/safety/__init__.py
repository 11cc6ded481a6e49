"""Safety: deterministic risk detection and crisis resources.

``detect(text)`` flags suicide/self-harm/violence risk in English and Norwegian
patient messages; ``resources_for(country, lang)`` returns the crisis contacts to
show when it does.
"""

from bot.content.crisis import (
    Resource,
    format_resources,
    load_crisis_resources,
    resources_for,
)
from bot.safety.detector import CATEGORIES, RiskMatch, RiskResult, detect, normalise

__all__ = [
    "CATEGORIES",
    "Resource",
    "RiskMatch",
    "RiskResult",
    "detect",
    "format_resources",
    "load_crisis_resources",
    "normalise",
    "resources_for",
]

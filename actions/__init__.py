"""Thin rasa-sdk actions: read the tracker, call a service in bot/, return events.

The action server imports every submodule of this package.
"""

import logging as _logging

try:  # load the risk model when the action server starts, not on the first message
    from bot.safety.model import get_model as _get_model

    _get_model()
except Exception:
    _logging.getLogger(__name__).exception("the risk model could not be loaded")

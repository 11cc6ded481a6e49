"""Who an audit entry names, without naming anyone a patient's erasure must remove.

The audit log is append-only and hash-chained, so nothing in it can be taken out
later: it must not hold what identifies a patient outside this database. A patient is
named by their row (``patient#12``: after an erasure that row is a tombstone whose
reference is gone), and a chat not (yet) linked to a patient by a keyed hash of its id
(``telegram:~3f9a…``): the same chat gets the same name, so failed tries can be
counted per chat, but the chat id cannot be read back from the log, and once the
patient is erased nothing in the log leads to them.
"""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _key() -> bytes:
    from bot.core.settings import load_settings

    return ("audit-actor:" + load_settings().secret_key).encode()


def patient_actor(patient: Any) -> str:
    return f"patient#{patient.id}"


def pseudonym(value: str) -> str:
    """A keyed hash of an identifier: the same value gets the same pseudonym, and the
    value cannot be read back from it."""
    return hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()[:20]


def sender_actor(channel: str, sender_id: str | int) -> str:
    return f"{channel}:~{pseudonym(f'{channel}:{sender_id}')}"[:100]

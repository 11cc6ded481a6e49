"""Signed, expiring links for GPs (brief, acknowledge, record a follow-up) and signed
Telegram callback data. The link itself is the credential, so it names one escalation
and one action, and it expires.

``secret`` is one key or the installation's keys, the current one first
(``settings.secret_keys``): the current key signs, every key verifies, so links and
buttons made before a key rotation work until they expire."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ACTIONS = ("brief", "ack", "followup")
MAX_AGE_SECONDS = {"brief": 14 * 86400, "ack": 14 * 86400, "followup": 60 * 86400}


class LinkError(ValueError):
    """A link that is malformed, tampered with, for another action, or expired."""


@dataclass(frozen=True)
class LinkClaim:
    escalation_id: int
    action: str
    recipient: str


Keys = str | Sequence[str]


def _keys(secret: Keys) -> list[str]:
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys or not all(keys):
        raise ValueError("no signing key")
    return keys


def _serializer(secret: Keys) -> URLSafeTimedSerializer:
    # itsdangerous takes the keys oldest first and signs with the last one.
    return URLSafeTimedSerializer(list(reversed(_keys(secret))), salt="gp-link-v1")


def make_token(secret: Keys, escalation_id: int, action: str, recipient: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown link action {action!r}")
    return str(_serializer(secret).dumps({"e": escalation_id, "a": action, "r": recipient}))


def read_token(secret: Keys, token: str, action: str) -> LinkClaim:
    try:
        data = _serializer(secret).loads(token, max_age=MAX_AGE_SECONDS[action])
    except SignatureExpired as exc:
        raise LinkError(
            "this link has expired; ask for the escalation to be re-sent "
            "or use 'python -m bot briefs show'"
        ) from exc
    except BadSignature as exc:
        raise LinkError("this link is not valid") from exc
    if not isinstance(data, dict) or data.get("a") != action or not isinstance(data.get("e"), int):
        raise LinkError("this link is not valid for this page")
    return LinkClaim(escalation_id=int(data["e"]), action=action, recipient=str(data.get("r", "")))


def link(base_url: str, secret: Keys, escalation_id: int, action: str, recipient: str) -> str:
    return f"{base_url.rstrip('/')}/{action}/{make_token(secret, escalation_id, action, recipient)}"


def _callback_sig(secret: str, escalation_id: int) -> str:
    mac = hmac.new(secret.encode(), f"ack:{escalation_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:20]


def ack_callback_data(secret: Keys, escalation_id: int) -> str:
    """Telegram callback data (at most 64 bytes): ack:<id>:<signature>."""
    return f"ack:{escalation_id}:{_callback_sig(_keys(secret)[0], escalation_id)}"


def read_ack_callback(secret: Keys, data: str) -> int:
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "ack" or not parts[1].isdigit():
        raise LinkError("not an acknowledgement button")
    esc_id = int(parts[1])
    # Every key is tried (no early exit), so the time taken does not tell which matched.
    matches = [hmac.compare_digest(parts[2], _callback_sig(key, esc_id)) for key in _keys(secret)]
    if not any(matches):
        raise LinkError("this button is not valid")
    return esc_id

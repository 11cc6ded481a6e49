"""Signed, expiring links for GPs (brief, acknowledge, record a follow-up) and signed
Telegram callback data. The link itself is the credential, so it names one escalation
and one action, and it expires."""

from __future__ import annotations

import hashlib
import hmac
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


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="gp-link-v1")


def make_token(secret: str, escalation_id: int, action: str, recipient: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown link action {action!r}")
    return str(_serializer(secret).dumps({"e": escalation_id, "a": action, "r": recipient}))


def read_token(secret: str, token: str, action: str) -> LinkClaim:
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


def link(base_url: str, secret: str, escalation_id: int, action: str, recipient: str) -> str:
    return f"{base_url.rstrip('/')}/{action}/{make_token(secret, escalation_id, action, recipient)}"


def _callback_sig(secret: str, escalation_id: int) -> str:
    mac = hmac.new(secret.encode(), f"ack:{escalation_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:20]


def ack_callback_data(secret: str, escalation_id: int) -> str:
    """Telegram callback data (at most 64 bytes): ack:<id>:<signature>."""
    return f"ack:{escalation_id}:{_callback_sig(secret, escalation_id)}"


def read_ack_callback(secret: str, data: str) -> int:
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "ack" or not parts[1].isdigit():
        raise LinkError("not an acknowledgement button")
    esc_id = int(parts[1])
    if not hmac.compare_digest(parts[2], _callback_sig(secret, esc_id)):
        raise LinkError("this button is not valid")
    return esc_id

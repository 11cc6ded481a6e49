"""PRODUCTION=true: the REST channel, through which anyone who can reach Rasa could
speak as any sender id, is off (404), while the rest of Rasa runs.

Production refuses http:// URLs for the public addresses and a missing SECRET_KEY
(bot/core/settings.py), so the stack gets https:// URLs that nothing here contacts and
a random key; everything still listens on 127.0.0.1.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.stack import Stack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PRODUCTION_ENV = {
    "PRODUCTION": "true",
    "SECRET_KEY": secrets.token_urlsafe(32),
    "PUBLIC_BASE_URL": "https://chat.practice.example",
    "GP_WEB_URL": "https://gp.practice.example",
    "RASA_PUBLIC_URL": "https://rasa.practice.example",
    "CORS_ORIGINS": "https://chat.practice.example",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from bot.core.settings import load_settings

    load_settings({**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///x.db"})  # accepted as production
    with running_stack(tmp_path_factory, "production", extra_env=PRODUCTION_ENV) as s:
        yield s


def test_the_rest_channel_is_off_in_production(stack: Stack) -> None:
    for method, path in (("POST", "/webhooks/rest/webhook"), ("GET", "/webhooks/rest/"),
                         ("GET", "/webhooks/rest/webhook")):
        r = requests.request(method, stack.rasa_url + path, timeout=30,
                             json={"sender": "anyone", "message": "/start ABCD-EFGH"})
        assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
        assert "recipient_id" not in r.text
    # Control: the same Rasa is up and answers its API with the token; the socket.io
    # channel the chat page uses is there.
    assert requests.get(stack.api("/status"), timeout=30).status_code == 200
    r = requests.get(f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling", timeout=30)
    assert r.status_code == 200 and r.text.startswith("0{"), r.text[:100]
    r = requests.get(stack.api("/conversations/anyone/tracker"), timeout=30)
    assert r.status_code == 200 and not [e for e in r.json()["events"] if e.get("event") == "user"]

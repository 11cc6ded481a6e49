"""Nothing secret reaches a log: bot tokens, token query values, invite codes."""
from __future__ import annotations

import logging
import warnings

import pytest

from bot.core import logs
from bot.rasa.channels.inbound import as_payload

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_redact() -> None:
    assert TOKEN not in logs.redact(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates")
    assert logs.redact("GET /status?token=abc&x=1") == "GET /status?token=[redacted]&x=1"
    assert logs.redact("nothing to hide") == "nothing to hide"


def test_http_client_urls_and_tracebacks_are_kept_out(caplog: pytest.LogCaptureFixture) -> None:
    logs.protect()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/x", TOKEN)
    logging.getLogger("bot.somewhere").warning("calling %s failed", f"/bot{TOKEN}/sendMessage")
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        logging.getLogger("bot.somewhere").exception("Telegram is down")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert TOKEN not in text
    assert "calling /bot[redacted]/sendMessage failed" in caplog.text
    assert not any(r.name == "httpx" for r in caplog.records)


def test_rasa_does_not_quote_an_invite_code_into_its_log() -> None:
    logs.protect()
    assert as_payload("/start ABCD-EFGH") == '/start{"invite_code": "ABCD-EFGH"}'
    assert as_payload("/start@MyBot ABCD-EFGH ") == '/start{"invite_code": "ABCD-EFGH"}'
    assert as_payload("/start") == "/start" and as_payload("hello") == "hello"
    # The menu commands mean on the web and over REST what they mean on Telegram.
    assert as_payload("/checkin") == "/log_mood" and as_payload("/nonexistent") == "/nonexistent"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        logs.protect.__globals__["_installed"] = False  # re-install after simplefilter
        logs.protect()
        warnings.warn("Failed to parse arguments in line '/start ABCD-EFGH'.", UserWarning,
                      stacklevel=1)
    assert seen == []

"""Logging for every process of the product: one format, and nothing secret in it.

* HTTP client libraries log each request's URL at INFO; python-telegram-bot's URLs
  carry the bot token (``/bot123456:ABC.../getUpdates``). They log at WARNING here.
* Whatever still gets through is redacted on the way in: Telegram bot tokens and
  ``token=``/``secret=`` query values become ``[redacted]``.
* Rasa's warning for a ``/word ...`` line it cannot parse quotes the line, which for
  ``/start CODE`` is an invite code; it is not shown.

Message text is never logged by the product's own code (reviewed by the tests that
grep the logs); this module guards the libraries' side.
"""
from __future__ import annotations

import logging
import re
import warnings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
_QUERY_SECRET = re.compile(r"([?&](?:token|secret|code)=)[^&\s'\"]+", re.I)
_QUIET = ("httpx", "httpcore", "telegram.ext", "urllib3")
_installed = False
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    return _QUERY_SECRET.sub(r"\1[redacted]", _BOT_TOKEN.sub("[redacted]", text))


def protect() -> None:
    """Installs the redaction and quiets the HTTP clients (idempotent; safe to call
    in a process whose logging someone else configured, such as Rasa's)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            # Tracebacks of HTTP errors quote the URL: render now, redacted.
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    warnings.filterwarnings("ignore", message=r"Failed to parse arguments in line")


def configure(level: str | int = "INFO") -> None:
    logging.basicConfig(level=level, format=FORMAT)
    protect()

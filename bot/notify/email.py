"""E-mail over SMTP (plain, STARTTLS or SSL, with optional login).

Each message carries a Message-ID derived from the notification's idempotency key, so
a message re-sent after a crash is recognisably the same message. One connection is
kept open for a batch and closed by `close()`; the worker records "sent" right after
the server's 250 reply to the message data, which keeps the window in which a crash
can cause a resend to a few milliseconds.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from bot.core.settings import Settings
from bot.escalation.compose import OutgoingMessage
from bot.notify import DeliveryError


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = message.recipient
    msg["Subject"] = message.subject
    msg["Message-ID"] = message.message_id(domain)
    msg["Date"] = formatdate(localtime=False)
    msg["X-Idempotency-Key"] = message.idempotency_key
    if message.urgency == "urgent":
        msg["Importance"] = "high"
        msg["X-Priority"] = "1"
    msg.set_content(message.text)
    return msg


class SmtpNotifier:
    def __init__(
        self, settings: Settings, timeout: float = 20.0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.smtp_security == "ssl":
            conn = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
            if s.smtp_security == "starttls":
                conn.starttls(context=self.ssl_context)
        conn.ehlo_or_helo_if_needed()
        if s.smtp_user:
            conn.login(s.smtp_user, s.smtp_password)
        return conn

    def _send_sync(self, message: OutgoingMessage) -> None:
        msg = build_email(message, self.settings.smtp_from)
        for fresh in (False, True):
            try:
                if self._conn is None or fresh:
                    self._drop()
                    self._conn = self._connect()
                    fresh = True
                refused = self._conn.send_message(msg)
                if refused:
                    raise DeliveryError(f"recipient refused: {refused}", permanent=True)
                return
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if fresh:
                    raise DeliveryError(f"SMTP server disconnected: {exc}") from exc
                # A kept-open connection went stale before the message: reconnect once.
            except smtplib.SMTPRecipientsRefused as exc:
                permanent = all(code >= 500 for code, _ in exc.recipients.values())
                raise DeliveryError(
                    f"recipient refused: {exc.recipients}", permanent=permanent
                ) from exc
            except smtplib.SMTPAuthenticationError as exc:
                self._drop()
                raise DeliveryError(
                    f"SMTP login failed ({exc.smtp_code}); check SMTP_USER and SMTP_PASSWORD"
                ) from exc
            except smtplib.SMTPResponseException as exc:
                self._drop()
                raise DeliveryError(f"SMTP error {exc.smtp_code}: {exc.smtp_error!r}") from exc
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}") from exc

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()

    async def send(self, message: OutgoingMessage) -> None:
        await asyncio.to_thread(self._send_sync, message)

    async def close(self) -> None:
        await asyncio.to_thread(self._drop)


class MailDropNotifier:
    """No SMTP server configured: each e-mail is written to a folder as an .eml file
    (one file per notification; a resend overwrites it). Nothing leaves the machine."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def _write(self, message: OutgoingMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message.message_id("x").strip("<>").split("@")[0]
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(bytes(build_email(message, self.sender)))
        tmp.replace(self.folder / f"{name}.eml")

    async def send(self, message: OutgoingMessage) -> None:
        await asyncio.to_thread(self._write, message)

    async def close(self) -> None:
        return None

"""Notifiers against real local servers: SMTP with STARTTLS, SSL and login (aiosmtpd
with a self-signed certificate), and Telegram through python-telegram-bot pointed at a
local fake of the Bot API."""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from bot.app import Services
from bot.core.clock import FrozenClock
from bot.core.settings import load_settings
from bot.db.tables import Notification
from bot.escalation.compose import OutgoingMessage
from bot.escalation.links import read_ack_callback
from bot.escalation.outbox import EscalationRequest, escalate
from bot.notify import DeliveryError
from bot.notify.console import ConsoleNotifier
from bot.notify.email import MailDropNotifier, SmtpNotifier
from bot.notify.telegram import TelegramNotifier
from bot.processes.worker import Worker, build_notifiers
from tests.test_escalation_support import (
    FakeTelegram,
    RecordingHandler,
    get_gp,
    get_patient,
    make_patient,
    self_signed_cert,
    start_smtp,
)

TOKEN = "123456:TESTtokenTESTtokenTESTtoken"
MSG = OutgoingMessage(
    1,
    "esc1:email:ada@example.org:initial",
    "email",
    "ada@example.org",
    "[URGENT] P-ABC: risk reported",
    "Dr Ada Berg,\n\nsee the brief",
    "urgent",
)


def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"alerts"
        and auth_data.password == b"s3cret"
    )
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


def client_ctx(certfile: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certfile))


def settings(**kw: object):  # type: ignore[no-untyped-def]
    return dataclasses.replace(load_settings({}), smtp_from="alerts@practice.example", **kw)


async def test_starttls_with_login(cert: tuple[Path, Path]) -> None:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*cert)
    handler = RecordingHandler()
    controller = start_smtp(
        handler,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    try:
        s = settings(
            smtp_host="127.0.0.1",
            smtp_port=controller.port,
            smtp_security="starttls",
            smtp_user="alerts",
            smtp_password="s3cret",
        )
        notifier = SmtpNotifier(s, ssl_context=client_ctx(cert[0]))
        await notifier.send(MSG)
        await notifier.close()
        assert handler.received[0].rcpt == ["ada@example.org"]
        wrong = SmtpNotifier(
            dataclasses.replace(s, smtp_password="nope"), timeout=3, ssl_context=client_ctx(cert[0])
        )
        with pytest.raises(DeliveryError):
            await wrong.send(MSG)
        plain = SmtpNotifier(dataclasses.replace(s, smtp_security="plain", smtp_user=""))
        with pytest.raises(DeliveryError):  # the server insists on STARTTLS
            await plain.send(MSG)
    finally:
        controller.stop()


async def test_implicit_ssl(cert: tuple[Path, Path]) -> None:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*cert)
    handler = RecordingHandler()
    controller = start_smtp(
        handler,
        ssl_context=server_ctx,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    try:
        s = settings(
            smtp_host="127.0.0.1",
            smtp_port=controller.port,
            smtp_security="ssl",
            smtp_user="alerts",
            smtp_password="s3cret",
        )
        notifier = SmtpNotifier(s, ssl_context=client_ctx(cert[0]))
        await notifier.send(MSG)
        await notifier.send(dataclasses.replace(MSG, idempotency_key="k2"))  # same connection
        await notifier.close()
        assert len(handler.inbox()) == 2
        # An untrusted certificate is refused, not silently accepted.
        with pytest.raises(DeliveryError, match=r"SSL|certificate"):
            await SmtpNotifier(s).send(MSG)
    finally:
        controller.stop()


async def test_mail_drop_when_no_smtp_server(tmp_path: Path) -> None:
    notifier = MailDropNotifier(tmp_path / "mail", "alerts@localhost")
    await notifier.send(MSG)
    await notifier.send(MSG)  # a resend overwrites the same file
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    assert b"Message-ID: <" in eml.read_bytes()


def test_embedded_defaults_need_nothing_configured(services: Services) -> None:
    notifiers = build_notifiers(services)
    assert isinstance(notifiers["console"], ConsoleNotifier)
    assert isinstance(notifiers["email"], MailDropNotifier)
    assert "telegram" not in notifiers


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    try:
        yield fake
    finally:
        fake.stop()


async def test_telegram_notification_with_signed_ack_button(
    services: Services, telegram: FakeTelegram, clock: FrozenClock
) -> None:
    patient_id, gp_id = make_patient(services, channels="telegram")
    with services.db.session() as s:
        get_gp(s, gp_id).telegram_chat_id = "4242"
    with services.db.session() as s:
        esc = escalate(
            s,
            get_patient(s, patient_id),
            EscalationRequest(
                kind="risk",
                urgency="urgent",
                summary="Risk: active ideation",
                details={},
                idempotency_key="risk:tg",
            ),
            clock.now(),
        )
        esc_id = esc.id
    services.settings = dataclasses.replace(
        services.settings, telegram_token=TOKEN, telegram_api_base_url=telegram.base_url
    )
    worker = Worker(
        services,
        notifiers={
            "console": ConsoleNotifier(),
            "telegram": TelegramNotifier(TOKEN, telegram.base_url),
        },
    )
    telegram.fail_next = 1  # one 429 first: retried later
    await worker.tick()
    assert telegram.sent == []
    clock.advance(timedelta(seconds=5))
    await worker.tick()
    [sent] = telegram.sent
    assert str(sent["chat_id"]) == "4242"
    assert "[URGENT]" in sent["text"]
    assert "active ideation" not in sent["text"]
    assert "/brief/" in sent["text"]
    buttons = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    ack = [b for b in buttons if b.get("callback_data", "").startswith("ack:")]
    assert read_ack_callback(services.settings.secret_key, ack[0]["callback_data"]) == esc_id
    # Local links are not sent as URL buttons (Telegram refuses them); they are in the text.
    assert not any("url" in b for b in buttons)
    with services.db.session() as s:
        n = s.execute(select(Notification).where(Notification.channel == "telegram")).scalar_one()
        assert (n.status, n.attempts) == ("sent", 2)


async def test_telegram_wrong_token_is_an_error(telegram: FakeTelegram) -> None:
    notifier = TelegramNotifier("999:WRONGtokenWRONGtokenWRONG", telegram.base_url)
    with pytest.raises(DeliveryError):
        await notifier.send(dataclasses.replace(MSG, channel="telegram", recipient="1"))

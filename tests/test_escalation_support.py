"""Shared helpers for the escalation tests (no tests here): a real aiosmtpd server on
localhost that records what it accepts, a self-signed certificate, a local fake of the
Telegram Bot API, and a patient with a GP."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

from bot.app import Services
from bot.db.tables import Gp, Patient
from bot.enrolment.service import add_gp, invite_patient
from tests.ports import free_port


@dataclass
class Received:
    message_id: str
    rcpt: list[str]
    subject: str
    body: str
    key: str
    at: float


@dataclass
class RecordingHandler:
    """Accepts mail and records it; `refuse` answers 451 (try later); `delay` slows DATA."""

    received: list[Received] = field(default_factory=list)
    refuse: bool = False
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return "451 4.3.0 temporarily refusing mail, try again later"
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        body = msg.get_body(("plain",))
        with self.lock:
            self.received.append(
                Received(
                    message_id=str(msg["Message-ID"]),
                    rcpt=list(envelope.rcpt_tos),
                    subject=str(msg["Subject"]),
                    body=body.get_content() if body else "",
                    key=str(msg["X-Idempotency-Key"]),
                    at=time.monotonic(),
                )
            )
        return "250 Message accepted for delivery"

    def inbox(self) -> dict[str, Received]:
        """What a GP's mail client shows after de-duplicating on Message-ID."""
        with self.lock:
            return {r.message_id: r for r in self.received}


def start_smtp(handler: RecordingHandler, port: int | None = None, **kwargs: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **kwargs)
    controller.start()
    return controller


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


class FakeTelegram:
    """A local stand-in for https://api.telegram.org/bot<token>/<method>, answering
    getMe and sendMessage in the Bot API's documented JSON shapes."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.sent: list[dict[str, Any]] = []
        self.port = free_port()
        self.fail_next = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        if method == "getMe":
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "id": 12345,
                        "is_bot": True,
                        "first_name": "Practice bot",
                        "username": "PracticeTestBot",
                        "can_join_groups": False,
                        "can_read_all_group_messages": False,
                        "supports_inline_queries": False,
                    },
                }
            )
        if method == "sendMessage":
            if self.fail_next > 0:
                self.fail_next -= 1
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                params["reply_markup"] = json.loads(markup)
            self.sent.append(params)
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "message_id": len(self.sent),
                        "date": int(time.time()),
                        "chat": {
                            "id": int(params["chat_id"]),
                            "type": "private",
                            "first_name": "GP",
                        },
                        "from": {"id": 12345, "is_bot": True, "first_name": "Practice bot"},
                        "text": params.get("text", ""),
                    },
                }
            )
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    def start(self) -> FakeTelegram:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


def make_patient(
    services: Services,
    channels: str = "console,email",
    email_addr: str = "ada@example.org",
    share_workbook: bool = True,
) -> tuple[int, int]:
    """A consented patient of a GP at 'Fjord Practice'; returns (patient id, GP id)."""
    now = services.clock.now()
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", email_addr, "Fjord Practice", now, language="en")
        gp.notify_channels = channels
        invite = invite_patient(s, gp, now, 14)
        patient = invite.patient
        patient.status, patient.consented_at, patient.linked_at = "consented", now, now
        patient.share_workbook = share_workbook
        patient.last_active_at = now
        s.flush()
        return patient.id, gp.id


def get_patient(session: Any, patient_id: int) -> Patient:
    p = session.get(Patient, patient_id)
    assert p is not None
    return p


def get_gp(session: Any, gp_id: int) -> Gp:
    g = session.get(Gp, gp_id)
    assert g is not None
    return g

"""The example reverse proxy, deploy/nginx/gp-cbt.conf, in front of the real stack.

The file an operator installs is rendered with this test's ports, certificate and log
folder (each substitution must match, so the example cannot drift from what is tested),
and run by Debian's nginx as the current user (``-p <tmp> -c <conf>``, not the system
service) in front of the real Rasa server (PRODUCTION=true, Telegram in webhook mode
against tests/fake_telegram.py), the real action server and the real chat page.

Over HTTPS (a throwaway CA and certificate for ``localhost``, verified): the chat page
and its files load, with one Content-Security-Policy, the page's own; socket.io
handshakes over polling and a conversation runs over a websocket; Telegram's webhook
needs the secret-token header; Rasa's HTTP API, the REST channel, the action server and
the GP pages are 404 from nginx itself, with or without tricks in the path or the token;
plain HTTP redirects; large bodies get 413 and floods 429; the access log holds no
invite code.

nginx comes from scripts/ensure_nginx.sh (run by scripts/test.sh). Without nginx this
test fails, unless GP_CBT_SKIP_NGINX_TEST=1 says to leave it out.
"""
from __future__ import annotations

import asyncio
import http.client
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from bot.core.settings import REPO_ROOT
from bot.db.migrate import upgrade
from tests.e2e.stack import Stack, free_port
from tests.fake_telegram import TOKEN, FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONF = REPO_ROOT / "deploy" / "nginx" / "gp-cbt.conf"
HOST = "localhost"
SECRET = "proxy-test-webhook-secret-" + "x" * 8
SKIP_VAR = "GP_CBT_SKIP_NGINX_TEST"
NGINX_404 = "<center>nginx</center>"  # nginx's own error page, without a version
STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def nginx_binary() -> str:
    for candidate in (os.environ.get("NGINX_PATH"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get(SKIP_VAR) == "1":
        pytest.skip(f"nginx is not installed and {SKIP_VAR}=1")
    pytest.fail("nginx is not installed, so the example reverse proxy cannot be tested: run "
                "scripts/ensure_nginx.sh (apt-get install nginx-light, as root), set "
                f"NGINX_PATH, or set {SKIP_VAR}=1 to leave this test out", pytrace=False)


# ---------------------------------------------------------------- rendering the example

def render(text: str, https_port: int, http_port: int, rasa_port: int, web_port: int,
           cert: Path, key: Path, folder: Path) -> str:
    """The example with this test's values. Every placeholder must be found, so a
    change to the example that this test no longer covers fails here."""
    live = "/etc/letsencrypt/live/chat.practice.example"
    substitutions = [
        (f"{live}/fullchain.pem", str(cert)),
        (f"{live}/privkey.pem", str(key)),
        ("listen [::]:443 ssl http2;", ""),  # loopback only in a test
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:80;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("server 127.0.0.1:5005;", f"server 127.0.0.1:{rasa_port};"),
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{web_port};"),
        ("/var/log/nginx/", f"{folder}/"),
        ("/var/www/letsencrypt", str(folder / "acme")),
        ("chat.practice.example", HOST),
    ]
    for old, new in substitutions:
        assert old in text, f"{CONF.name} no longer contains {old!r}; update this test"
        text = text.replace(old, new)
    return text


def main_conf(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf sets around a site (its weak ssl_protocols
    included, which the site must override), with every path in ``folder``."""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    temps = "\n".join(f"    {kind}_temp_path {folder / kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root, nginx's workers would switch to "nobody", who cannot reach the temp
    # folders; the test runs everything as the current user.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""{user}
worker_processes 1;
events {{ worker_connections 512; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {mime}
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {folder / 'access.log'};
    gzip on;
{temps}
    include {site};
}}
"""


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) for ``localhost``."""
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:  # a self-signed CA certificate that is its own server certificate
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-keyout", str(key_path), "-out", str(cert_path), "-subj",
                        f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"],
                       check=True, capture_output=True)
        shutil.copy(cert_path, ca_path)
        return ca_path, cert_path, key_path
    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gp-cbt proxy test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


# ---------------------------------------------------------------- the running site

@dataclass
class Site:
    stack: Stack
    fake: FakeTelegram
    folder: Path
    ca: Path
    https_port: int
    http_port: int
    web_port: int

    @property
    def base(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.base + path, verify=str(self.ca), timeout=15,
                            allow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return requests.post(self.base + path, verify=str(self.ca), timeout=15,
                             allow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def raw(self, method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> tuple[int, str]:
        """A request with the path sent exactly as given (requests would tidy it)."""
        conn = http.client.HTTPSConnection(HOST, self.https_port, context=self.tls(), timeout=15)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()


def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nginx did not listen on {port} in {timeout}s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    nginx = nginx_binary()
    folder: Path = tmp_path_factory.mktemp("proxy")
    url = f"sqlite:///{folder / 'bot.db'}"
    upgrade(url)
    https_port, http_port, web_port = free_port(), free_port(), free_port()
    public = f"https://{HOST}:{https_port}"
    with FakeTelegram() as fake:
        # The settings docs/deployment.md gives for this deployment.
        stack = Stack(workdir=folder, database_url=url, rasa_port=free_port(),
                      action_port=free_port(), extra_env={
                          "PRODUCTION": "true", "SECRET_KEY": secrets.token_urlsafe(32),
                          "PUBLIC_BASE_URL": public, "GP_WEB_URL": public,
                          "RASA_PUBLIC_URL": public, "CORS_ORIGINS": public,
                          "WEB_PORT": str(web_port), "TELEGRAM_TOKEN": TOKEN,
                          "TELEGRAM_API_BASE_URL": fake.base_url,
                          "TELEGRAM_WEBHOOK_URL": f"{public}/webhooks/telegram/webhook",
                          "TELEGRAM_WEBHOOK_SECRET": SECRET})
        stack.start()
        proc: subprocess.Popen | None = None
        try:
            stack.spawn("web", [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1"])
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{web_port}/health", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, (folder / "web.log").read_text()[-3000:]
                time.sleep(0.3)
            ca, cert, key = make_certificates(folder)
            (folder / "acme").mkdir()
            site_conf = folder / "gp-cbt.conf"
            site_conf.write_text(render(CONF.read_text(), https_port, http_port, stack.rasa_port,
                                        web_port, cert, key, folder))
            main = folder / "nginx.conf"
            main.write_text(main_conf(folder, site_conf))
            log = folder / "error.log"
            args = [nginx, "-e", str(log), "-p", f"{folder}/", "-c", str(main), "-g",
                    f"daemon off; pid {folder / 'nginx.pid'}; error_log {log} info;"]
            check = subprocess.run([*args, "-t"], capture_output=True, text=True)
            assert check.returncode == 0, f"nginx -t refused the example:\n{check.stderr}"
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            wait_port(https_port, proc, log)
            wait_port(http_port, proc, log)
            fake.wait_for(lambda: fake.webhook, timeout=30)  # the bot registered its webhook
            yield Site(stack, fake, folder, ca, https_port, http_port, web_port)
        finally:
            if proc is not None and proc.poll() is None:
                proc.terminate()  # SIGTERM: nginx's fast shutdown
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            stack.stop()


# ---------------------------------------------------------------- what is public

def test_the_chat_page_loads_over_https_with_one_policy_the_pages_own(site: Site) -> None:
    from bot.web.chat_page import security_headers

    r = site.get("/?code=ABCD-EFGH")
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].startswith("text/html")
    assert f'"socketUrl": "{site.base}"' in r.text  # the widget connects through here
    assert r.headers["Server"] == "nginx"  # server_tokens off: no version
    assert r.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    raw = r.raw.headers
    assert raw.getlist("Content-Security-Policy") == [
        security_headers(site.base)["Content-Security-Policy"]]
    assert raw.getlist("X-Content-Type-Options") == ["nosniff"]
    assert raw.getlist("Referrer-Policy") == ["no-referrer"]
    assert "X-Frame-Options" not in r.headers  # practices may embed the page

    css = site.get("/static/chat.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Content-Security-Policy"] == STRICT_CSP
    assert site.get("/static/chat.js").status_code == 200
    linked = site.get(f"/linked?session={'0' * 32}")
    assert linked.status_code == 200 and linked.json() == {"linked": False}
    assert site.get("/favicon.ico").status_code == 204
    bundle = site.get("/vendor/rasa-webchat.js")  # 503 from the page if npm ci was not run
    assert bundle.status_code in (200, 503) and NGINX_404 not in bundle.text
    assert site.post("/", data="x").status_code == 403  # the page is GET only

    access = (site.folder / "gp-cbt.access.log").read_text()
    assert '"GET / HTTP/' in access and '"GET /linked HTTP/' in access
    assert "ABCD-EFGH" not in access and "session=" not in access, access


def test_socketio_handshakes_over_polling(site: Site) -> None:
    with requests.Session() as http:
        r = http.get(site.base + "/socket.io/?EIO=4&transport=polling", verify=str(site.ca),
                     timeout=15)
        assert r.status_code == 200, r.text
        assert r.text.startswith("0"), r.text
        handshake = json.loads(r.text[1:])
        assert "websocket" in handshake["upgrades"]
        sid = handshake["sid"]
        poll = f"{site.base}/socket.io/?EIO=4&transport=polling&sid={sid}"
        assert http.post(poll, data="40", verify=str(site.ca), timeout=15).text.lower() == "ok"
        connected = http.get(poll, verify=str(site.ca), timeout=15)
        assert connected.text.startswith("40{"), connected.text


def test_a_conversation_over_a_websocket_through_the_proxy(site: Site) -> None:
    """socket.io spoken by hand over a websocket (python-socketio's client needs a newer
    aiohttp than Rasa pins): open, connect, session, a message, the bot's reply."""
    import websockets

    async def talk() -> dict[str, object]:
        url = f"wss://{HOST}:{site.https_port}/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(url, ssl=site.tls(), open_timeout=15) as ws:

            async def receive(prefix: str) -> str:
                while True:
                    frame = str(await asyncio.wait_for(ws.recv(), 60))
                    if frame == "2":  # engine.io ping
                        await ws.send("3")
                    elif frame.startswith(prefix):
                        return frame[len(prefix):]

            assert "sid" in json.loads(await receive("0"))  # engine.io open
            await ws.send("40")  # socket.io connect
            await receive("40")
            await ws.send('42["session_request",{"session_id":null}]')
            event, session_id = json.loads(await receive("42"))
            assert event == "session_confirm", event
            await ws.send("42" + json.dumps(["user_uttered",
                                             {"message": "hello", "session_id": session_id}]))
            while True:
                event, data = json.loads(await receive("42"))
                if event == "bot_uttered":
                    return dict(data)

    reply = asyncio.run(talk())
    assert isinstance(reply.get("text"), str) and reply["text"], reply


def test_telegrams_webhook_needs_the_secret_header(site: Site) -> None:
    chat = 5550101
    update = {"update_id": 77001, "message": site.fake.message(chat, text="hello")}
    header = "X-Telegram-Bot-Api-Secret-Token"
    path = "/webhooks/telegram/webhook"
    for headers in ({}, {header: ""}, {header: "short"}, {header: "bad value with spaces!"}):
        r = site.post(path, json=update, headers=headers)
        assert r.status_code == 404 and NGINX_404 in r.text, (headers, r.status_code, r.text)
    wrong = site.post(path, json=update, headers={header: "w" * 32})
    assert wrong.status_code == 403 and wrong.json() == {"error": "forbidden"}  # Rasa's check
    assert site.get(path, headers={header: SECRET}).status_code == 403  # POST only
    assert not site.fake.texts(chat)
    ok = site.post(path, json=update, headers={header: SECRET})
    assert ok.status_code == 200, ok.text
    site.fake.wait_for(lambda: site.fake.texts(chat), timeout=45)


# ---------------------------------------------------------------- what is not

INTERNAL = [
    ("GET", "/conversations/x/tracker"),
    ("GET", "/conversations/x/tracker?token={rasa}"),
    ("POST", "/conversations/x/trigger_intent?token={rasa}"),
    ("GET", "/model"),
    ("PUT", "/model?token={rasa}"),
    ("POST", "/model/parse?token={rasa}"),
    ("POST", "/webhooks/rest/webhook"),
    ("GET", "/webhooks/rest/"),
    ("GET", "/webhooks/telegram/"),
    ("GET", "/status"),
    ("GET", "/status?token={rasa}"),
    ("GET", "/version"),
    ("GET", "/domain?token={rasa}"),
    ("POST", "/webhook?token={action}"),  # the action server's
    ("GET", "/actions"),
    ("GET", "/health"),
    ("GET", "/brief/x"),
    ("POST", "/ack/x"),
    ("GET", "/followup/x"),
    # The same, dressed up: nginx normalises the path before choosing a location.
    ("GET", "/socket.io/../version"),
    ("GET", "/socket.io/%2e%2e/conversations/x/tracker?token={rasa}"),
    ("GET", "/static/..%2f..%2fstatus?token={rasa}"),
    ("GET", "//version"),
    ("POST", "/webhooks/telegram/../rest/webhook"),
    ("GET", "/linked/../model"),
]


def test_rasas_api_the_rest_channel_the_action_server_and_gp_pages_are_404(site: Site) -> None:
    # Rasa answers these itself (so a 404 below is the proxy's doing) ...
    assert requests.get(f"{site.stack.rasa_url}/version", timeout=10).status_code == 200
    assert requests.get(site.stack.api("/conversations/x/tracker"), timeout=10).status_code == 200
    # ... and behind the proxy nginx refuses them before any server sees them.
    body = json.dumps({"sender": "x", "message": "hi"}).encode()
    for method, path in INTERNAL:
        path = path.format(rasa=site.stack.rasa_token, action=site.stack.action_token)
        status, text = site.raw(method, path, body=body if method != "GET" else b"",
                                headers={"Content-Type": "application/json"})
        # A path that climbs above the root is a 400, also nginx's own.
        allowed = (400, 404) if "%2f" in path else (404,)
        assert status in allowed and NGINX_404 in text, (method, path, status, text[:300])


def test_plain_http_redirects_to_https(site: Site) -> None:
    for path in ("/?code=ABCD-EFGH", "/socket.io/?EIO=4&transport=polling",
                 "/webhooks/telegram/webhook", "/conversations/x/tracker"):
        r = requests.get(f"http://{HOST}:{site.http_port}{path}", allow_redirects=False,
                         timeout=10)
        assert r.status_code == 301, (path, r.status_code)
        assert r.headers["Location"] == f"https://{HOST}{path}"
        assert r.headers["Server"] == "nginx"


def test_tls_is_1_2_or_1_3_with_http2(site: Site) -> None:
    assert re.search(r"^\s*ssl_protocols TLSv1\.2 TLSv1\.3;", CONF.read_text(), re.M)
    for top, expected in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (None, "TLSv1.3")):
        ctx = site.tls()
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        if top is not None:
            ctx.maximum_version = top
        with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as sock, \
                ctx.wrap_socket(sock, server_hostname=HOST) as tls:
            assert tls.version() == expected
            assert tls.selected_alpn_protocol() == "h2"


def test_large_bodies_are_refused(site: Site) -> None:
    header = {"X-Telegram-Bot-Api-Secret-Token": "w" * 32}
    big = b"x" * (100 * 1024)
    assert site.post("/socket.io/?EIO=4&transport=polling", data=big).status_code == 413
    assert site.post("/webhooks/telegram/webhook", data=big, headers=header).status_code == 413
    # Under the limit a body goes through (Rasa then refuses the wrong secret).
    fine = site.post("/webhooks/telegram/webhook", data=b"x" * (32 * 1024), headers=header)
    assert fine.status_code == 403


def test_floods_get_429(site: Site) -> None:
    """Last: it empties this client's allowance on socket.io for a few seconds."""
    url = site.base + "/socket.io/?EIO=1&transport=polling"  # a cheap 400 from engine.io

    def hit(_: int) -> int:
        return requests.get(url, verify=str(site.ca), timeout=15).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(hit, range(200)))
    assert 429 in statuses, statuses
    assert statuses.count(400) >= 40, statuses  # the burst passed to engine.io
    time.sleep(5)  # the allowance refills (10 a second)
    assert requests.get(url, verify=str(site.ca), timeout=15).status_code == 400


def test_a_patients_export_link_reaches_the_chat_page(site: Site) -> None:
    """"Send me my data" links point at the public address: the proxy passes /my-data/
    to the chat page, which refuses a forged token itself (403, not nginx's 404)."""
    r = site.get("/my-data/not-a-real-token")
    assert r.status_code == 403, r.status_code
    assert "send me my data" in r.text  # the app's own words: ask for a new link
    assert site.get("/my-data/x/json").status_code == 403
    assert requests.post(site.base + "/my-data/x", verify=str(site.ca), timeout=15).status_code in (403, 405)

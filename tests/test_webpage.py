"""The web chat page server (bot/web/chat_page.py) and the socket.io session-id rule,
in process."""
from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.core.settings import REPO_ROOT, load_settings
from bot.rasa.channels.socketio import valid_session_id
from bot.web.chat_page import make_app


async def client_for(env: dict[str, str], web_dir: Path = REPO_ROOT / "web") -> TestClient:
    settings = load_settings({"DATABASE_URL": "sqlite:////nonexistent/dir/x.db", **env})  # env may override
    client = TestClient(TestServer(make_app(settings, web_dir)))
    await client.start_server()
    return client


def config_of(page: str) -> dict:
    m = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', page, re.S)
    assert m
    return dict(json.loads(m.group(1)))


async def test_page_has_practice_notice_and_widget_settings() -> None:
    client = await client_for({"PRACTICE_NAME": "Fjord & Sons <Practice>", "RASA_PORT": "5999"})
    try:
        r = await client.get("/", headers={"Host": "192.168.1.20:8080"})
        page = await r.text()
        assert r.status == 200 and '<html lang="en">' in page
        assert "Fjord &amp; Sons &lt;Practice&gt;" in page  # escaped
        assert "113" in page  # Norway's emergency number (DEFAULT_COUNTRY=NO)
        cfg = config_of(page)
        assert cfg["socketUrl"] == "http://192.168.1.20:5999"  # the page's own host
        assert cfg["initPayload"] == "/greet" and cfg["inviteCode"] is None
        csp = r.headers["Content-Security-Policy"]
        assert "connect-src 'self' http://192.168.1.20:5999 ws://192.168.1.20:5999" in csp
        assert "script-src 'self'" in csp
        assert r.headers["Referrer-Policy"] == "no-referrer"
    finally:
        await client.close()


async def test_invite_link_and_hostile_input() -> None:
    client = await client_for({"RASA_PUBLIC_URL": "https://chat.practice.example"})
    try:
        cfg = config_of(await (await client.get("/?code=ABCD-EFGH")).text())
        assert cfg["initPayload"] == "/start ABCD-EFGH"
        assert cfg["socketUrl"] == "https://chat.practice.example"
        page = await (await client.get("/?code=</script><script>alert(1)</script>")).text()
        assert "alert(1)" not in page and config_of(page)["inviteCode"] is None
        r = await client.get("/", headers={"Host": "evil\"host:1"})
        assert r.status == 200
    finally:
        await client.close()


async def test_hostile_host_header_is_not_echoed() -> None:
    client = await client_for({})
    try:
        page = await (await client.get("/", headers={"Host": "x'><script>:1"})).text()
        assert config_of(page)["socketUrl"] == "http://127.0.0.1:5005"
    finally:
        await client.close()


async def test_widget_bundle_and_static_files(tmp_path: Path) -> None:
    client = await client_for({})
    try:
        r = await client.get("/vendor/rasa-webchat.js")
        assert r.status == 200 and "javascript" in r.headers["Content-Type"]
        assert (await client.get("/static/chat.js")).status == 200
        assert (await client.get("/static/../index.html")).status in (403, 404)
        assert (await (await client.get("/health")).json())["status"] == "ok"
    finally:
        await client.close()
    # Without `npm ci` the page says what to run instead of failing obscurely.
    (tmp_path / "static").mkdir(exist_ok=True)
    (tmp_path / "index.html").write_text((REPO_ROOT / "web" / "index.html").read_text())
    (tmp_path / "static").mkdir(exist_ok=True)
    client = await client_for({}, tmp_path)
    try:
        r = await client.get("/vendor/rasa-webchat.js")
        assert r.status == 503 and "ensure_web.sh" in await r.text()
    finally:
        await client.close()


def test_socketio_session_ids_must_look_like_rasas() -> None:
    assert valid_session_id("0123456789abcdef0123456789abcdef")
    for bad in (None, 5550001, "5550001", "0123456789ABCDEF0123456789ABCDEF", "x" * 32, ""):
        assert valid_session_id(bad) is None


async def test_crisis_line_is_tap_to_call_and_above_the_chat() -> None:
    client = await client_for({})
    try:
        page = await (await client.get("/")).text()
        assert 'href="tel:113"' in page
        assert page.index('class="urgent"') < page.index('id="chat"')  # on a phone: no scrolling
    finally:
        await client.close()


async def test_the_widget_is_served_without_its_external_font_import(tmp_path: Path) -> None:
    lib = tmp_path / "node_modules" / "rasa-webchat" / "lib"
    lib.mkdir(parents=True)
    (lib / "index.js").write_text('x.push([e.i,"@import url(https://fonts.googleapis.com/css'
                                  '?family=Inter:400&display=swap);",""]);var a=1;')
    (tmp_path / "index.html").write_text((REPO_ROOT / "web" / "index.html").read_text())
    (tmp_path / "static").mkdir(exist_ok=True)
    client = await client_for({}, tmp_path)
    try:
        body = await (await client.get("/vendor/rasa-webchat.js")).text()
        assert "googleapis" not in body and "var a=1;" in body
    finally:
        await client.close()


async def test_linked_state_for_a_session(tmp_path: Path) -> None:
    from bot.core.clock import SystemClock
    from bot.db import Database
    from bot.db.migrate import upgrade
    from bot.enrolment.service import add_gp, invite_patient, redeem_invite

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    db = Database(url)
    sid = "a" * 32
    with db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", SystemClock().now(), language="en")
        code = invite_patient(s, gp, SystemClock().now(), 14).code
        redeem_invite(s, "socketio", sid, code, SystemClock().now())
    db.dispose()
    client = await client_for({"DATABASE_URL": url})
    try:
        assert (await (await client.get(f"/linked?session={sid}")).json()) == {"linked": True}
        assert (await (await client.get(f"/linked?session={'b' * 32}")).json()) == {"linked": False}
        assert (await (await client.get("/linked?session=../../etc")).json()) == {"linked": False}
    finally:
        await client.close()

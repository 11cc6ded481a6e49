"""End to end in a real browser: headless Chromium (Debian's, through Playwright) opens
the chat page served by `python -m bot web`, whose rasa-webchat widget talks to the real
Rasa server's socket.io channel and the real action server.

A patient links with an invite code, consents with the buttons, gets the first module
step; a reload keeps the conversation. Screenshots (phone and desktop) are saved in
test-artifacts/. scripts/ensure_browser.sh and scripts/ensure_web.sh (run by
scripts/test.sh) provide the browser and the widget; this test installs nothing.
"""
from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.core.clock import SystemClock
from bot.core.settings import REPO_ROOT
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import ChannelIdentity, Gp
from bot.enrolment.service import add_gp, format_code, invite_patient
from tests.e2e.stack import Stack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BUNDLE = REPO_ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
ARTIFACTS = REPO_ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/ensure_browser.sh")
    assert BUNDLE.is_file(), "the widget is not installed: run scripts/ensure_web.sh"
    workdir: Path = tmp_path_factory.mktemp("web-stack")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", SystemClock().now(), language="en")
    db.dispose()
    web_port = free_port()
    stack = Stack(workdir=workdir, database_url=url, rasa_port=free_port(),
                  action_port=free_port(), extra_env={"WEB_PORT": str(web_port)})
    # As `make run` starts it: the page is another origin, the only one Rasa allows.
    stack.start()
    try:
        stack.spawn("web", [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1"])
        page_url = f"http://127.0.0.1:{web_port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{page_url}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the web page server did not start"
            time.sleep(0.2)
        yield stack, page_url
    finally:
        stack.stop()


def new_code(stack: Stack) -> str:
    db = Database(stack.database_url)
    with db.session() as s:
        gp = s.execute(select(Gp)).scalars().one()
        code = invite_patient(s, gp, SystemClock().now(), 14).code
    db.dispose()
    return format_code(code)


def test_page_is_served_locally_with_the_practice_and_privacy_notice(
        site: tuple[Stack, str]) -> None:
    stack, page_url = site
    r = requests.get(page_url + "/", timeout=5)
    assert r.ok and '<html lang="en">' in r.text
    assert "Fjord Practice" in r.text and "Your privacy and safety" in r.text
    assert "113" in r.text  # the emergency number of the practice's country
    assert 'src="/vendor/rasa-webchat.js"' in r.text and "cdn" not in r.text.lower()
    assert f'"socketUrl": "http://127.0.0.1:{stack.rasa_port}"' in r.text
    assert "connect-src" in r.headers["Content-Security-Policy"]
    js = requests.get(page_url + "/vendor/rasa-webchat.js", timeout=5)
    assert js.ok and "WebChat" in js.text[:2000]
    assert requests.get(page_url + "/static/chat.css", timeout=5).ok
    bad = requests.get(page_url + "/?code=%3Cscript%3E", timeout=5).text
    assert "<script>" not in bad.split('id="chat-config"')[1].split("</script>")[0]


def test_link_consent_and_first_step_in_a_browser(site: tuple[Stack, str],
                                                  tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    stack, page_url = site
    code = new_code(stack)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        errors: list[str] = []
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        outside: list[str] = []  # the page loads nothing from outside (fonts included)
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1", "data:")) else None)
        page.goto(page_url + "/")
        expect(page.locator("#chat-status")).to_have_text("Connected.", timeout=30_000)
        bot = page.locator(".rw-response")
        expect(bot.filter(has_text="invite code").first).to_be_visible(timeout=30_000)
        # The crisis line is on screen on a phone as the page opens, and tap-to-call.
        expect(page.locator(".urgent a.tel")).to_be_in_viewport()
        assert (page.locator(".urgent a.tel").get_attribute("href") or "").startswith("tel:")

        # Accessibility basics of the page and the widget.
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_label("Have an invite code from your GP?").count() == 1
        expect(page.locator(".rw-new-message")).to_have_attribute("aria-label", "Message")
        expect(page.locator(".rw-messages-container")).to_have_attribute("role", "log")

        # Link with the friendly code form.
        page.get_by_label("Have an invite code from your GP?").fill(code.lower())
        page.get_by_role("button", name="Connect").click()
        expect(bot.filter(has_text="connected").first).to_be_visible(timeout=30_000)
        # Linked: the code box goes away (it stays away after a reload, below).
        expect(page.get_by_label("Have an invite code from your GP?")).to_be_hidden(timeout=10_000)
        agree = page.locator(".rw-reply").filter(has_text="agree").first
        expect(agree).to_be_visible(timeout=30_000)
        expect(agree).to_have_attribute("role", "button")
        expect(agree).to_have_attribute("tabindex", "0")
        page.screenshot(path=str(ARTIFACTS / "web-chat-phone-consent.png"))

        # Consent with a button: by keyboard (Enter), as a screen-reader user would.
        agree.focus()
        page.keyboard.press("Enter")
        share = page.locator(".rw-reply").filter(has_text="Yes").first
        expect(share).to_be_visible(timeout=30_000)
        share.click()
        # After consent: the baseline questionnaire is offered, and module 1.
        go = page.locator(".rw-reply").filter(has_text=re.compile(r"module", re.I)).last
        expect(go).to_be_visible(timeout=30_000)
        go.click()
        expect(bot.filter(has_text="Module 1").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)  # let the delayed bubbles finish
        page.screenshot(path=str(ARTIFACTS / "web-chat-phone.png"))

        # A reload keeps the conversation (session persistence) and the patient.
        page.reload()
        expect(page.locator("#chat-status")).to_have_text("Connected.", timeout=30_000)
        expect(bot.filter(has_text="Module 1").first).to_be_visible(timeout=10_000)
        expect(page.get_by_label("Have an invite code from your GP?")).to_be_hidden(timeout=10_000)
        box = page.locator(".rw-new-message")
        box.fill("show my progress")
        box.press("Enter")
        expect(bot.filter(has_text="Now: module 1").last).to_be_visible(timeout=30_000)
        assert "invite code" not in (bot.last.text_content() or "").lower()

        desktop = ctx.new_page()
        desktop.set_viewport_size({"width": 1280, "height": 900})
        desktop.goto(page_url + "/")
        expect(desktop.locator(".rw-response").filter(has_text="Module 1").first).to_be_visible(
            timeout=30_000)
        desktop.screenshot(path=str(ARTIFACTS / "web-chat-desktop.png"))
        ctx.close()
    assert errors == []
    assert outside == []

    db = Database(stack.database_url)
    with db.session() as s:
        ident = s.execute(select(ChannelIdentity).where(
            ChannelIdentity.channel == "socketio")).scalars().one()
        assert ident.patient.status == "consented"
    db.dispose()

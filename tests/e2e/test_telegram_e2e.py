"""End to end over Telegram: the real Rasa server (credentials.yml with the Telegram
channel, long polling) and the real action server, against a local fake of the Bot
API (tests/fake_telegram.py) that speaks real HTTP and JSON.

A patient opens the deep link (/start CODE), gets the consent as an inline keyboard,
presses the buttons (callback queries), reaches module 1; a proactive message goes out
through trigger_intent?output_channel=telegram; a risk message gets the crisis reply.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.core.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import ChannelIdentity, Gp, Patient
from bot.enrolment.service import add_gp, format_code, invite_patient
from tests.e2e.stack import Stack, free_port, texts
from tests.fake_telegram import TOKEN, FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHAT = 5550001


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as f:
        yield f


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake: FakeTelegram) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("tg-stack")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    s = Stack(workdir=workdir, database_url=url, rasa_port=free_port(), action_port=free_port(),
              extra_env={"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url})
    s.start()
    try:
        yield s
    finally:
        s.stop()


def invite(stack: Stack, patient_ref: str | None = None) -> tuple[str, str]:
    """(raw code as in a t.me deep link, patient ref)."""
    db = Database(stack.database_url)
    with db.session() as s:
        gp = s.execute(select(Gp)).scalars().first()
        if gp is None:
            gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", SystemClock().now(), language="en")
        patient = None
        if patient_ref:
            patient = s.execute(select(Patient).where(Patient.ref == patient_ref)).scalar_one()
        inv = invite_patient(s, gp, SystemClock().now(), 14, patient=patient)
        code, ref = inv.code, inv.patient.ref
    db.dispose()
    return code, ref


def wait_text(fake: FakeTelegram, chat: int, fragment: str, after: int = 0) -> str:
    def found() -> str | None:
        for t in fake.texts(chat)[after:]:
            if fragment.lower() in t.lower():
                return t
        return None

    return str(fake.wait_for(found, timeout=45))


def test_polling_starts_with_command_menu(stack: Stack, fake: FakeTelegram) -> None:
    fake.wait_for(lambda: fake.sent("getUpdates"), timeout=30)
    assert fake.sent("deleteWebhook"), "polling must remove any webhook first"
    menus = {c.params.get("language_code"): c.params["commands"] for c in fake.sent("setMyCommands")}
    assert [c["command"] for c in menus[None]] == ["start", "help", "progress", "checkin", "pause",
                                                   "language"]
    assert {"nb", "no"} <= set(menus)  # Norwegian apps get the menu in bokmål
    assert menus["nb"][0]["description"] != menus[None][0]["description"]


def test_link_consent_and_module_1_over_telegram(stack: Stack, fake: FakeTelegram) -> None:
    code, ref = invite(stack)
    fake.send_text(CHAT, f"/start {code}")  # what Telegram sends for t.me/Bot?start=CODE
    wait_text(fake, CHAT, "connected")
    fake.wait_for(lambda: any(b["callback_data"] == "/consent_agree"
                              for kb in fake.keyboards(CHAT) for b in kb))
    assert fake.sent("sendChatAction", CHAT), "a typing indicator while the bot works"
    assert fake.sent("sendChatAction", CHAT)[0].params["action"] == "typing"

    agree = next(b for kb in fake.keyboards(CHAT) for b in kb
                 if b["callback_data"] == "/consent_agree")
    n = len(fake.texts(CHAT))
    fake.press(CHAT, agree["text"])
    fake.wait_for(lambda: fake.sent("answerCallbackQuery"))
    fake.wait_for(lambda: fake.sent("editMessageReplyMarkup", CHAT))
    wait_text(fake, CHAT, f"› {agree['text']}", after=n)
    share = fake.wait_for(lambda: next((b for kb in fake.keyboards(CHAT) for b in kb
                                        if '"share":"yes"' in b["callback_data"]), None))
    n = len(fake.texts(CHAT))
    fake.press(CHAT, share["text"])
    wait_text(fake, CHAT, "module", after=n)
    go = fake.wait_for(lambda: next((b for kb in fake.keyboards(CHAT)[-1:] for b in kb
                                     if b["callback_data"] == "/continue_program"), None))
    n = len(fake.texts(CHAT))
    fake.press(CHAT, go["text"])
    wait_text(fake, CHAT, "Module 1", after=n)

    db = Database(stack.database_url)
    with db.session() as s:
        ident = s.execute(select(ChannelIdentity).where(
            ChannelIdentity.channel == "telegram",
            ChannelIdentity.sender_id == str(CHAT))).scalar_one()
        assert ident.patient.ref == ref
        assert ident.patient.status == "consented"
    db.dispose()

    # The same patient links the web chat (here REST) with a second code for them.
    # It is linked only when the Telegram chat confirms it with the number shown.
    code2, _ = invite(stack, patient_ref=ref)
    r = stack.say("same-patient-web", f"/start {format_code(code2)}")
    number = re.search(r"/confirm (\d{6})", texts(r))
    assert number, texts(r)
    r = stack.say("same-patient-web", "/progress")  # nobody yet: no history
    assert "module 1" not in texts(r).lower()
    n = len(fake.texts(CHAT))
    fake.send_text(CHAT, f"/confirm {number.group(1)}")
    wait_text(fake, CHAT, "new chat is now linked", after=n)
    db = Database(stack.database_url)
    with db.session() as s:
        patient = s.execute(select(Patient).where(Patient.ref == ref)).scalar_one()
        assert {i.channel for i in patient.identities} == {"telegram", "rest"}
    db.dispose()


def test_proactive_message_goes_out_over_telegram(stack: Stack, fake: FakeTelegram) -> None:
    n = len(fake.texts(CHAT))
    resp = requests.post(
        stack.api(f"/conversations/{CHAT}/trigger_intent?output_channel=telegram"),
        json={"name": "progress", "entities": {}}, timeout=30)
    assert resp.status_code == 200, resp.text
    fake.wait_for(lambda: len(fake.texts(CHAT)) > n, timeout=20)
    assert "module" in " ".join(fake.texts(CHAT)[n:]).lower()


def test_risk_and_odd_messages_over_telegram(stack: Stack, fake: FakeTelegram) -> None:
    n = len(fake.texts(CHAT))
    fake.queue({"message": fake.message(CHAT, sticker={
        "file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False})})
    wait_text(fake, CHAT, "typed messages", after=n)
    n = len(fake.texts(CHAT))
    fake.send_text(CHAT, "honestly i just want to kms, everyone would be better off")
    crisis = wait_text(fake, CHAT, "113", after=n)
    assert crisis
    fake.wait_for(lambda: any(b["callback_data"] == "/im_safe"
                              for kb in fake.keyboards(CHAT)[-2:] for b in kb))

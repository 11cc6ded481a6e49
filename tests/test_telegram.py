"""The Telegram channel's core, in process: splitting, buttons, commands, and the
handling of every kind of update against a local fake of the Bot API over real HTTP
(tests/fake_telegram.py), including flood limits (429) and dropped connections."""
from __future__ import annotations

import asyncio
import base64
import sys
import time
import types
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.rasa.channels.telegram_core import (
    MAX_TEXT,
    PayloadMap,
    RetryPolicy,
    TelegramBridge,
    TelegramClient,
    command_to_text,
    keyboard,
    lang_of,
    secret_ok,
    split_text,
    utf16_len,
    webhook_secret_for,
)
from tests.fake_telegram import TOKEN, FakeTelegram

# ------------------------------------------------------------------ pure functions


def test_short_text_is_one_part() -> None:
    assert split_text("Hello there.") == ["Hello there."]
    assert split_text("   ") == []


def test_long_text_splits_at_paragraphs_then_lines_then_words() -> None:
    para = ("word " * 150).strip()  # 749 chars
    text = "\n\n".join([para] * 12)  # ~9 kB
    parts = split_text(text)
    assert len(parts) == 3
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert all(p.endswith("word") and p.startswith("word") for p in parts)
    assert "\n\n".join(parts) == text  # nothing lost, breaks only at paragraphs

    lines = "\n".join(["a line of text that goes on a bit"] * 300)
    parts = split_text(lines, limit=1000)
    assert all(not p.startswith("\n") and p.endswith("a bit") for p in parts)

    words = " ".join(["supercalifragilistic"] * 600)
    parts = split_text(words, limit=500)
    assert all(len(p) <= 500 and not p.endswith(" ") for p in parts)
    assert " ".join(parts) == words


def test_unbreakable_text_and_emoji_respect_the_utf16_limit() -> None:
    blob = "x" * 10000
    parts = split_text(blob)
    assert [len(p) for p in parts] == [4096, 4096, 1808]
    emoji = "😊" * 3000  # 2 UTF-16 units each: 6000 units
    parts = split_text(emoji)
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert "".join(parts) == emoji


def test_plain_text_needs_no_escaping() -> None:
    # No parse mode: Markdown/HTML characters arrive as typed.
    text = "Use *stars*, _underscores_, <b>tags</b> & [brackets](x) freely."
    assert split_text(text) == [text]


def test_long_button_payloads_travel_as_short_ids() -> None:
    pm = PayloadMap()
    assert pm.encode("/consent_agree") == "/consent_agree"
    long = '/choose{"choice":"' + "x" * 80 + '"}'
    key = pm.encode(long)
    assert key.startswith("p:") and len(key.encode()) <= 64
    assert pm.encode(long) == key  # deterministic
    assert pm.decode(key) == long
    assert pm.decode("/consent_agree") == "/consent_agree"
    assert PayloadMap().decode(key) is None  # unknown after a restart
    small = PayloadMap(size=2)
    keys = [small.encode("/" + "y" * 70 + str(i)) for i in range(3)]
    assert small.decode(keys[0]) is None and small.decode(keys[2])


def test_keyboard_layout() -> None:
    pm = PayloadMap()
    short = keyboard([{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}], pm)
    assert short is not None and len(short.inline_keyboard) == 1
    long = keyboard([{"title": "I agree to take part", "payload": "/consent_agree"},
                     {"title": "No thanks", "payload": "/consent_decline"}], pm)
    assert long is not None and [len(r) for r in long.inline_keyboard] == [1, 1]
    assert long.inline_keyboard[0][0].callback_data == "/consent_agree"
    assert keyboard([], pm) is None


def test_commands_map_to_the_dialogue() -> None:
    assert command_to_text("/start ABCD-EFGH") == "/start ABCD-EFGH"
    assert command_to_text("/start@PracticeBot ABCDEFGH") == "/start ABCDEFGH"
    assert command_to_text("/start") == "/start"
    assert command_to_text("/help") == "/help"
    assert command_to_text("/progress@PracticeBot") == "/progress"
    assert command_to_text("/checkin") == "/log_mood"
    assert command_to_text("/pause") == "/pause"
    assert command_to_text("/hello_there") == "hello there"
    assert command_to_text("I feel low") == "I feel low"


def test_webhook_secret() -> None:
    derived = webhook_secret_for(TOKEN)
    assert derived == webhook_secret_for(TOKEN) and len(derived) == 48
    assert webhook_secret_for(TOKEN, "configured-secret-123") == "configured-secret-123"
    assert secret_ok(derived, derived)
    assert not secret_ok(derived, None) and not secret_ok(derived, "wrong")
    assert not secret_ok("", "")


def test_language_of_the_user() -> None:
    assert lang_of("nb") == "nb" and lang_of("no") == "nb" and lang_of("nn-NO") == "nb"
    assert lang_of("en-GB") == "en" and lang_of(None) == "en" and lang_of("de") == "en"


# ------------------------------------------------------------------ against the fake API


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTelegram]:
    with FakeTelegram(max_poll_wait=0.3) as f:
        yield f


@pytest.fixture
def fake(server: FakeTelegram) -> FakeTelegram:
    server.reset()
    return server


class Dialogue:
    """Stands in for Rasa: records what reaches it and answers through the client."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.bridge: TelegramBridge | None = None
        self.reply: list[dict[str, Any]] = [{"text": "ok"}]
        self.fail = False

    async def __call__(self, sender_id: str, text: str, metadata: Mapping[str, Any]) -> None:
        self.received.append((sender_id, text, dict(metadata)))
        if self.fail:
            raise RuntimeError("the dialogue broke")
        assert self.bridge is not None
        for r in self.reply:
            await self.bridge.client.send_text(int(sender_id), r.get("text"), r.get("buttons"),
                                               self.bridge.payloads)


@pytest.fixture
async def tg(fake: FakeTelegram) -> AsyncIterator[tuple[TelegramBridge, Dialogue]]:
    dialogue = Dialogue()
    client = TelegramClient(TOKEN, fake.base_url,
                            retry=RetryPolicy(backoff_base=0.01, network_attempts=3),
                            poll_timeout=1)
    await client.initialize()
    bridge = TelegramBridge(client, dialogue, typing_interval=0.2)
    dialogue.bridge = bridge
    try:
        yield bridge, dialogue
    finally:
        await bridge.stop()
        await client.shutdown()


async def feed(bridge: TelegramBridge, update: dict[str, Any]) -> None:
    parsed = Update.de_json(update, bridge.client.bot)
    assert parsed is not None
    await bridge.dispatch(parsed)


async def test_text_goes_to_the_dialogue_with_a_typing_indicator(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    await feed(bridge, {"update_id": 1, "message": fake.message(11, text="  hello  ")})
    assert dialogue.received == [("11", "hello", {"message_id": dialogue.received[0][2]["message_id"],
                                                  "language_code": "en"})]
    methods = [c.method for c in fake.sent(chat_id=11)]
    assert methods[:2] == ["sendChatAction", "sendMessage"]
    assert fake.sent("sendChatAction", 11)[0].params["action"] == "typing"
    assert fake.texts(11) == ["ok"]


async def test_typing_is_repeated_while_the_bot_works(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg

    async def slow(sender_id: str, text: str, metadata: Mapping[str, Any]) -> None:
        await asyncio.sleep(0.5)

    bridge.deliver = slow
    await feed(bridge, {"update_id": 1, "message": fake.message(12, text="hi")})
    assert len(fake.sent("sendChatAction", 12)) >= 3


async def test_deep_link_start_and_commands(fake: FakeTelegram,
                                            tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    await feed(bridge, {"update_id": 1, "message": fake.message(13, text="/start ABCDEFGH")})
    await feed(bridge, {"update_id": 2, "message": fake.message(13, text="/checkin")})
    assert [r[1] for r in dialogue.received] == ["/start ABCDEFGH", "/log_mood"]


async def test_buttons_are_an_inline_keyboard_and_presses_work(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    long_payload = '/consent_agree{"share":"yes","note":"' + "z" * 60 + '"}'
    dialogue.reply = [{"text": "Shall we?", "buttons": [
        {"title": "Yes, share", "payload": long_payload},
        {"title": "No", "payload": "/deny"}]}]
    await feed(bridge, {"update_id": 1, "message": fake.message(14, text="hi")})
    kb = fake.keyboards(14)[-1]
    assert [b["text"] for b in kb] == ["Yes, share", "No"]
    assert kb[0]["callback_data"].startswith("p:") and kb[1]["callback_data"] == "/deny"

    dialogue.reply = [{"text": "Great."}]
    fake.press(14, "Yes, share")
    update = fake._updates.pop()
    await feed(bridge, update)
    assert dialogue.received[-1][1] == long_payload  # the long payload came back whole
    assert fake.sent("answerCallbackQuery")[0].params["callback_query_id"] == \
        update["callback_query"]["id"]
    edit = fake.sent("editMessageReplyMarkup", 14)[0].params
    assert "reply_markup" not in edit or not edit["reply_markup"]  # buttons taken away
    assert "› Yes, share" in fake.texts(14)


async def test_a_press_on_a_forgotten_long_payload_sends_the_label(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    other = PayloadMap()  # another process (before a restart) made the keyboard
    markup = keyboard([{"title": "Yes, share my answers",
                        "payload": "/consent_agree" + "{" + '"x":"' + "q" * 70 + '"}'}], other)
    assert markup is not None
    await bridge.client.bot.send_message(15, "Share?", reply_markup=markup)
    fake.press(15, "Yes, share")
    await feed(bridge, fake._updates.pop())
    assert dialogue.received[-1][1] == "Yes, share my answers"


async def test_flood_limit_is_waited_out_and_retried(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    fake.fail("sendMessage", "429", retry_after=1)
    started = time.monotonic()
    await feed(bridge, {"update_id": 1, "message": fake.message(16, text="hi")})
    assert time.monotonic() - started >= 1.0
    attempts = fake.sent("sendMessage", 16, faults=True)
    assert [c.params.get("_fault") for c in attempts] == ["429", None]
    assert fake.texts(16) == ["ok"]  # delivered once, not dropped


async def test_dropped_connections_are_retried_with_backoff(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    fake.fail("sendMessage", "drop", times=2)
    await feed(bridge, {"update_id": 1, "message": fake.message(17, text="hi")})
    assert [c.params.get("_fault") for c in fake.sent("sendMessage", 17, faults=True)] == \
        ["drop", "drop", None]
    assert fake.texts(17) == ["ok"]


async def test_a_network_that_stays_down_does_not_crash_the_handler(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    fake.fail("sendMessage", "drop", times=10)
    await feed(bridge, {"update_id": 1, "message": fake.message(18, text="hi")})  # no raise
    fake.reset()
    await feed(bridge, {"update_id": 2, "message": fake.message(18, text="again")})
    assert fake.texts(18) == ["ok"]


async def test_a_failing_dialogue_gets_an_apology(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    dialogue.fail = True
    await feed(bridge, {"update_id": 1, "message": fake.message(19, text="hi")})
    assert "something went wrong" in fake.texts(19)[-1].lower()


PHOTO = [{"file_id": "ph", "file_unique_id": "phu", "width": 90, "height": 90}]


@pytest.mark.parametrize(("content", "expected"), [
    ({"sticker": {"file_id": "s", "file_unique_id": "su", "type": "regular", "width": 512,
                  "height": 512, "is_animated": False, "is_video": False}}, "typed messages"),
    ({"photo": PHOTO}, "typed messages"),
    ({"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 3}}, "voice messages"),
    ({"document": {"file_id": "d", "file_unique_id": "du", "file_name": "x.pdf"}},
     "typed messages"),
    ({"location": {"latitude": 59.9, "longitude": 10.7}}, "typed messages"),
])
async def test_non_text_messages_get_a_kind_reply(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue], content: dict[str, Any],
        expected: str) -> None:
    bridge, dialogue = tg
    await feed(bridge, {"update_id": 1, "message": fake.message(20, **content)})
    assert dialogue.received == []
    assert expected in fake.texts(20)[-1]


async def test_a_photo_caption_is_read_as_text(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    await feed(bridge, {"update_id": 1, "message": fake.message(
        21, photo=PHOTO, caption="this is how I feel")})
    assert dialogue.received[0][1] == "this is how I feel"


async def test_norwegian_users_get_norwegian_replies(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    await feed(bridge, {"update_id": 1, "message": fake.message(
        22, language_code="nb", voice={"file_id": "v", "file_unique_id": "vu", "duration": 3})})
    assert "talemeldinger" in fake.texts(22)[-1]


async def test_edits_groups_and_channel_posts(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    edited = fake.message(23, text="changed my mind", edit_date=int(time.time()))
    await feed(bridge, {"update_id": 1, "edited_message": edited})
    assert "new message" in fake.texts(23)[-1]

    group = {"id": -100123, "type": "supergroup", "title": "Family"}
    await feed(bridge, {"update_id": 2, "message": fake.message(24, chat=group, text="/start X")})
    assert "one to one" in fake.texts(-100123)[-1]
    await feed(bridge, {"update_id": 3, "message": fake.message(24, chat=group, text="chatting")})
    assert len(fake.texts(-100123)) == 1  # ordinary group chatter is ignored

    channel = {"id": -100999, "type": "channel", "title": "News"}
    post = {"message_id": 5, "date": int(time.time()), "chat": channel, "text": "news"}
    await feed(bridge, {"update_id": 4, "channel_post": post})
    await feed(bridge, {"update_id": 5, "edited_channel_post": {**post, "edit_date": 1}})
    await feed(bridge, {"update_id": 6, "my_chat_member": {
        "chat": {"id": 25, "type": "private"}, "from": {"id": 25, "is_bot": False,
                                                        "first_name": "P"},
        "date": int(time.time()),
        "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True,
                                                          "first_name": "B"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 1, "is_bot": True, "first_name": "B"}}}})
    assert fake.texts(-100999) == [] and fake.texts(25) == []
    assert dialogue.received == []


async def test_garbage_updates_are_refused_quietly(tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    assert bridge.parse({"update_id": "not a number", "message": 5}) is None


@pytest.fixture
def gp_hooks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    calls: list[tuple[str, int]] = []

    def handle_gp_command(text_or_data: str, chat_id: int, lang: str = "en") -> str | None:
        calls.append((text_or_data, chat_id))
        return "Linked to Dr Berg." if text_or_data.startswith("/gp") else "Acknowledged."

    module = types.ModuleType("bot.rasa.channels.gp_commands")
    module.handle_gp_command = handle_gp_command  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.rasa.channels.gp_commands", module)
    import bot.rasa.channels

    monkeypatch.setattr(bot.rasa.channels, "gp_commands", module, raising=False)
    return calls


async def test_gp_commands_and_acks_go_to_the_escalation_hook(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue],
        gp_hooks: list[tuple[str, int]]) -> None:
    bridge, dialogue = tg
    await feed(bridge, {"update_id": 1, "message": fake.message(26, text="/gp K7MM-2QXR")})
    assert gp_hooks == [("/gp K7MM-2QXR", 26)]
    assert fake.texts(26) == ["Linked to Dr Berg."]
    await bridge.client.bot.send_message(26, "Urgent: risk", reply_markup=keyboard(
        [{"title": "Acknowledge", "payload": "ack:17:abc123"}], PayloadMap()))
    fake.press(26, "Acknowledge")
    await feed(bridge, fake._updates.pop())
    assert gp_hooks[-1] == ("ack:17:abc123", 26)
    assert fake.texts(26)[-1] == "Acknowledged."
    assert fake.sent("answerCallbackQuery")
    assert dialogue.received == []  # never passed to Rasa


async def test_gp_commands_without_the_escalation_hook(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue],
        monkeypatch: pytest.MonkeyPatch) -> None:
    bridge, dialogue = tg
    monkeypatch.setitem(sys.modules, "bot.rasa.channels.gp_commands", None)
    import bot.rasa.channels

    monkeypatch.delattr(bot.rasa.channels, "gp_commands", raising=False)
    await feed(bridge, {"update_id": 1, "message": fake.message(27, text="/gp K7MM-2QXR")})
    assert "isn't available" in fake.texts(27)[-1]
    assert dialogue.received == []


async def test_images_are_sent_as_photos(fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue],
                                         tmp_path: Path) -> None:
    bridge, _ = tg
    png = bytes.fromhex("89504e470d0a1a0a") + b"\0" * 64
    await bridge.client.send_image(28, "data:image/png;base64," + base64.b64encode(png).decode())
    path = tmp_path / "chart.png"
    path.write_bytes(png)
    await bridge.client.send_image(28, str(path))
    await bridge.client.send_image(28, "https://example.org/chart.png")
    photos = [c.params["photo"] for c in fake.sent("sendPhoto", 28)]
    assert photos[0]["head"] == "89504e470d0a1a0a" and photos[0]["size"] == len(png)
    assert photos[1]["size"] == len(png)
    assert photos[2] == "https://example.org/chart.png"


async def test_long_messages_are_split_and_buttons_go_under_the_last_part(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    text = "\n\n".join(["A paragraph about thoughts and feelings. " * 30] * 8)
    await bridge.client.send_text(29, text, [{"title": "Next", "payload": "/continue_program"}])
    sent = fake.sent("sendMessage", 29)
    assert len(sent) >= 3
    assert all("reply_markup" not in c.params for c in sent[:-1])
    assert sent[-1].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Next"
    assert all("parse_mode" not in c.params for c in sent)  # plain text


async def test_polling_survives_flood_limits_and_drops(fake: FakeTelegram,
                                                        tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, dialogue = tg
    fake.webhook = {"url": "https://old.example/hook"}  # polling must remove it first
    fake.fail("getUpdates", "429", retry_after=1)
    fake.fail("getUpdates", "drop")
    fake.send_text(30, "first")
    fake.send_text(30, "second")
    await bridge.start_polling()
    await fake.await_for(lambda: len(dialogue.received) == 2, timeout=15)
    assert [r[1] for r in dialogue.received] == ["first", "second"]  # in order
    assert fake.webhook is None and fake.sent("setMyCommands")
    # Confirmed updates are not delivered again.
    await fake.await_for(lambda: any(c.params.get("_returned") == 0
                                     for c in fake.sent("getUpdates")), timeout=5)
    assert len(dialogue.received) == 2


async def test_updates_of_one_chat_are_handled_in_order(
        fake: FakeTelegram, tg: tuple[TelegramBridge, Dialogue]) -> None:
    bridge, _ = tg
    seen: list[str] = []

    async def slow_first(sender_id: str, text: str, metadata: Mapping[str, Any]) -> None:
        await asyncio.sleep(0.3 if text == "1" else 0.01)
        seen.append(f"{sender_id}:{text}")

    bridge.deliver = slow_first
    tasks = [bridge.dispatch(Update.de_json({"update_id": i, "message": fake.message(
        chat, text=str(i))}, bridge.client.bot)) for i, chat in
        [(1, 31), (2, 31), (3, 32), (4, 31)]]
    await asyncio.gather(*tasks)
    assert [x for x in seen if x.startswith("31:")] == ["31:1", "31:2", "31:4"]
    assert seen[0] == "32:3"  # another chat did not wait
    assert bridge._locks == {} and bridge._waiting == {}

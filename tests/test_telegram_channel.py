"""The Rasa side of the Telegram channel, in process: the input channel's blueprint in a
real Sanic server (webhook secret check, setWebhook at start, polling), and the output
channel Rasa uses for replies and proactive messages, against the local fake Bot API."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.rasa.channels.telegram import SECRET_HEADER, TelegramInput, TelegramOutput
from bot.rasa.channels.telegram_core import RetryPolicy
from tests.e2e.stack import free_port
from tests.fake_telegram import TOKEN, FakeTelegram

HOOK = "https://bot.practice.example/webhooks/telegram/webhook"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTelegram]:
    with FakeTelegram(max_poll_wait=0.3) as f:
        yield f


@pytest.fixture
def fake(server: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    # Several Sanic apps in one process (Sanic 21.12 rewrites its methods per app
    # unless in test mode).
    monkeypatch.setattr(Sanic, "test_mode", True)
    server.reset()
    return server


class FakeAgent:
    """What Rasa's agent does with a message, reduced: reply through its output channel."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(message.sender_id, {
            "text": f"You said: {message.text}",
            "buttons": [{"title": "Continue", "payload": "/continue_program"}]})


async def serve(channel: TelegramInput) -> tuple[Any, int, FakeAgent]:
    app = Sanic(f"tg{uuid.uuid4().hex[:8]}")
    agent = FakeAgent()
    app.ctx.agent = agent
    register([channel], app, "/webhooks/")
    port = free_port()
    srv = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                  access_log=False)
    assert srv is not None
    await srv.startup()
    await srv.after_start()
    return srv, port, agent


async def close(srv: Any) -> None:
    await srv.before_stop()
    srv.close()
    await srv.wait_closed()


@pytest.fixture
async def webhook_server(fake: FakeTelegram) -> AsyncIterator[tuple[TelegramInput, int, FakeAgent]]:
    channel = TelegramInput.from_credentials({
        "token": TOKEN, "api_base_url": fake.base_url, "webhook_url": HOOK,
        "webhook_secret": "s3cret-s3cret-s3cret"})
    assert isinstance(channel, TelegramInput)
    srv, port, agent = await serve(channel)
    try:
        yield channel, port, agent
    finally:
        await close(srv)


async def test_webhook_is_set_with_the_secret_at_start(
        fake: FakeTelegram, webhook_server: tuple[TelegramInput, int, FakeAgent]) -> None:
    channel, _, _ = webhook_server
    assert channel.mode == "webhook"
    assert fake.webhook is not None
    assert fake.webhook["url"] == HOOK
    assert fake.webhook["secret_token"] == "s3cret-s3cret-s3cret"
    assert "callback_query" in fake.webhook["allowed_updates"]
    assert fake.sent("setMyCommands")


async def test_webhook_refuses_calls_without_the_secret(
        fake: FakeTelegram, webhook_server: tuple[TelegramInput, int, FakeAgent]) -> None:
    _, port, agent = webhook_server
    url = f"http://127.0.0.1:{port}/webhooks/telegram/webhook"
    update = {"update_id": 1, "message": fake.message(41, text="hello")}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}):
            async with http.post(url, json=update, headers=headers) as r:
                assert r.status == 403
        async with http.post(url, data="not json",
                             headers={SECRET_HEADER: "s3cret-s3cret-s3cret"}) as r:
            assert r.status == 400
        async with http.post(url, json=update,
                             headers={SECRET_HEADER: "s3cret-s3cret-s3cret"}) as r:
            assert r.status == 200
    await fake.await_for(lambda: fake.texts(41))
    assert len(agent.messages) == 1
    msg = agent.messages[0]
    assert (msg.sender_id, msg.text, msg.input_channel) == ("41", "hello", "telegram")
    assert isinstance(msg.output_channel, TelegramOutput)
    assert fake.texts(41) == ["You said: hello"]
    assert fake.keyboards(41)[-1][0]["callback_data"] == "/continue_program"


async def test_button_press_through_the_webhook(
        fake: FakeTelegram, webhook_server: tuple[TelegramInput, int, FakeAgent]) -> None:
    channel, port, agent = webhook_server
    output = channel.get_output_channel()
    assert output is not None
    await output.send_response("42", {"text": "Ready?", "buttons": [
        {"title": "Yes please", "payload": '/choose{"choice":"a"}'}]})
    update = fake.press(42, "Yes please")
    fake.reset()
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}/webhooks/telegram/webhook", json=update,
            headers={SECRET_HEADER: "s3cret-s3cret-s3cret"}) as r:
        assert r.status == 200
    await fake.await_for(lambda: len(fake.texts(42)) >= 2)
    assert agent.messages[-1].text == '/choose{"choice":"a"}'
    assert fake.texts(42)[0] == "› Yes please"
    assert fake.sent("answerCallbackQuery") and fake.sent("editMessageReplyMarkup", 42)


async def test_output_channel_for_proactive_messages(
        fake: FakeTelegram, webhook_server: tuple[TelegramInput, int, FakeAgent]) -> None:
    channel, _, _ = webhook_server
    output = channel.get_output_channel()
    assert isinstance(output, TelegramOutput) and output.name() == "telegram"
    await output.send_response("43", {"text": "Time for today's mood check.\n\nHow is it?"})
    await output.send_response("43", {"text": "Your week", "image": "https://example.org/c.png"})
    await output.send_response("43", {"custom": {"text": "from a custom payload"}})
    assert fake.texts(43) == ["Time for today's mood check.\n\nHow is it?", "Your week",
                              "from a custom payload"]
    assert fake.sent("sendPhoto", 43)[0].params["photo"] == "https://example.org/c.png"


async def test_polling_mode_starts_with_the_server(fake: FakeTelegram) -> None:
    channel = TelegramInput(TOKEN, fake.base_url, retry=RetryPolicy(backoff_base=0.01),
                            poll_timeout=1)
    assert channel.mode == "polling"
    srv, _, agent = await serve(channel)
    try:
        fake.send_text(44, "/start ABCDEFGH")
        await fake.await_for(lambda: fake.texts(44))
        assert agent.messages[0].text == '/start{"invite_code": "ABCDEFGH"}'  # as Rasa parses it
        assert fake.sent("deleteWebhook")
    finally:
        await close(srv)


async def test_no_token_means_the_channel_is_off(fake: FakeTelegram) -> None:
    channel = TelegramInput.from_credentials({"token": None, "api_base_url": None,
                                              "webhook_url": None, "webhook_secret": None})
    assert isinstance(channel, TelegramInput)
    assert channel.mode == "off" and channel.get_output_channel() is None
    srv, port, _ = await serve(channel)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
                                 json={"update_id": 1}) as r:
                assert r.status == 404
            async with http.get(f"http://127.0.0.1:{port}/webhooks/telegram/") as r:
                assert (await r.json())["mode"] == "off"
    finally:
        await close(srv)
    assert fake.calls == []


async def test_a_proactive_message_before_start_up_finished(fake: FakeTelegram) -> None:
    channel = TelegramInput(TOKEN, fake.base_url)  # no server started: nothing initialised
    output = channel.get_output_channel()
    assert output is not None
    await output.send_response("45", {"text": "Time for your check-in."})
    assert fake.texts(45) == ["Time for your check-in."]
    assert channel.client is not None
    await channel.client.shutdown()

"""The checks every input channel makes (bot/rasa/channels/inbound.py, bot/rasa/channels/rest.py)."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.content.texts import Texts
from bot.core.settings import REPO_ROOT
from bot.rasa.channels import inbound
from bot.rasa.channels.rest import parse_body


@pytest.mark.parametrize("raw", [b"[]", b"null", b"", b"not json", b"\xff\xfe", b'"hi"', b"3"])
def test_bodies_that_are_not_a_json_object_are_refused(raw: bytes) -> None:
    with pytest.raises(inbound.BadInput, match="body must be"):
        parse_body(raw)


@pytest.mark.parametrize("sender", [
    "\ud800", "", " ", "a" * 129, None, ["x"], {"a": 1}, True, "tab\there", "zero\u200bwidth",
    "new\nline",
])
def test_bad_senders_are_refused(sender: Any) -> None:
    import json

    raw = json.dumps({"sender": sender, "message": "hi"}).encode()
    with pytest.raises(inbound.BadInput, match="'sender'"):
        parse_body(raw)


def test_good_bodies_pass_and_a_lone_surrogate_in_the_text_is_replaced() -> None:
    assert parse_body(b'{"sender": "abc", "message": "hei"}') == ("abc", "hei", None)
    assert parse_body(b'{"sender": 42, "message": null}') == ("42", "", None)
    sender, text, _ = parse_body(b'{"sender": "Ola Nordmann", "message": "x\\ud800y\\u0000z"}')
    assert sender == "Ola Nordmann" and text == "x?yz"
    text.encode("utf-8")  # storable
    with pytest.raises(inbound.BadInput, match="'message'"):
        parse_body(b'{"sender": "a", "message": 5}')
    with pytest.raises(inbound.BadInput, match="'metadata'"):
        parse_body(b'{"sender": "a", "message": "x", "metadata": []}')


@pytest.mark.parametrize("text", ["", " ", "\n", "\u2028\u2029", "\t \u200b\ufeff", "\u3000", None])
def test_blank(text: str | None) -> None:
    assert inbound.is_blank(text)


@pytest.mark.parametrize("text", ["a", " . ", "/start", "😔"])
def test_not_blank(text: str) -> None:
    assert not inbound.is_blank(text)


def test_a_long_message_is_cut_at_a_word_and_a_risky_later_part_wins() -> None:
    ordinary = "I went for a walk today and it was fine. " * 200  # about 8,200 characters
    cut, was_cut = inbound.fit(ordinary)
    assert was_cut and len(cut) <= inbound.MAX_MESSAGE_CHARS and not cut.endswith("wal")
    assert inbound.fit("short", None) == ("short", False)
    risky = ordinary + "I have the pills ready and I will take them all tonight."

    def scorer(part: str) -> float:
        return 0.9 if "pills" in part else 0.0

    part, was_cut = inbound.fit(risky, scorer)
    assert was_cut and "pills ready" in part and len(part) <= inbound.MAX_MESSAGE_CHARS




def _guard() -> inbound.Guard:
    return inbound.Guard(Texts(REPO_ROOT / "cbt_content"), "en", scorer=None)


def test_the_guard_answers_blank_messages_without_asking_rasa() -> None:
    out = CollectingOutputChannel()
    called: list[str] = []

    async def rasa(msg: UserMessage) -> None:
        called.append(msg.text or "")

    asyncio.run(_guard().handle(rasa, UserMessage(" \u2028", out, "s1")))
    assert called == [] and "empty" in out.messages[0]["text"]


def test_a_message_that_got_no_reply_gets_the_fallback_with_crisis_numbers() -> None:
    out = CollectingOutputChannel()

    async def silent(msg: UserMessage) -> None:
        return None

    async def raising(msg: UserMessage) -> None:
        raise RuntimeError("the action server went away")

    for rasa in (silent, raising):
        out.messages.clear()
        asyncio.run(_guard().handle(rasa, UserMessage("hello", out, "s1")))
        said = " ".join(m["text"] for m in out.messages)
        assert "could not answer" in said and "113" in said and "116 123" in said


def test_a_replied_message_gets_nothing_extra() -> None:
    out = CollectingOutputChannel()

    async def rasa(msg: UserMessage) -> None:
        await msg.output_channel.send_response(msg.sender_id, {"text": "hi there"})

    asyncio.run(_guard().handle(rasa, UserMessage("hello", out, "s1")))
    assert [m["text"] for m in out.messages] == ["hi there"]


def test_a_broken_messages_file_still_gives_the_crisis_numbers(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "messages.yaml").write_text("no_reply: [unclosed\n")
    guard = inbound.Guard(Texts(tmp_path), "en", scorer=None)
    out = CollectingOutputChannel()

    async def silent(msg: UserMessage) -> None:
        return None

    asyncio.run(guard.handle(silent, UserMessage("hello", out, "s1")))
    assert "113" in " ".join(m["text"] for m in out.messages)


def test_the_guard_answers_in_the_senders_language() -> None:
    """Before the actions know the patient: the Telegram app's language, the chat page's,
    or the words of the message itself."""
    texts = Texts(REPO_ROOT / "cbt_content")

    async def silent(msg: UserMessage) -> None:
        return None

    for message, expected in (
            (UserMessage(" ", None, "s1", metadata={"language_code": "nb"}), "empty_message"),
            (UserMessage(" ", None, "s2", metadata={"language": "nb"}), "empty_message"),
            (UserMessage("hei, jeg vet ikke hva jeg skal gjøre", None, "s3"), "no_reply")):
        out = CollectingOutputChannel()
        message.output_channel = out
        asyncio.run(_guard().handle(silent, message))
        assert out.messages[0]["text"] == texts.get(expected, "nb")
        assert out.messages[0]["text"] != texts.get(expected, "en")

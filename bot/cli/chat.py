"""A terminal chat with a running stack over REST (`make shell`).

Buttons are listed with numbers; type the number to press one, or type freely.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any, TextIO


def post(url: str, sender: str, message: str) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,  # noqa: S310 - http(s) from settings
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - http(s) from settings
        return list(json.loads(resp.read()))


def chat(url: str, sender: str | None = None, inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    sender = sender or f"terminal-{uuid.uuid4().hex[:8]}"
    print(f"Chatting with {url} as {sender!r}. Ctrl-D to leave.", file=out)
    buttons: list[dict[str, str]] = []
    while True:
        print("you> ", end="", file=out, flush=True)
        line = inp.readline()
        if not line:
            print(file=out)
            return 0
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        if not text:
            continue
        try:
            replies = post(url, sender, text)
        except (urllib.error.URLError, OSError) as exc:
            print(f"!! cannot reach {url}: {exc}. Is `make run` running?", file=out)
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                for i, para in enumerate(reply["text"].split("\n")):
                    print(("bot> " if i == 0 else "     ") + para, file=out)
            if reply.get("image"):
                print(f"     [image: {reply['image'][:80]}]", file=out)
            for b in reply.get("buttons") or []:
                buttons.append(b)
                print(f"     [{len(buttons)}] {b['title']}", file=out)

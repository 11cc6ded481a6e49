"""Hostile input under load, to 127.0.0.1 only: does any request stop, stall or
silence the Rasa server?

    python benchmarks/hostile.py              # starts its own stack on free ports
    python benchmarks/hostile.py --messages 4000 --concurrency 16

Sends a bounded mix, concurrently, of what once broke something: lone surrogates in
sender ids, non-object and malformed bodies, empty and whitespace-only messages, 100 KB
of random letters, long pathological repetitions for the risk rules, homoglyphs, wrong
types, unknown intents and broken payloads, alongside ordinary enrolled patients.
Prints, per kind: requests, 5xx, no reply (HTTP 200 with an empty list), and at the
end the Rasa server's restarts (a changed PID), urgent risk pages raised by the junk,
and an ordinary patient's reply time before and after, as a ratio. Goal: 0, 0, 0, 0.

It also prints the risk detector's time on pathological shapes at 4 KB and 16 KB,
side by side: the ratio shows whether the cost grows linearly (about 4x) or worse.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.tables import RiskEvent
from tests.e2e.stack import Stack, free_port, texts
from tests.e2e.test_rest_flow import onboard

SHAPES = {"commas": "a, ", "die": "die ", "kill": "kill myself ", "nb": "jeg vil ikke ",
          "mix": "i dont want to die but ", "not": "not ", "spaced": "k i l l m y s e l f "}


def hostile(rnd: random.Random, i: int) -> tuple[str, bytes]:
    kind = rnd.choice(["surrogate_sender", "bad_body", "blank", "junk_100k", "shape_16k",
                       "homoglyph", "wrong_type", "payload", "ordinary"])
    sender = f"h{i % 40}"
    body: object
    if kind == "surrogate_sender":
        return kind, json.dumps({"sender": "\ud800" + sender, "message": "hi"}).encode()
    if kind == "bad_body":
        return kind, rnd.choice([b"[]", b"null", b"", b"{", b"\xff\xfe", b'"x"', b"[1,2]"])
    if kind == "blank":
        body = {"sender": sender, "message": rnd.choice(["", " ", "\n", "\u2028\u2029", "\u200b"])}
    elif kind == "junk_100k":  # junk senders (j*) are counted for urgent pages
        body = {"sender": f"j{i % 10}", "message": "".join(
            rnd.choice(string.ascii_letters + "   ") for _ in range(100_000))}
    elif kind == "shape_16k":
        unit = rnd.choice(list(SHAPES.values()))
        body = {"sender": f"s{i % 10}", "message": (unit * (16384 // len(unit) + 1))[:16384]}
    elif kind == "homoglyph":
        body = {"sender": sender, "message": rnd.choice(["i w\u0430nt to die", "\u0456 hate my life"])}
    elif kind == "wrong_type":
        body = {"sender": sender, "message": rnd.choice([7, ["a"], {"b": 1}, True]),
                "metadata": rnd.choice([None, [], "x"])}
    elif kind == "payload":
        body = {"sender": sender, "message": rnd.choice(["/nonexistent_intent", '/inform{"x":',
                                                         "/restart", "/" * 300])}
    else:
        body = {"sender": sender, "message": rnd.choice(["hello", "menu", "how far am i"])}
    return kind, json.dumps(body).encode()


def reply_time(stack: Stack, sender: str, n: int = 5) -> float:
    took = []
    for _ in range(n):
        t = time.perf_counter()
        assert texts(stack.say(sender, "what can you do?"))
        took.append(time.perf_counter() - t)
    return statistics.median(took)


def detector_shapes() -> None:
    from bot.safety.detector import detect

    print("\nrisk detector on pathological shapes (ms; 16 KB / 4 KB should be about 4x)")
    for name, unit in SHAPES.items():
        row = []
        for size in (4096, 16384):
            text = (unit * (size // len(unit) + 1))[:size]
            t = time.perf_counter()
            detect(text)
            row.append((time.perf_counter() - t) * 1000)
        print(f"  {name:8s} 4 KB {row[0]:7.1f}   16 KB {row[1]:7.1f}   ratio {row[1] / row[0]:4.1f}x")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=12)
    args = ap.parse_args()
    detector_shapes()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bot.db'}"
        upgrade(url)
        stack = Stack(workdir=Path(tmp), database_url=url, rasa_port=free_port(),
                      action_port=free_port())
        stack.start()
        try:
            rasa = stack.procs[[p.name for p in stack.logs].index("rasa.log")]
            pid = rasa.pid
            for name in [f"h{i}" for i in range(40)] + [f"{c}{i}" for c in "js" for i in range(10)]:
                onboard(stack, name)
            onboard(stack, "calm")
            before = reply_time(stack, "calm")
            rnd = random.Random(2026)
            work = [hostile(rnd, i) for i in range(args.messages)]
            sent: Counter[str] = Counter()
            server_errors: Counter[str] = Counter()
            no_reply: Counter[str] = Counter()
            refused: Counter[str] = Counter()
            session = requests.Session()

            def one(item: tuple[str, bytes]) -> None:
                kind, body = item
                sent[kind] += 1
                try:
                    r = session.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, timeout=120)
                except requests.RequestException:
                    refused[kind] += 1
                    return
                if r.status_code >= 500:
                    server_errors[kind] += 1
                elif r.status_code == 200 and not r.json():
                    no_reply[kind] += 1

            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(one, work))
            elapsed = time.perf_counter() - t0
            after = reply_time(stack, "calm")
            db = Database(url)
            with db.session() as s:
                urgent = s.execute(select(func.count()).select_from(RiskEvent).where(
                    RiskEvent.urgency == "urgent", RiskEvent.sender_id.like("j%"))).scalar()
            db.dispose()
            print(f"\n{args.messages} requests, {args.concurrency} at a time, in {elapsed:.1f} s")
            print(f"  {'kind':18s} {'sent':>6s} {'5xx':>5s} {'no reply':>9s} {'refused':>8s}")
            for kind in sorted(sent):
                print(f"  {kind:18s} {sent[kind]:6d} {server_errors[kind]:5d} {no_reply[kind]:9d} "
                      f"{refused[kind]:8d}")
            restarts = 0 if rasa.poll() is None and rasa.pid == pid else 1
            print(f"  total 5xx {sum(server_errors.values())}, no reply {sum(no_reply.values())}, "
                  f"refused {sum(refused.values())}, Rasa restarts {restarts}")
            print(f"  urgent risk pages raised by 100 KB random letters: {urgent} (goal 0)")
            print(f"  an ordinary patient's reply: {before * 1000:.0f} ms before, "
                  f"{after * 1000:.0f} ms after ({after / before:.2f}x)")
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

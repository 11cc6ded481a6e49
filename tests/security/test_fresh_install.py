"""The attacks of the earlier security review, tried against a fresh installation
(tests/security/fresh.py: a copied checkout with no .env, no SECRET_KEY, no tokens and
an empty var/, started with `python -m bot run --demo` as `make run` does), each
asserted refused now. Every refusal is paired with a control that the same request is
accepted where it should be, so a test cannot pass because nothing answers.

The Telegram channel is on (its token and the local fake Bot API are the only settings
besides the ports), so the token can be looked for in the logs afterwards.
"""
from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.stack import texts
from tests.e2e.test_rest_flow import payload_for
from tests.fake_telegram import FakeTelegram
from tests.security.fresh import FreshInstall, children, copy_checkout

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TG_TOKEN = "123456:ABC-secret-token-for-the-security-tests"
TG_CHAT = 5550777
# Risk messages with a word of their own, looked for in the logs afterwards.
REST_RISK = "honestly i just want to kms tonight, everyone would be better off, marigoldquartz"
TG_RISK = "i want to end my life tonight, i have the pills ready, saffronpebble"
CRISIS_MARKS = ("safe right now", "thoughts of ending your life", "113")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TG_TOKEN) as f:
        yield f


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, fake: FakeTelegram) -> Iterator[FreshInstall]:
    root = copy_checkout(tmp_path_factory.mktemp("fresh") / "checkout")
    assert not (root / ".env").exists() and not (root / "var").exists()
    inst = FreshInstall(root, extra_env={"TELEGRAM_TOKEN": TG_TOKEN,
                                         "TELEGRAM_API_BASE_URL": fake.base_url})
    assert "SECRET_KEY" not in inst.env() and "RASA_API_TOKEN" not in inst.env()
    inst.start()
    try:
        yield inst
    finally:
        inst.stop()


def is_crisis(replies: list[dict[str, Any]]) -> bool:
    out = texts(replies).lower()
    return any(mark in out for mark in CRISIS_MARKS)


def new_code(fresh: FreshInstall) -> str:
    """An invite made by the operator's command in the fresh checkout."""
    r = fresh.cli("patients", "invite", "--gp", "demo.gp@example.org", "--language", "en")
    found = re.search(r"invite code: ([A-Z0-9]{4}-[A-Z0-9]{4})", r.stdout)
    assert found, r.stdout + r.stderr
    return found.group(1)


def onboard(fresh: FreshInstall, sender: str, code: str) -> None:
    r = fresh.say(sender, f"/start {code}")
    assert "connected" in texts(r).lower(), r
    r = fresh.say(sender, "/consent_agree")
    r = fresh.say(sender, payload_for(r, '"share":"yes"'))
    assert "module" in texts(r).lower()
    fresh.say(sender, payload_for(r, "continue_program"))


def db(fresh: FreshInstall) -> sqlite3.Connection:
    con = sqlite3.connect(fresh.var / "bot.db", timeout=30)
    con.row_factory = sqlite3.Row
    return con


def risk_state(fresh: FreshInstall, sender: str) -> tuple[Any, list[tuple[Any, Any]]]:
    """(the patient's risk_open_since, [(closed_at, safety_answer) of their risk events])."""
    con = db(fresh)
    try:
        pid = con.execute("SELECT patient_id FROM channel_identities WHERE sender_id=?",
                          (sender,)).fetchone()[0]
        since = con.execute("SELECT risk_open_since FROM patients WHERE id=?", (pid,)).fetchone()[0]
        events = [tuple(r) for r in con.execute(
            "SELECT closed_at, safety_answer FROM risk_events WHERE patient_id=? ORDER BY id", (pid,))]
        return since, events
    finally:
        con.close()


@pytest.fixture(scope="module")
def at_risk(fresh: FreshInstall) -> str:
    """A patient linked with the demo invite `bot run` printed, whose risk message
    opened a risk event (and an urgent escalation) that is still open."""
    assert fresh.code, "".join(fresh.output)
    onboard(fresh, "patient-at-risk", fresh.code)
    r = fresh.say("patient-at-risk", REST_RISK)
    assert is_crisis(r), texts(r)
    since, events = risk_state(fresh, "patient-at-risk")
    assert since is not None and events and events[-1][0] is None
    return "patient-at-risk"


# ---------------------------------------------------------------- 1. Rasa's HTTP API


def machine_addresses() -> list[str]:
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent; picks the outgoing address
            out.append(s.getsockname()[0])
    except OSError:
        pass
    return sorted({a for a in out if not a.startswith("127.") and a != "::1"})


def listening(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) in LISTEN on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            addr, hexport = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hexport, 16) == port:
                found.append(addr)
    return found


def test_rasa_api_needs_its_token_and_servers_listen_on_loopback_only(
        fresh: FreshInstall, at_risk: str) -> None:
    token = fresh.tokens()["rasa"]
    tracker = f"/conversations/{at_risk}/tracker"
    injected = [{"event": "slot", "name": "requested_slot", "value": "forged-by-test"}]
    calls = [("GET", tracker, None), ("POST", f"{tracker}/events", injected),
             ("POST", f"/conversations/{at_risk}/execute", {"name": "action_im_safe"}),
             ("PUT", "/model", {"model_file": "/tmp/evil.tar.gz"}), ("GET", "/status", None)]
    for method, path, body in calls:
        for query in ("", "?token=", "?token=wrong-token-wrong-token-wrong",
                      f"?token={token[:-1]}", "?token=change-me"):
            r = requests.request(method, fresh.rasa_url + path + query, json=body, timeout=10)
            assert r.status_code in (401, 403), (method, path, query, r.status_code, r.text[:200])
        # A bearer header with a wrong JWT is no way round it either.
        r = requests.request(method, fresh.rasa_url + path, json=body, timeout=10,
                             headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
        assert r.status_code in (401, 403), (method, path, "bearer", r.status_code)
    # Control: the token `bot run` made opens the API, and nothing above got in.
    assert requests.get(f"{fresh.rasa_url}/status?token={token}", timeout=10).status_code == 200
    r = requests.get(f"{fresh.rasa_url}{tracker}?token={token}", timeout=10)
    assert r.status_code == 200
    assert "forged-by-test" not in r.text
    assert any(e.get("name") == "action_im_safe" for e in r.json()["events"]) is False
    since, events = risk_state(fresh, at_risk)
    assert since is not None and events[-1][0] is None

    # Every server of the run listens on 127.0.0.1 only: from the machine's own
    # non-loopback address the port is closed, and the kernel's table agrees.
    addresses = machine_addresses()
    assert addresses, "no non-loopback address to try"
    for name, port in fresh.ports.items():
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # control: it is up
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                assert s.connect_ex((address, port)) != 0, f"{name} answers on {address}:{port}"
        assert listening(port) == ["0100007F"], (name, port, listening(port))


# ---------------------------------------------------------------- 2. the action server


def forged_call(sender: str, action: str) -> dict[str, Any]:
    """What Rasa sends to the action server, as an attacker would write it."""
    return {
        "next_action": action, "sender_id": sender, "version": "3.6.2",
        "tracker": {"sender_id": sender, "slots": {}, "latest_message": {
            "text": "/im_safe", "intent": {"name": "im_safe", "confidence": 1.0}, "entities": []},
            "latest_event_time": time.time(), "followup_action": None, "paused": False,
            "events": [{"event": "user", "text": "/im_safe", "timestamp": time.time(),
                        "parse_data": {"intent": {"name": "im_safe", "confidence": 1.0},
                                       "entities": []}, "input_channel": "rest"}],
            "latest_input_channel": "rest", "active_loop": {}, "latest_action_name": "action_listen"},
        "domain": {"slots": {}, "responses": {}, "intents": [], "entities": [], "actions": [],
                   "forms": {}},
    }


def test_a_forged_action_call_without_the_token_changes_nothing(
        fresh: FreshInstall, at_risk: str) -> None:
    before = risk_state(fresh, at_risk)
    for action in ("action_im_safe", "action_safety_answer", "action_program"):
        for query in ("", "?token=", "?token=wrong-token-wrong-token-wrong"):
            r = requests.post(f"{fresh.action_url}/webhook{query}", json=forged_call(at_risk, action),
                              timeout=10)
            assert r.status_code == 401, (action, query, r.status_code, r.text[:200])
            assert at_risk not in r.text
    for path in ("/actions", "/webhook/"):
        assert requests.get(fresh.action_url + path, timeout=10).status_code in (401, 404, 405)
    assert requests.get(f"{fresh.action_url}/health", timeout=10).status_code == 200
    assert risk_state(fresh, at_risk) == before
    assert before[0] is not None and before[1][-1][0] is None  # the risk event is still open


# ---------------------------------------------------------------- 3. no default secret


WEAK = ["", "change-me", "secret", "dev", "changeme", "dev-only-insecure-secret-change-me",
        "change-me-to-a-random-value-of-32-chars-or-more", "password", "test", "rasa"]


def test_the_secret_is_made_on_first_run_kept_private_and_reused(fresh: FreshInstall) -> None:
    path = fresh.var / "secrets" / "secret_key"
    st = path.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = path.read_text().strip()
    assert len(secret) >= 32 and secret not in WEAK
    # A second run (another process of the same installation) reads the same one and
    # does not rewrite it.
    probe = ("from bot.core.settings import load_settings; import sys; "
             "sys.stdout.write(load_settings().secret_key)")
    r = subprocess.run([sys.executable, "-c", probe], cwd=fresh.root, env=fresh.env(),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == secret, r.stderr
    again = path.stat()
    assert (again.st_ino, again.st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    assert list(path.parent.iterdir()) == [path]  # no second secret, no temporary left


def escalation_id(fresh: FreshInstall, sender: str) -> int:
    con = db(fresh)
    try:
        return int(con.execute(
            "SELECT e.id FROM escalations e JOIN channel_identities c ON c.patient_id=e.patient_id "
            "WHERE c.sender_id=? AND e.kind='risk'", (sender,)).fetchone()[0])
    finally:
        con.close()


def forge_link(secret: str, escalation: int, action: str, recipient: str) -> str:
    """A GP link as bot/escalation/links.py signs one, with a key of the attacker's choosing."""
    from itsdangerous import URLSafeTimedSerializer

    return str(URLSafeTimedSerializer(secret, salt="gp-link-v1").dumps(
        {"e": escalation, "a": action, "r": recipient}))


def test_gp_links_signed_with_a_well_known_secret_are_refused(
        fresh: FreshInstall, at_risk: str) -> None:
    esc = escalation_id(fresh, at_risk)
    for weak in WEAK:
        for action in ("brief", "ack", "followup"):
            token = forge_link(weak, esc, action, "demo.gp@example.org")
            r = requests.get(f"{fresh.gp_url}/{action}/{token}", timeout=10)
            assert r.status_code == 403, (weak, action, r.status_code)
            assert "Module" not in r.text and "risk" not in r.text.lower()
        r = requests.post(f"{fresh.gp_url}/ack/{forge_link(weak, esc, 'ack', 'x')}", timeout=10)
        assert r.status_code == 403
    con = db(fresh)
    assert con.execute("SELECT status FROM escalations WHERE id=?", (esc,)).fetchone()[0] == "open"
    con.close()
    # Control: a link signed with this installation's own secret opens the brief.
    secret = (fresh.var / "secrets" / "secret_key").read_text().strip()
    r = requests.get(f"{fresh.gp_url}/brief/{forge_link(secret, esc, 'brief', 'demo.gp@example.org')}",
                     timeout=10)
    assert r.status_code == 200, r.text[:300]


def test_cors_lets_only_the_chat_page_call_rasa(fresh: FreshInstall) -> None:
    paths = ["/socket.io/?EIO=4&transport=polling", "/webhooks/rest/webhook",
             "/conversations/x/tracker", "/status"]
    for path in paths:
        for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
            r = requests.options(fresh.rasa_url + path, timeout=10, headers={
                "Origin": origin, "Access-Control-Request-Method": "POST"})
            allowed = r.headers.get("Access-Control-Allow-Origin")
            assert allowed not in (origin, "*"), (path, origin, dict(r.headers))
        r = requests.get(fresh.rasa_url + paths[0], headers={"Origin": "https://evil.example"},
                         timeout=10)
        assert r.headers.get("Access-Control-Allow-Origin") not in ("https://evil.example", "*")
        # Control: the chat page's own origin is let through.
        r = requests.options(fresh.rasa_url + path, timeout=10, headers={
            "Origin": fresh.web_origin, "Access-Control-Request-Method": "POST"})
        assert r.headers.get("Access-Control-Allow-Origin") == fresh.web_origin, (path, dict(r.headers))


# ---------------------------------------------------------------- 4. bounded input

SHAPES = {
    "repeated risk words": "kill myself " * 5000,
    "one letter": "a" * 50_000,
    "spaces": " " * 49_990 + "hello",
    "confusables": "\u0456 w\u0430nt t\u043e d\u0456\u0435 " * 4000,
    "nested negations": "i do not not not not not want to die " * 1500,
}


def timed_say(fresh: FreshInstall, sender: str, text: str) -> tuple[float, list[dict[str, Any]]]:
    start = time.monotonic()
    r = fresh.say(sender, text, timeout=60)
    return time.monotonic() - start, r


def test_50_kb_messages_are_answered_quickly_and_others_meanwhile(fresh: FreshInstall) -> None:
    from bot.rasa.channels.inbound import MAX_MESSAGE_CHARS

    onboard(fresh, "long-talker", new_code(fresh))
    onboard(fresh, "bystander", new_code(fresh))
    took: dict[str, float] = {}
    untold: list[tuple[str, str]] = []
    bystander: list[float] = []
    done = threading.Event()

    def other_conversation() -> None:
        while not done.is_set():
            t, r = timed_say(fresh, "bystander", "what can you do?")
            assert texts(r)
            bystander.append(t)

    helper = threading.Thread(target=other_conversation, daemon=True)
    helper.start()
    try:
        for name, text in SHAPES.items():
            text = text[:50_000]
            took[name], r = timed_say(fresh, "long-talker", text)
            # Blank space around the words is not part of the message (Rasa strips it):
            # 50 KB of spaces and "hello" is "hello", answered, with nothing cut.
            over = len(text.strip()) > MAX_MESSAGE_CHARS
            if not texts(r) or over != ("long message" in texts(r).lower()):
                untold.append((name, texts(r)[:200]))
    finally:
        done.set()
        helper.join(timeout=60)
    print("50 KB over REST (s):", {k: round(v, 2) for k, v in took.items()},
          "bystander:", [round(x, 2) for x in bystander])
    assert not untold, untold
    assert max(took.values()) < 4.0, took
    assert bystander and max(bystander) < 4.0, bystander


def test_over_the_cap_the_reply_is_kind_and_risk_in_the_first_part_is_noticed(
        fresh: FreshInstall) -> None:
    from bot.rasa.channels.inbound import MAX_MESSAGE_CHARS

    onboard(fresh, "rambler", new_code(fresh))
    filler = " I walked the dog, then made dinner and watched the news for a while."
    ordinary = ("My week was ordinary." + filler * 200)[: MAX_MESSAGE_CHARS * 3]
    r = fresh.say("rambler", ordinary)
    assert "long message" in texts(r).lower() and not is_crisis(r), texts(r)
    risky = "I want to kill myself tonight." + filler * 200
    assert len(risky) > MAX_MESSAGE_CHARS
    r = fresh.say("rambler", risky[: MAX_MESSAGE_CHARS * 3])
    assert "long message" in texts(r).lower() and is_crisis(r), texts(r)


def test_50_kb_over_socketio_is_answered(fresh: FreshInstall) -> None:
    import socketio

    from bot.rasa.channels.inbound import MAX_MESSAGE_CHARS

    got: list[dict[str, Any]] = []
    results: dict[str, tuple[bool, float]] = {}
    confirmed = threading.Event()
    sio = socketio.Client(reconnection=False)
    sio.on("session_confirm", lambda *_: confirmed.set())
    sio.on("bot_uttered", lambda data: got.append(data))
    session = uuid.uuid4().hex
    sio.connect(fresh.rasa_url, transports=["polling"], socketio_path="socket.io",
                headers={"Origin": fresh.web_origin})
    try:
        sio.emit("session_request", {"session_id": session})
        assert confirmed.wait(10)
        for name, text in SHAPES.items():
            n = len(got)
            start = time.monotonic()
            sio.emit("user_uttered", {"message": text[:50_000], "session_id": session})
            over = len(text[:50_000].strip()) > MAX_MESSAGE_CHARS  # blanks are stripped

            def answered_now(n: int = n, over: bool = over) -> bool:
                if not over:
                    return len(got) > n
                return any("long message" in (m.get("text") or "").lower() for m in got[n:])

            while time.monotonic() - start < 30 and not answered_now():
                time.sleep(0.05)
            answered = answered_now()
            results[name] = (answered, round(time.monotonic() - start, 2))
    finally:
        sio.disconnect()
    print("50 KB over socket.io (told it was cut, s):", results)
    assert all(ok and took < 4.0 for ok, took in results.values()), results


# ---------------------------------------------------------------- 7. invite codes


def expired_code(fresh: FreshInstall) -> str:
    code = new_code(fresh)
    con = db(fresh)
    past = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    con.execute("UPDATE invites SET expires_at=? WHERE id=(SELECT max(id) FROM invites)", (past,))
    con.commit()
    con.close()
    return code


def audit_rows(fresh: FreshInstall, after: int) -> list[sqlite3.Row]:
    """The audit entries after entry ``after`` (the actor is a pseudonym of the sender)."""
    con = db(fresh)
    try:
        return list(con.execute("SELECT * FROM audit_log WHERE id>? ORDER BY id", (after,)))
    finally:
        con.close()


def last_audit(fresh: FreshInstall) -> int:
    con = db(fresh)
    try:
        return int(con.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0])
    finally:
        con.close()


def test_wrong_used_and_expired_codes_read_alike_and_a_guesser_is_throttled(
        fresh: FreshInstall, at_risk: str) -> None:
    from bot.enrolment.service import MAX_FAILED_TRIES

    used = fresh.code  # the demo invite, used by the patient at risk
    expired = expired_code(fresh)
    tries = {"wrong": "ZZZZ-ZZZ2", "used": used, "expired": expired}
    mark = last_audit(fresh)
    replies = {k: texts(fresh.say("code-tester", f"/start {c}")) for k, c in tries.items()}
    assert len(set(replies.values())) == 1, replies
    assert "couldn't use that code" in replies["wrong"].lower()
    rows = [r for r in audit_rows(fresh, mark) if r["action"] == "invite_failed"]
    assert len(rows) == 3 and len({r["actor"] for r in rows}) == 1, [dict(r) for r in rows]
    dump = json.dumps([dict(r) for r in rows], default=str)
    for code in tries.values():
        assert code not in dump and code.replace("-", "") not in dump

    # A guesser: after MAX_FAILED_TRIES failures the right code waits too, and it
    # reads exactly as another wrong one does.
    good = new_code(fresh)
    mark = last_audit(fresh)
    for n in range(MAX_FAILED_TRIES):
        assert "couldn't use that code" in texts(fresh.say("guesser", f"/start QQQQ-QQQ{n + 2}")).lower()
    throttled_right = texts(fresh.say("guesser", f"/start {good}"))
    throttled_wrong = texts(fresh.say("guesser", "/start QQQQ-QQQQ"))
    assert throttled_right == throttled_wrong, (throttled_right, throttled_wrong)
    assert "connected" not in throttled_right.lower()
    rows = audit_rows(fresh, mark)
    actions = [r["action"] for r in rows]
    assert actions.count("invite_failed") == MAX_FAILED_TRIES and "invite_throttled" in actions
    assert "channel_linked" not in actions
    dump = json.dumps([dict(r) for r in rows], default=str)
    assert good not in dump and good.replace("-", "") not in dump and "QQQQ" not in dump
    # Control: another sender links with that same code at once.
    assert "connected" in texts(fresh.say("patient-with-code", f"/start {good}")).lower()


# ---------------------------------------------------------------- 5. and 6. var/


def test_logs_hold_neither_the_words_nor_the_bot_token(
        fresh: FreshInstall, fake: FakeTelegram, at_risk: str) -> None:
    code = new_code(fresh)
    fake.send_text(TG_CHAT, f"/start {code.replace('-', '')}")
    fake.wait_for(lambda: any("connected" in t.lower() for t in fake.texts(TG_CHAT)), timeout=60)
    n = len(fake.texts(TG_CHAT))
    fake.send_text(TG_CHAT, TG_RISK)
    fake.wait_for(lambda: len(fake.texts(TG_CHAT)) > n, timeout=60)
    assert fake.sent("sendMessage", TG_CHAT)
    time.sleep(3)  # the worker's pass over the new escalations, the logs flushed

    secrets_ = [TG_TOKEN, TG_TOKEN.split(":", 1)[1], fresh.tokens()["rasa"], fresh.tokens()["action"]]
    words = [REST_RISK, TG_RISK, "marigoldquartz", "saffronpebble", "kms tonight", "pills ready"]
    databases = re.compile(r"\.db(-wal|-shm|-journal)?$")
    files = [p for p in fresh.var.rglob("*") if p.is_file()]
    assert any(p.parent.name == "log" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets_:
            assert secret.encode() not in data, (path, "a token")
        if databases.search(path.name) or path.parent.name == "secrets":
            continue  # the conversation is stored there, as it must be
        for word in words:
            assert word.encode() not in data, (path, word)
    # Nor in the supervisor's own output, nor on any command line.
    assert TG_TOKEN not in "".join(fresh.output)
    assert fresh.proc is not None
    for pid in [fresh.proc.pid, *children(fresh.proc.pid)]:
        assert TG_TOKEN not in " ".join(Path(f"/proc/{pid}/cmdline").read_text().split("\0"))


def test_everything_under_var_is_its_users_only(fresh: FreshInstall, at_risk: str) -> None:
    seen = {"dirs": 0, "files": 0}
    for dirpath, _dirnames, filenames in os.walk(fresh.var):
        mode = stat.S_IMODE(os.stat(dirpath).st_mode)
        assert mode == 0o700, (dirpath, oct(mode))
        seen["dirs"] += 1
        for name in filenames:
            path = Path(dirpath) / name
            mode = stat.S_IMODE(path.lstat().st_mode)
            assert not path.is_symlink() and mode == 0o600, (path, oct(mode))
            seen["files"] += 1
    names = {p.name for p in fresh.var.rglob("*")}
    assert {"bot.db", "tracker.db", "secret_key", "rasa.log", "actions.log"} <= names, names
    print("var/:", seen, sorted(names))

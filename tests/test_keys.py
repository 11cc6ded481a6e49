"""Rotating SECRET_KEY: the new key signs, old keys verify (links, Telegram buttons,
invite and GP codes) until pruned; `python -m bot keys` does it for var/secrets/."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Services
from bot.core.clock import FrozenClock
from bot.core.keys import fingerprint, prune, rotate
from bot.core.settings import REPO_ROOT, SettingsError, load_settings
from bot.enrolment import service as enrolment
from bot.enrolment.service import LinkOutcome, add_gp, invite_patient, redeem_invite
from bot.escalation.gp_telegram import create_gp_link_code, link_gp_telegram
from bot.escalation.links import (
    LinkError,
    ack_callback_data,
    make_token,
    read_ack_callback,
    read_token,
)

OLD, NEW, OLDER = "o" * 40, "n" * 40, "p" * 40


def test_old_keys_are_read_checked_and_come_after_the_current_one() -> None:
    s = load_settings({"SECRET_KEY": NEW, "OLD_SECRET_KEYS": f" {OLD} ,{OLDER},{OLD}"})
    assert s.secret_keys == (NEW, OLD, OLDER)
    assert OLD not in repr(s) and NEW not in repr(s)
    with pytest.raises(SettingsError, match=r"OLD_SECRET_KEYS \(key 2\) must be a random value"):
        load_settings({"SECRET_KEY": NEW, "OLD_SECRET_KEYS": f"{OLD},short"})
    prod = {"PRODUCTION": "true", "SECRET_KEY": NEW, "OLD_SECRET_KEYS": NEW,
            "PUBLIC_BASE_URL": "https://x.example", "GP_WEB_URL": "https://x.example",
            "RASA_PUBLIC_URL": "https://x.example", "CORS_ORIGINS": "https://x.example"}
    with pytest.raises(SettingsError, match="is the same as SECRET_KEY"):
        load_settings(prod)
    assert load_settings({**prod, "OLD_SECRET_KEYS": OLD}).secret_keys == (NEW, OLD)
    # Outside production a leftover duplicate is harmless and dropped.
    assert load_settings({"SECRET_KEY": NEW, "OLD_SECRET_KEYS": NEW}).secret_keys == (NEW,)


def test_links_and_buttons_signed_with_an_old_key_verify_until_it_is_pruned() -> None:
    token, data = make_token(OLD, 7, "brief", "ada@example.org"), ack_callback_data(OLD, 7)
    assert read_token([NEW, OLD], token, "brief").escalation_id == 7
    assert read_ack_callback([NEW, OLD], data) == 7
    fresh = make_token([NEW, OLD], 8, "ack", "ada@example.org")  # signed with the current key
    assert read_token(NEW, fresh, "ack").escalation_id == 8
    with pytest.raises(LinkError):
        read_token(OLD, fresh, "ack")
    assert read_ack_callback(NEW, ack_callback_data([NEW, OLD], 9)) == 9
    with pytest.raises(LinkError):  # pruned
        read_token([NEW], token, "brief")
    with pytest.raises(LinkError):
        read_ack_callback([NEW], data)
    with pytest.raises(LinkError):  # still bound to its action and escalation
        read_ack_callback([NEW, OLD], "ack:8:" + data.split(":")[2])


def test_rotate_keeps_the_old_key_and_prune_forgets_it(tmp_path: Path) -> None:
    from bot.core.settings import local_secret, read_old_keys

    first = local_secret("secret_key", tmp_path)
    done = rotate(tmp_path)
    second = local_secret("secret_key", tmp_path)
    assert second != first and done.retired == fingerprint(first) and done.new == fingerprint(second)
    assert read_old_keys(tmp_path) == (first,)
    rotate(tmp_path)
    assert read_old_keys(tmp_path) == (second, first)  # newest first
    for f in (tmp_path / "secrets").iterdir():
        assert f.stat().st_mode & 0o077 == 0, f
    assert not list((tmp_path / "secrets").glob(".*"))
    assert prune(tmp_path) == 2 and read_old_keys(tmp_path) == ()


@pytest.fixture
def local_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The installation's keys in a scratch var/ (as with no SECRET_KEY), read afresh
    as a restarted process reads them."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("OLD_SECRET_KEYS", raising=False)
    enrolment._code_keys.cache_clear()
    yield tmp_path
    enrolment._code_keys.cache_clear()


def _restart() -> None:
    enrolment._code_keys.cache_clear()


def test_codes_made_before_a_rotation_still_redeem(services: Services, clock: FrozenClock,
                                                   local_keys: Path) -> None:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now())
        before = [invite_patient(s, gp, clock.now(), 14).code for _ in range(2)]
        gp_code = create_gp_link_code(s, gp, clock.now())
    rotate(local_keys)
    _restart()
    with services.db.session() as s:
        assert redeem_invite(s, "rest", "a", before[0], clock.now()).outcome is LinkOutcome.LINKED
        assert link_gp_telegram(s, gp_code, 42, clock.now()) is not None
        after = invite_patient(s, gp, clock.now(), 14).code
    prune(local_keys)
    _restart()
    with services.db.session() as s:
        assert redeem_invite(s, "rest", "b", before[1], clock.now()).outcome is LinkOutcome.WRONG
        assert redeem_invite(s, "rest", "c", after, clock.now()).outcome is LinkOutcome.LINKED


def _bot(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_keys_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "OLD_SECRET_KEYS")}
    env.update(VAR_DIR=str(tmp_path), PYTHONPATH=str(REPO_ROOT))
    r = _bot(["keys", "rotate"], env)
    assert r.returncode == 0, r.stderr
    assert "restart every process" in r.stdout and "python -m bot keys prune" in r.stdout
    keys = [(tmp_path / "secrets" / "secret_key").read_text().strip(),
            *(tmp_path / "secrets" / "old_secret_keys").read_text().split()]
    assert not any(k in r.stdout for k in keys if len(k) >= 32)  # fingerprints only
    r = _bot(["keys", "status"], env)
    assert r.returncode == 0 and r.stdout.count("old key:") == 1, r.stdout + r.stderr
    r = _bot(["keys", "prune"], env)
    assert r.returncode == 0 and "removed 1 old key" in r.stdout, r.stderr
    assert "no old keys" in _bot(["keys", "status"], env).stdout
    r = _bot(["keys", "rotate"], {**env, "SECRET_KEY": NEW})
    assert r.returncode == 2 and "OLD_SECRET_KEYS" in r.stderr

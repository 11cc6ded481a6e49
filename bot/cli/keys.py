"""`python -m bot keys status|rotate|prune`: rotating SECRET_KEY (bot/core/keys.py)."""
from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from typing import Any, TextIO

from bot.core.settings import MAX_INVITE_TTL_DAYS, load_settings, var_dir

_NEW_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _longest_link_days() -> int:
    from bot.escalation.links import MAX_AGE_SECONDS

    return max(max(MAX_AGE_SECONDS.values()) // 86400, MAX_INVITE_TTL_DAYS)


def _from_env() -> bool:
    return bool(os.environ.get("SECRET_KEY", "").strip())


def cmd_keys_status(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.keys import fingerprint

    settings = load_settings()
    where = "SECRET_KEY" if _from_env() else f"{var_dir() / 'secrets' / 'secret_key'}"
    print(f"current key: {fingerprint(settings.secret_key)}  (from {where}; it signs)", file=out)
    for key in settings.old_secret_keys:
        print(f"old key:     {fingerprint(key)}  (verifies only)", file=out)
    if not settings.old_secret_keys:
        print("no old keys", file=out)
    return 0


def cmd_keys_rotate(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.clock import SystemClock
    from bot.core.keys import rotate

    if _from_env():
        print("error: SECRET_KEY is set in the environment, so rotate it there, on every "
              "machine at once:\n"
              "  1. put the current SECRET_KEY first in OLD_SECRET_KEYS (comma-separated, "
              "newest first)\n"
              f"  2. set SECRET_KEY to a new random value: {_NEW_KEY}\n"
              "  3. restart every process (python -m bot run, or each service)\n"
              f"  4. after {_longest_link_days()} days, remove the old key from "
              "OLD_SECRET_KEYS", file=sys.stderr)
        return 2
    load_settings()  # a broken configuration stops here, before any key is touched
    done = rotate()
    days = _longest_link_days()
    after = (SystemClock().now() + timedelta(days=days)).date()
    print(f"new key {done.new} written to {var_dir() / 'secrets' / 'secret_key'} (mode 0600); "
          f"key {done.retired} kept as an old key ({done.old_count} old key(s) now)", file=out)
    print("next:\n"
          "  1. restart every process (python -m bot run, or each service): until then they "
          "sign with the old key\n"
          "  2. GP links, Telegram buttons and invite codes made with an old key keep working "
          f"until they expire (at most {days} days)\n"
          f"  3. on or after {after}: python -m bot keys prune, then restart again", file=out)
    return 0


def cmd_keys_prune(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.keys import prune

    n = prune()
    print(f"removed {n} old key(s) from {var_dir() / 'secrets'}; restart every process so "
          "they stop accepting them (links and codes signed with them stop working)", file=out)
    if os.environ.get("OLD_SECRET_KEYS", "").strip():
        print("note: OLD_SECRET_KEYS is set in the environment too: remove it there", file=out)
    return 0


def add_key_commands(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the secret key: status, rotate, prune old keys"
                          ).add_subparsers(dest="sub", required=True)
    keys.add_parser("status", help="which keys sign and verify (fingerprints, never keys)"
                    ).set_defaults(func=cmd_keys_status)
    keys.add_parser("rotate", help="a new SECRET_KEY in var/secrets/; the current one kept "
                    "as an old key, so live links and codes keep working"
                    ).set_defaults(func=cmd_keys_rotate)
    keys.add_parser("prune", help="forget the old keys (once their links have expired)"
                    ).set_defaults(func=cmd_keys_prune)

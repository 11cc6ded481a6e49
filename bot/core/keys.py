"""Rotating SECRET_KEY without breaking what is already out there.

One key signs (the current one, SECRET_KEY or var/secrets/secret_key); the retired
ones (OLD_SECRET_KEYS, or var/secrets/old_secret_keys, one a line, newest first) only
verify: GP links and Telegram buttons signed with them still work until they expire,
and invite and GP codes hashed with them still redeem. ``python -m bot keys rotate``
does this for a single-machine install (keys in var/secrets/); with SECRET_KEY in the
environment the operator sets the two variables instead. ``keys prune`` drops the old
keys once nothing signed with them is still valid.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot.core.settings import OLD_KEYS_FILE, local_secret, read_old_keys, var_dir

KEY_FILE = "secret_key"


def fingerprint(key: str) -> str:
    """A short name for a key that does not give it away (for status lines and logs)."""
    return hashlib.sha256(f"key-fingerprint:{key}".encode()).hexdigest()[:10]


def _write_private(path: Path, text: str) -> None:
    """Written whole under a temporary name (mode 0600), then renamed over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@dataclass(frozen=True)
class Rotation:
    new: str  # fingerprints, never the keys
    retired: str
    old_count: int


def rotate(folder_of: Path | None = None) -> Rotation:
    """A new random key becomes var/secrets/secret_key; the one it replaces goes first
    in var/secrets/old_secret_keys. The old key is saved before the new one is written,
    so a crash in between loses nothing."""
    folder = (folder_of or var_dir()) / "secrets"
    current = local_secret(KEY_FILE, folder_of)  # made now if this install had none yet
    new = secrets.token_urlsafe(32)
    old = [current, *(k for k in read_old_keys(folder_of) if k not in (current, new))]
    _write_private(folder / OLD_KEYS_FILE,
                   "# retired keys, newest first: they verify, they never sign\n"
                   + "".join(f"{k}\n" for k in old))
    _write_private(folder / KEY_FILE, new)
    return Rotation(new=fingerprint(new), retired=fingerprint(current), old_count=len(old))


def prune(folder_of: Path | None = None) -> int:
    """Forgets every retired key in var/secrets/; returns how many there were."""
    path = (folder_of or var_dir()) / "secrets" / OLD_KEYS_FILE
    n = len(read_old_keys(folder_of))
    if path.exists():
        path.unlink()
    return n

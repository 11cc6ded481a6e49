"""System texts, loaded from cbt_content/<lang>/messages.yaml (what patients read
outside the modules) and cbt_content/<lang>/gp.yaml (what GPs read: notifications,
briefs, the digest, the GP pages).

Editors change the wording there; the code only knows the keys. A missing key in a
translation falls back to English, so a half-done translation never breaks a reply.
"""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


class Texts:
    def __init__(self, content_dir: Path, monotonic: Callable[[], float] = time.monotonic,
                 check_interval: float = 1.0, filename: str = "messages.yaml") -> None:
        self._dir = content_dir
        self._file = filename
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}
        self._checked: dict[str, float] = {}
        self._monotonic = monotonic
        self._check_interval = check_interval
        self._lock = threading.Lock()

    def _load(self, lang: str) -> dict[str, str]:
        # A reply looks up many keys: look at the file at most once a second, as the
        # content repository does, not on every lookup.
        hit = self._cache.get(lang)
        now = self._monotonic()
        if hit and now - self._checked.get(lang, float("-inf")) < self._check_interval:
            return hit[1]
        path = self._dir / lang / self._file
        if not path.exists():
            return {}
        mtime = path.stat().st_mtime
        with self._lock:
            self._checked[lang] = now
            hit = self._cache.get(lang)
            if hit and hit[0] == mtime:
                return hit[1]
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                # Keep serving the last good version of an edited file.
                return hit[1] if hit else {}
            table = {str(k): str(v) for k, v in data.items()}
            self._cache[lang] = (mtime, table)
            return table

    def get(self, key: str, lang: str = "en", **values: Any) -> str:
        table = self._load(lang)
        template = table.get(key)
        if template is None and lang != "en":
            template = self._load("en").get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in {self._dir}/{lang}/{self._file}")
        return template.format(**values) if values else template

    def keys(self, lang: str = "en") -> set[str]:
        return set(self._load(lang))


_GP_TEXTS: dict[Path, Texts] = {}


@functools.lru_cache(maxsize=1)
def _default_dir() -> Path:
    from bot.core.settings import REPO_ROOT, load_settings

    try:
        return load_settings().content_dir
    except Exception:  # a tool without a full configuration
        return REPO_ROOT / "cbt_content"


def gp_texts(content_dir: Path | None = None) -> Texts:
    """The GP-side texts (gp.yaml), one reloading table per content folder."""
    if content_dir is None:
        content_dir = _default_dir()
    table = _GP_TEXTS.get(content_dir)
    if table is None:
        table = _GP_TEXTS.setdefault(content_dir, Texts(content_dir, filename="gp.yaml"))
    return table


def gp_line(lang: str, key: str, **values: Any) -> str:
    """One GP-side text in ``lang`` (English where the translation lacks it)."""
    return gp_texts().get(key, lang, **values)

"""Serve the CBT content to the bot, reloading it when editors change a file.

* The first time a language is asked for, its folder is read and checked;
  if it has errors, :class:`ContentError` is raised listing all of them.
* Afterwards, at most once per ``check_interval`` seconds, a cheap fingerprint
  of the folder (path, mtime_ns, size of every file) is compared. If anything
  changed, the folder is read again. If the new content has errors, the last
  good version keeps being served and the problems are logged - a running bot
  never goes down because of a typo in a YAML file.
* Unknown languages fall back to English ("en"); in a translation, every step that
  is missing, stale or shaped differently from the English is served in English
  (see translation.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .model import Consent, Program
from .translation import merged_consent, merged_program
from .validate import DEFAULT_LANG, LANG_RE, Problem, language_dirs, load_language

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]


class ContentError(Exception):
    """The content cannot be used; ``problems`` lists everything found."""

    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        self.problems = list(problems)
        errors = [problem for problem in self.problems if problem.is_error]
        head = message or f"CBT content has {len(errors)} error(s)"
        lines = [head, *(f"  {problem.format()}" for problem in errors)]
        super().__init__("\n".join(lines))


@dataclass
class _Entry:
    program: Program
    consent: Consent
    fingerprint: Fingerprint  # of the content being served
    seen: Fingerprint  # last fingerprint looked at (may be a broken version)
    checked_at: float


def fingerprint(folder: Path) -> Fingerprint:
    """(relative path, mtime_ns, size) of every file under ``folder``, sorted."""
    items: list[tuple[str, int, int]] = []
    if folder.is_dir():
        for path in folder.rglob("*"):
            try:
                if not path.is_file():
                    continue
                stat = path.stat()
            except OSError:  # deleted while walking
                continue
            items.append((path.relative_to(folder).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(items))


class ContentRepository:
    """Thread-safe, self-reloading access to the content under ``root``."""

    def __init__(
        self,
        root: Path,
        *,
        default_lang: str = DEFAULT_LANG,
        monotonic: Callable[[], float] = time.monotonic,
        check_interval: float = 1.0,
    ) -> None:
        self.root = Path(root)
        self.default_lang = default_lang
        self._monotonic = monotonic
        self._check_interval = check_interval
        self._lock = threading.RLock()
        self._cache: dict[str, _Entry] = {}
        # lang -> (English program, translated program, what patients get)
        self._merged: dict[str, tuple[Program, Program, Program]] = {}

    # -- public API ----------------------------------------------------------
    def languages(self) -> list[str]:
        """Language folders present under the root, e.g. ``["en"]``."""
        return [path.name for path in language_dirs(self.root)]

    def resolve_lang(self, lang: str | None) -> str:
        """The folder used for ``lang``: exact match, then "pt" for "pt-BR", then "en"."""
        available = set(self.languages())
        if lang:
            candidates = [lang, lang.replace("_", "-"), lang.split("-")[0].split("_")[0].lower()]
            for candidate in candidates:
                if candidate in available and LANG_RE.match(candidate):
                    return candidate
        return self.default_lang

    def program(self, lang: str | None = DEFAULT_LANG) -> Program:
        resolved = self.resolve_lang(lang)
        entry = self._entry(resolved)
        if resolved == self.default_lang:
            return entry.program
        base = self._entry(self.default_lang).program
        with self._lock:
            hit = self._merged.get(resolved)
            if hit and hit[0] is base and hit[1] is entry.program:
                return hit[2]
            merged = merged_program(base, entry.program)
            self._merged[resolved] = (base, entry.program, merged)
            return merged

    def consent(self, lang: str | None = DEFAULT_LANG) -> Consent:
        resolved = self.resolve_lang(lang)
        entry = self._entry(resolved)
        if resolved == self.default_lang:
            return entry.consent
        return merged_consent(self._entry(self.default_lang).consent, entry.consent)

    def load_all(self) -> None:
        """Load every language now (call at start-up to fail fast on broken content)."""
        for lang in self.languages() or [self.default_lang]:
            self._entry(lang)

    # -- internals -----------------------------------------------------------
    def _entry(self, lang: str) -> _Entry:
        with self._lock:
            now = self._monotonic()
            entry = self._cache.get(lang)
            if entry is None:
                return self._first_load(lang, now)
            if now - entry.checked_at < self._check_interval:
                return entry
            entry.checked_at = now
            current = fingerprint(self.root / lang)
            if current in (entry.fingerprint, entry.seen):
                return entry
            entry.seen = current
            loaded = load_language(self.root / lang)
            if not loaded.ok or loaded.program is None or loaded.consent is None:
                errors = loaded.errors or [Problem(self.root / lang, None, "", "no usable content")]
                log.error(
                    "CBT content for %r changed but has %d error(s); still serving the last "
                    "good version:\n%s",
                    lang,
                    len(errors),
                    "\n".join(f"  {problem.format()}" for problem in errors),
                )
                return entry
            self._cache[lang] = _Entry(
                program=loaded.program,
                consent=loaded.consent,
                fingerprint=current,
                seen=current,
                checked_at=now,
            )
            self._log_reloaded(lang, loaded.problems)
            return self._cache[lang]

    def _first_load(self, lang: str, now: float) -> _Entry:
        folder = self.root / lang
        current = fingerprint(folder)
        if not folder.is_dir():
            raise ContentError(
                [Problem(folder, None, "", "content folder not found")],
                f"no CBT content for language {lang!r} under {self.root}",
            )
        loaded = load_language(folder)
        if not loaded.ok or loaded.program is None or loaded.consent is None:
            problems = loaded.problems
            if not loaded.errors:
                problems = [*problems, Problem(folder, None, "", "no usable content")]
            raise ContentError(problems, f"CBT content for {lang!r} cannot be loaded")
        for problem in loaded.problems:
            log.warning("CBT content: %s", problem.format())
        entry = _Entry(
            program=loaded.program,
            consent=loaded.consent,
            fingerprint=current,
            seen=current,
            checked_at=now,
        )
        self._cache[lang] = entry
        return entry

    @staticmethod
    def _log_reloaded(lang: str, problems: list[Problem]) -> None:
        log.info("CBT content for %r reloaded (%d warning(s))", lang, len(problems))
        for problem in problems:
            log.warning("CBT content: %s", problem.format())

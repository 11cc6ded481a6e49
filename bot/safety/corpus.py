"""The labelled risk data the model learns from, and how it is read.

Sources (all in the repository, all labelled by ``docs/risk-labelling.md``):
- ``risk_data/train/*.jsonl``: the corpus, including blind batches once they have
  been scored at first sight (``benchmarks/risk_eval.py --first-sight`` moves them
  here from ``risk_data/incoming/``, which the model never reads);
- ``tests/data/risk_*.jsonl``: the first-generation tune, held-out and probe sets;
- ``nlu_data/*.yml``: the NLU examples, as ordinary negatives (intent
  ``risk_detected`` as risk). The answers to "are you safe?" (``im_safe``,
  ``not_safe``) are left out: their meaning depends on the question before them.

Each example keeps its source file as its *group*: validation splits are by
writing batch, never at random, so a score never comes from the batch that was
learned.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.safety.rules_common import CATEGORIES

TRAIN_GLOBS = ("risk_data/train/*.jsonl", "tests/data/risk_*.jsonl")
NLU_GLOB = "nlu_data/*.yml"
NLU_SKIP = frozenset({"im_safe", "not_safe"})
NLU_RISK = "risk_detected"
_ENTITY = re.compile(r"\[([^\]]*)\]\((?:[^)]*)\)|\[([^\]]*)\]\{[^}]*\}")


class CorpusError(ValueError):
    """A labelled file is malformed: the message names the file and line."""


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    risk: bool
    category: str | None
    group: str
    context: tuple[str, ...] = ()


def join_context(context: tuple[str, ...] | list[str], text: str) -> str:
    """How a message is read together with the patient's messages before it."""
    return " \n ".join([*context, text]) if context else text


def parse_record(obj: object, where: str, group: str) -> Example:
    if not isinstance(obj, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    text, lang, risk = obj.get("text"), obj.get("lang"), obj.get("risk")
    category = obj.get("category")
    context = obj.get("context") or []
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: 'text' must be a non-empty string")
    if lang not in ("en", "nb"):
        raise CorpusError(f"{where}: 'lang' must be 'en' or 'nb', not {lang!r}")
    if not isinstance(risk, bool):
        raise CorpusError(f"{where}: 'risk' must be true or false")
    if risk and category not in CATEGORIES:
        raise CorpusError(f"{where}: a risk example needs a category from {', '.join(CATEGORIES)}")
    if not risk and category not in (None, "none"):
        raise CorpusError(f"{where}: a non-risk example has category null, not {category!r}")
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise CorpusError(f"{where}: 'context' must be a list of strings")
    return Example(text, lang, risk, category if risk else None, group, tuple(context))


def read_jsonl(path: Path, group: str | None = None) -> list[Example]:
    rows: list[Example] = []
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{i}: invalid JSON ({exc.msg})") from exc
            rows.append(parse_record(obj, f"{path}:{i}", group or path.stem))
    return rows


def _guess_lang(text: str) -> str:
    words = set(re.findall(r"\w+", text.lower()))
    nb = {"jeg", "ikke", "og", "er", "det", "meg", "har", "en", "på", "vil", "kan", "hva",
          "hei", "takk", "nei", "ja", "til", "av", "å", "deg", "du", "seg", "skal"}
    return "nb" if len(words & nb) >= 1 and not {"i", "the", "is", "you", "and"} & words else "en"


def read_nlu(path: Path) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows: list[Example] = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if not intent or intent in NLU_SKIP:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if not line.startswith("- "):
                continue
            text = _ENTITY.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]).strip()
            if not text or text.startswith("/"):
                continue
            risky = intent == NLU_RISK
            rows.append(Example(text, _guess_lang(text), risky,
                                "active_ideation" if risky else None, f"nlu:{path.stem}"))
    return rows


def source_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for pattern in (*TRAIN_GLOBS, NLU_GLOB):
        files += sorted(root.glob(pattern))
    return files


def load_corpus(root: Path) -> list[Example]:
    """Every labelled example the model may learn from, deduplicated by text+context."""
    rows: list[Example] = []
    for path in source_files(root):
        rows += read_nlu(path) if path.suffix == ".yml" else read_jsonl(path)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    unique: list[Example] = []
    for row in rows:
        key = (row.text.strip().lower(), row.context)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def corpus_hash(root: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in source_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]

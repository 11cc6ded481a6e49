"""Crisis resources (phone lines per country) loaded from YAML.

File format: see ``cbt_content/crisis_resources.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "cbt_content" / "crisis_resources.yaml"
LANGS = ("en", "nb")
_REQUIRED = ("name", "phone", "when", "what", "labels")

_HEADINGS = {
    "en": "If you are in danger or thinking of ending your life, please get help now:",
    "nb": "Hvis du er i fare eller tenker på å ta livet ditt, få hjelp nå:",
}


@dataclass(frozen=True)
class Resource:
    name: str
    phone: str
    when: str
    what: str
    label: str  # in the requested language (falls back to English, then `what`)
    url: str | None = None


def _fail(path: Path | str, problem: str) -> ValueError:
    return ValueError(f"{path}: {problem}")


def _check_entry(path: Path | str, where: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise _fail(path, f"{where} must be a mapping, got {type(entry).__name__}")
    for key in _REQUIRED:
        if key not in entry:
            raise _fail(path, f"{where} is missing '{key}'")
    for key in ("name", "phone", "when", "what"):
        if not isinstance(entry[key], (str, int)):
            raise _fail(path, f"{where}.{key} must be a string")
    if not str(entry["name"]).strip():
        raise _fail(path, f"{where}.name is empty")
    labels = entry["labels"]
    if not isinstance(labels, dict):
        raise _fail(path, f"{where}.labels must be a mapping of language -> text")
    for lang in LANGS:
        if not isinstance(labels.get(lang), str) or not labels[lang].strip():
            raise _fail(path, f"{where}.labels.{lang} is missing or empty")
    if "url" in entry and entry["url"] is not None and not isinstance(entry["url"], str):
        raise _fail(path, f"{where}.url must be a string")


def load_crisis_resources(path: Path | str = DEFAULT_PATH) -> dict:
    """Load and validate the crisis resources file.

    Returns ``{country_code: [entry dict, ...]}`` (always containing ``default``).
    Raises ``ValueError`` naming the file and the problem if it is malformed.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(p, f"cannot read file ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise _fail(p, f"invalid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("countries"), dict):
        raise _fail(p, "top level must be a mapping with a 'countries' mapping")
    countries: dict = data["countries"]
    if "default" not in countries:
        raise _fail(p, "no 'default' country set")
    out: dict[str, list[dict]] = {}
    for code, entries in countries.items():
        if not isinstance(code, str):
            # YAML reads an unquoted NO as boolean false ("the Norway problem").
            raise _fail(p, f"country code {code!r} is not a string - quote it, e.g. \"NO\":")
        if not isinstance(entries, list) or not entries:
            raise _fail(p, f"countries.{code} must be a non-empty list")
        for i, entry in enumerate(entries):
            _check_entry(p, f"countries.{code}[{i}]", entry)
        out[code if code == "default" else code.upper()] = entries
    return out


def resources_for(country: str | None, lang: str | None,
                  path: Path | str = DEFAULT_PATH) -> list[Resource]:
    """Resources for ``country`` (ISO code, e.g. "NO", "GB"; "UK" = "GB"), falling
    back to ``default``; labels in ``lang`` ("en"/"nb"; other values -> "en")."""
    data = load_crisis_resources(path)
    code = (country or "").strip().upper()
    if code == "UK":
        code = "GB"
    entries = data.get(code) or data["default"]
    lang = lang if lang in LANGS else "en"
    return [
        Resource(
            name=str(e["name"]),
            phone=str(e["phone"]),
            when=str(e["when"]),
            what=str(e["what"]),
            label=str(e["labels"].get(lang) or e["labels"].get("en") or e["what"]),
            url=e.get("url"),
        )
        for e in entries
    ]


def format_resources(resources: list[Resource], lang: str | None = "en",
                     heading: bool = True) -> str:
    """Short plain-text list for one chat bubble (kept well under 1000 chars).
    ``heading=False`` when the caller's own sentence introduces the list."""
    lang = lang if lang in LANGS else "en"
    lines = [_HEADINGS[lang]] if heading else []
    for r in resources:
        phone = f": {r.phone}" if r.phone else ""
        when = f" ({r.when})" if r.when else ""
        lines.append(f"• {r.label}{phone}{when}")
    text = "\n".join(lines)
    if len(text) > 900:  # defensive: a very long config must not flood the chat
        text = text[:897].rstrip() + "..."
    return text

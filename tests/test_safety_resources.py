"""Tests for crisis resources loading/formatting (bot.content.crisis)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.crisis import (
    DEFAULT_PATH,
    Resource,
    format_resources,
    load_crisis_resources,
    resources_for,
)


def test_default_file_loads_with_required_sets() -> None:
    data = load_crisis_resources(DEFAULT_PATH)
    assert {"NO", "GB", "default"} <= set(data)


def test_norway_numbers() -> None:
    res = resources_for("NO", "nb")
    phones = [r.phone for r in res]
    assert phones == ["113", "116 117", "116 123", "22 40 00 40", "116 111"]
    assert all(r.when == "24/7" for r in res)
    assert any("kirkens-sos.no" in r.label for r in res)
    assert all(isinstance(r, Resource) and r.label for r in res)


def test_gb_numbers_and_uk_alias() -> None:
    phones = [r.phone for r in resources_for("GB", "en")]
    assert phones[0] == "999"
    assert any("111" in p for p in phones)
    assert "116 123" in phones
    assert resources_for("uk", "en") == resources_for("GB", "en")


def test_labels_follow_language() -> None:
    en = resources_for("NO", "en")
    nb = resources_for("NO", "nb")
    assert en[0].label != nb[0].label
    assert resources_for("NO", "fr") == en  # unknown language -> English


@pytest.mark.parametrize("country", ["SE", "", None, "xx"])
def test_unknown_country_falls_back_to_default(country: str | None) -> None:
    res = resources_for(country, "en")
    assert any("GP" in r.label for r in res)
    assert any("emergency" in r.label.lower() for r in res)


@pytest.mark.parametrize(("country", "lang"), [("NO", "nb"), ("NO", "en"), ("GB", "en"),
                                               ("GB", "nb"), ("default", "en"), ("SE", "nb")])
def test_format_is_short_plain_text(country: str, lang: str) -> None:
    text = format_resources(resources_for(country, lang), lang)
    assert 0 < len(text) < 1000
    assert "<" not in text
    assert "*" not in text
    for r in resources_for(country, lang):
        if r.phone:
            assert r.phone in text


def test_format_norwegian_heading() -> None:
    text = format_resources(resources_for("NO", "nb"), "nb")
    assert text.startswith("Hvis du")
    assert "113" in text
    assert "22 40 00 40" in text


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "res.yaml"
    p.write_text(body, encoding="utf-8")
    return p


ENTRY = """
    - name: X
      phone: "1"
      when: "24/7"
      what: "help"
      labels: {en: "Help", nb: "Hjelp"}
"""


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("countries: [1, 2", "invalid YAML"),
        ("- just a list", "top level"),
        ("countries:\n  GB:" + ENTRY, "no 'default'"),
        ("countries:\n  default: []", "non-empty list"),
        ("countries:\n  default:\n    - name: X\n      phone: '1'\n", "missing 'when'"),
        ("countries:\n  default:" + ENTRY.replace('nb: "Hjelp"', 'nb: ""'), "labels.nb"),
        ("countries:\n  default:" + ENTRY + "  NO:" + ENTRY, "quote it"),
        ("countries:\n  default:\n    - just text\n", "must be a mapping"),
    ],
)
def test_malformed_file_gives_clear_error(tmp_path: Path, body: str, problem: str) -> None:
    p = _write(tmp_path, body)
    with pytest.raises(ValueError, match=problem) as exc:
        load_crisis_resources(p)
    assert str(p) in str(exc.value)
    with pytest.raises(ValueError, match=problem):
        resources_for("NO", "en", path=p)


def test_missing_file_gives_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_crisis_resources(tmp_path / "nope.yaml")


def test_custom_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "countries:\n  default:" + ENTRY + '  "SE":' + ENTRY.replace("X", "Y"))
    assert resources_for("se", "nb", path=p)[0].name == "Y"
    assert resources_for("DK", "nb", path=p)[0].label == "Hjelp"

"""Translations of the programme: what is current, stale, missing or extra, and what a
patient is shown.

English ("en") is the source. A translated step carries ``source:``, the fingerprint
of the English step it was translated from (8 hex digits of a SHA-256 over everything
the patient sees in that step and its flow). ``python -m bot content stamp <lang>``
writes it after a translator has checked the step. When the English step changes, its
fingerprint changes and the translated step becomes *stale*.

What a patient is shown, step by step (see cbt_content/README.md, "Translations"):

* a translated step that is current and has the English step's shape (type, option
  ids and targets, field ids) is shown in the patient's language;
* a step that is missing, stale, not yet stamped or shaped differently is shown in
  English, so a patient never reads text that no longer says what the English says;
* a module missing from the translation is shown in English as a whole;
* the consent is shown in the translation only when its ``version`` is the English
  one (a patient must agree to the current wording).

Step ids are the same in every language, so progress, the workbook and check-ins carry
over when a patient changes language, even mid-module.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .model import Consent, Module, Program, Step
from .validate import (
    DEFAULT_LANG,
    ERROR,
    WARNING,
    Problem,
    _FileChecker,
    language_dirs,
    module_files,
    read_module,
)

CURRENT = "current"
STALE = "stale"
UNSTAMPED = "unstamped"
MISSING = "missing"
MISMATCH = "mismatch"
EXTRA = "extra"


def step_fingerprint(step: Step) -> str:
    """8 hex digits that change whenever anything the patient sees in ``step`` changes."""
    shape: list[Any] = [
        step.type, step.text, step.title, step.hint, step.remind_after_days,
        [[o.id, o.label, o.feedback, o.next] for o in step.options],
        [[f.id, f.prompt, f.hint] for f in step.fields],
    ]
    blob = json.dumps(shape, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:8]


def _shape(step: Step) -> tuple[Any, ...]:
    return (step.type, tuple((o.id, o.next) for o in step.options),
            tuple(f.id for f in step.fields))


def _shape_difference(source: Step, translated: Step) -> str | None:
    if source.type != translated.type:
        return f"is a {translated.type} step; in English it is a {source.type} step"
    if tuple(o.id for o in source.options) != tuple(o.id for o in translated.options):
        return (f"has buttons {[o.id for o in translated.options]}; in English "
                f"{[o.id for o in source.options]}")
    if tuple(o.next for o in source.options) != tuple(o.next for o in translated.options):
        return "its buttons lead to other steps than in English ('next' differs)"
    if tuple(f.id for f in source.fields) != tuple(f.id for f in translated.fields):
        return (f"has fields {[f.id for f in translated.fields]}; in English "
                f"{[f.id for f in source.fields]}")
    return None


def step_state(source: Step, translated: Step | None) -> str:
    if translated is None:
        return MISSING
    if _shape(source) != _shape(translated):
        return MISMATCH
    if translated.source is None:
        return UNSTAMPED
    return CURRENT if translated.source == step_fingerprint(source) else STALE


# ---------------------------------------------------------------- what a patient sees

def merged_program(source: Program, translated: Program) -> Program:
    """``translated`` with every step that is not current replaced by the English."""
    by_id = {module.id: module for module in translated.modules}
    modules: list[Module] = []
    for module in source.modules:
        mine = by_id.get(module.id)
        if mine is None:
            modules.append(module)
            continue
        theirs = {step.id: step for step in mine.steps}
        steps = tuple(
            theirs[step.id] if step_state(step, theirs.get(step.id)) == CURRENT else step
            for step in module.steps)
        modules.append(replace(module, title=mine.title, summary=mine.summary, gp=mine.gp,
                               steps=steps, source=mine.source))
    return Program(lang=translated.lang, modules=tuple(modules))


def merged_consent(source: Consent, translated: Consent | None) -> Consent:
    return translated if translated is not None and translated.version == source.version \
        else source


# ---------------------------------------------------------------- what a translator sees

@dataclass(frozen=True)
class ModuleCoverage:
    lang: str
    module_id: str
    order: int
    steps: int
    current: int
    stale: int
    unstamped: int  # translated, not yet checked and stamped
    missing: int  # missing, or shaped differently from the English
    extra: int

    @property
    def complete(self) -> bool:
        return self.current == self.steps and not self.extra


def _modules(lang_dir: Path) -> Iterator[tuple[Path, Module | None, Any]]:
    for path in module_files(lang_dir):
        module, _problems, data = read_module(path)
        yield path, module, data


def _step_lines(path: Path, data: Any) -> dict[str, int | None]:
    ck = _FileChecker(path)
    lines: dict[str, int | None] = {}
    steps = data.get("steps") if isinstance(data, Mapping) else None
    for index, raw in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
            lines[raw["id"]] = ck.key_line(steps, index)
    return lines


def check_translations(root: Path) -> tuple[list[Problem], list[ModuleCoverage]]:
    """Compare every translation under ``root`` with the English, step by step."""
    root = Path(root)
    source_dir = root / DEFAULT_LANG
    sources = {m.id: m for _p, m, _d in _modules(source_dir) if m is not None}
    problems: list[Problem] = []
    rows: list[ModuleCoverage] = []
    for lang_dir in language_dirs(root):
        if lang_dir.name == DEFAULT_LANG:
            continue
        lang = lang_dir.name
        seen: set[str] = set()
        for path, module, data in _modules(lang_dir):
            if module is None:
                continue  # its own errors are reported by load_language
            seen.add(module.id)
            source = sources.get(module.id)
            if source is None:
                problems.append(Problem(path, None, "id", f"module '{module.id}' is not in "
                                        f"the English content: nothing to translate", ERROR))
                continue
            lines = _step_lines(path, data)
            mine = {step.id: step for step in module.steps}
            counts = {CURRENT: 0, STALE: 0, UNSTAMPED: 0, MISSING: 0}
            for step in source.steps:
                state = step_state(step, mine.get(step.id))
                where = f"steps.{step.id}"
                line = lines.get(step.id)
                if state == MISSING:
                    problems.append(Problem(path, None, where, f"missing: step '{step.id}' of "
                                            f"the English module is not translated", ERROR))
                elif state == MISMATCH:
                    why = _shape_difference(step, mine[step.id])
                    problems.append(Problem(path, line, where, f"differs from the English: {why}",
                                            ERROR))
                elif state == UNSTAMPED:
                    problems.append(Problem(
                        path, line, where, "not stamped: patients see the English until it is; "
                        f"when the translation is checked run: python -m bot content stamp "
                        f"{lang} {module.id}.{step.id}", WARNING))
                elif state == STALE:
                    problems.append(Problem(
                        path, line, where, "stale: the English step changed since this was "
                        f"translated, so patients see the English; update it, then run: python "
                        f"-m bot content stamp {lang} {module.id}.{step.id}", WARNING))
                counts[MISSING if state == MISMATCH else state] += 1
            order_mine = [s.id for s in module.steps if s.id in {t.id for t in source.steps}]
            order_source = [s.id for s in source.steps if s.id in mine]
            if order_mine != order_source:
                problems.append(Problem(path, None, "steps", "the steps are in another order "
                                        "than in English; the flow must be the same", ERROR))
            extra = [s.id for s in module.steps if s.id not in {t.id for t in source.steps}]
            for step_id in extra:
                problems.append(Problem(path, lines.get(step_id), f"steps.{step_id}",
                                        f"extra: step '{step_id}' is not in the English module",
                                        ERROR))
            rows.append(ModuleCoverage(lang, module.id, source.order, len(source.steps),
                                       counts[CURRENT], counts[STALE], counts[UNSTAMPED],
                                       counts[MISSING], len(extra)))
        for module_id, source in sorted(sources.items(), key=lambda kv: kv[1].order):
            if module_id not in seen:
                problems.append(Problem(lang_dir / "modules", None, module_id,
                                        f"missing: module '{module_id}' is not translated; "
                                        f"patients get it in English", WARNING))
                rows.append(ModuleCoverage(lang, module_id, source.order, len(source.steps),
                                           0, 0, 0, len(source.steps), 0))
    rows.sort(key=lambda r: (r.lang, r.order))
    return problems, rows


def main_coverage(root: Path, out: Any) -> int:
    """Print, per language and module, how much is translated. 0 when all complete."""
    from .validate import read_messages_tables

    _problems, rows = check_translations(root)
    tables = {name: read_messages_tables(root, name) for name in ("messages.yaml", "gp.yaml")}
    print(f"{'lang':<5} {'module / file':<24} {'items':>5} {'current':>8} {'stale':>6} "
          f"{'unstamped':>10} {'missing':>8} {'extra':>6}", file=out)
    for row in rows:
        print(f"{row.lang:<5} {row.module_id:<24} {row.steps:>5} {row.current:>8} "
              f"{row.stale:>6} {row.unstamped:>10} {row.missing:>8} {row.extra:>6}", file=out)
    complete = all(row.complete for row in rows)
    langs = sorted({lang for found in tables.values() for lang in found} - {DEFAULT_LANG})
    for lang in langs:
        for name, found in tables.items():
            base, table = found.get(DEFAULT_LANG, {}), found.get(lang, {})
            missing = sorted(set(base) - set(table))
            complete = complete and not missing
            print(f"{lang:<5} {name:<24} {len(base):>5} {len(base) - len(missing):>8} "
                  f"{'-':>6} {'-':>10} {len(missing):>8} {len(set(table) - set(base)):>6}",
                  file=out)
    print("complete" if complete else "incomplete: see 'python -m bot content validate'",
          file=out)
    return 0 if complete else 1


# ---------------------------------------------------------------- stamping

def stamp(root: Path, lang: str, targets: list[str], *, stale_too: bool = False) -> list[str]:
    """Write ``source:`` into translated steps. ``targets`` are ``module.step`` or
    ``module`` ids; empty means every step. Unstamped steps are stamped; stale ones only
    when named explicitly or with ``stale_too`` (their wording needs a translator's eye
    first). Returns the ``module.step`` ids stamped. Comments and layout are kept."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    root = Path(root)
    if lang == DEFAULT_LANG:
        raise ValueError("English is the source; only translations are stamped")
    sources = {m.id: m for _p, m, _d in _modules(root / DEFAULT_LANG) if m is not None}
    yaml = YAML()
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 10_000  # type: ignore[assignment]
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout of the English files
    done: list[str] = []
    for path, module, _data in _modules(root / lang):
        if module is None or module.id not in sources:
            continue
        source = sources[module.id]
        data = yaml.load(path.read_text(encoding="utf-8"))
        changed = False
        for raw in data.get("steps") or []:
            step_id = raw.get("id")
            named = module.id in targets or f"{module.id}.{step_id}" in targets
            if targets and not named:
                continue
            if not source.has_step(step_id):
                continue
            english = source.step(step_id)
            state = step_state(english, module.step(step_id))
            if state == UNSTAMPED or (state == STALE and (named or stale_too)):
                value = DoubleQuotedScalarString(step_fingerprint(english))
                if "source" in raw:
                    raw["source"] = value
                else:  # after id and type, where a translator sees it first
                    raw.insert(min(2, len(raw)), "source", value)
                done.append(f"{module.id}.{step_id}")
                changed = True
        if changed:
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(data, handle)
    return done

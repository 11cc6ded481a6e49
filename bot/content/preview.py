"""Show a module in the terminal roughly as a patient would see it in chat.

Used by clinician editors (``python -m bot content preview 1``) to read a module
through before publishing it. Every path through the module is shown: the
feedback for each option is listed under its button.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from .model import CHOICE, EXERCISE, HOMEWORK, REFLECTION, SUMMARY, Module, Program, Step
from .validate import DEFAULT_LANG, language_dirs, module_files, read_module

SAVED_NOTE = "(your answer is saved to your workbook)"


def _wrap(text: str, width: int) -> list[str]:
    """Wrap each paragraph to ``width`` but keep the author's line breaks."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        if not paragraph.strip():
            lines.append("")
            continue
        lines.extend(
            textwrap.wrap(paragraph, width=width, break_long_words=True, break_on_hyphens=False)
        )
    return lines or [""]


def _bubble(out: TextIO, text: str, width: int, indent: str = "  ") -> None:
    """A chat bubble from the bot: the text in a box."""
    inner = max(width - 4, 10)
    lines = _wrap(text, inner)
    print(f"{indent}+{'-' * (inner + 2)}+", file=out)
    for line in lines:
        print(f"{indent}| {line.ljust(inner)} |", file=out)
    print(f"{indent}+{'-' * (inner + 2)}+", file=out)


def _indented(out: TextIO, text: str, width: int, indent: str) -> None:
    for line in _wrap(text, max(width - len(indent), 10)):
        print(f"{indent}{line}".rstrip(), file=out)


def _hanging(out: TextIO, first: str, text: str, width: int) -> None:
    """``first`` then ``text`` wrapped, continuation lines aligned under the text."""
    wrapped = textwrap.wrap(
        text,
        width=max(width, len(first) + 10),
        initial_indent=first,
        subsequent_indent=" " * len(first),
        break_on_hyphens=False,
    )
    for line in wrapped or [first]:
        print(line, file=out)


def _render_step(module: Module, index: int, step: Step, out: TextIO, width: int) -> None:
    heading = f"-- step {index + 1}/{len(module.steps)}: {step.id} ({step.type}) "
    print(heading.ljust(width, "-"), file=out)
    if step.type == EXERCISE and step.title:
        print(f"  Exercise: {step.title}", file=out)
    _bubble(out, step.text, width)

    if step.type == CHOICE:
        for option in step.options:
            print(f"    [ {option.id}) {option.label} ]", file=out)
            _indented(out, option.feedback, width, "        > ")
            if option.next:
                print(f"        (then goes to: {option.next})", file=out)
        return
    if step.type == REFLECTION:
        if step.hint:
            _indented(out, f"For example: {step.hint}", width, "    ")
        print(f"    ... patient types an answer ...\n    {SAVED_NOTE}", file=out)
        return
    if step.type == EXERCISE:
        for number, exercise_field in enumerate(step.fields, start=1):
            _bubble(out, f"{number}/{len(step.fields)}: {exercise_field.prompt}", width)
            if exercise_field.hint:
                _indented(out, f"For example: {exercise_field.hint}", width, "    ")
            print(f"    ... patient types an answer ...\n    {SAVED_NOTE}", file=out)
        return
    if step.type == HOMEWORK and step.remind_after_days:
        print(f"    (reminder after {step.remind_after_days} day(s))", file=out)
    print("    [ Next ]", file=out)
    if step.type == SUMMARY:
        print("    (end of module)", file=out)


def render_module(module: Module, out: TextIO, width: int = 60) -> None:
    """Print ``module`` as a chat transcript, followed by the GP section."""
    width = max(width, 30)
    title = f" Module {module.order}: {module.title} "
    print("=" * width, file=out)
    _indented(out, title.strip(), width, "")
    print(
        f"id {module.id}, version {module.version}, about {module.minutes} minutes, "
        f"{len(module.steps)} steps",
        file=out,
    )
    _indented(out, f"Summary: {module.summary}", width, "")
    print(f"File: {module.source}", file=out)
    print("=" * width, file=out)
    print(file=out)
    for index, step in enumerate(module.steps):
        _render_step(module, index, step, out, width)
        print(file=out)

    gp = module.gp
    print("#" * width, file=out)
    print("GP SECTION - for the follow-up consultation", file=out)
    print("(not shown to the patient)", file=out)
    print("#" * width, file=out)
    print("Key points:", file=out)
    for point in gp.key_points:
        _hanging(out, "  - ", point, width)
    print(f"Follow-up agenda ({gp.agenda_minutes} minutes):", file=out)
    for item in gp.agenda:
        _hanging(out, f"  {item.minutes:>2} min  ", item.item, width)
    if gp.watch_for:
        print("Watch for:", file=out)
        for point in gp.watch_for:
            _hanging(out, "  - ", point, width)


def _matches(path: Path, data: object, ref: str) -> bool:
    ref = ref.strip()
    name = Path(ref).name
    if name in (path.name, path.stem):
        return True
    if not isinstance(data, Mapping):
        return False
    if ref == data.get("id"):
        return True
    order = data.get("order")
    return ref.isdigit() and isinstance(order, int) and int(ref) == order


def _as_patients_see_it(root: Path, lang: str, module: Module, out: TextIO) -> Module:
    """The translated module with English where a step is missing or stale."""
    from .translation import CURRENT, merged_program, step_state

    for _path, english, _problems, _data in (
            (p, *read_module(p)) for p in module_files(root / DEFAULT_LANG)):
        if english is None or english.id != module.id:
            continue
        mine = {step.id: step for step in module.steps}
        shown_in_english = [(step.id, step_state(step, mine.get(step.id)))
                            for step in english.steps
                            if step_state(step, mine.get(step.id)) != CURRENT]
        if shown_in_english:
            print(f"Shown in English (not current in {lang!r}): " + ", ".join(
                f"{step_id} ({state})" for step_id, state in shown_in_english), file=out)
        return merged_program(Program(DEFAULT_LANG, (english,)),
                              Program(lang, (module,))).modules[0]
    print(f"Module {module.id!r} is not in the English content.", file=out)
    return module


def main_preview(root: Path, module_ref: str, lang: str | None, out: TextIO) -> int:
    """Preview one module. ``module_ref`` is an id, an order number or a file name.

    Returns 0 on success, 1 if that module has errors, 2 for an unknown module.
    Other modules with errors do not stop a module that is fine from being shown.
    """
    root = Path(root)
    available = {path.name for path in language_dirs(root)}
    chosen = lang if lang in available else DEFAULT_LANG
    if lang and chosen != lang:
        print(f"No content for language {lang!r}; showing {chosen!r}.", file=out)
    entries = [(path, *read_module(path)) for path in module_files(root / chosen)]
    for path, module, problems, data in entries:
        if not _matches(path, data, module_ref):
            continue
        if module is None:
            print(f"{path.name} has errors; fix them first:", file=out)
            for problem in problems:
                if problem.is_error:
                    print(f"  {problem.format()}", file=out)
            return 1
        if chosen != DEFAULT_LANG:
            module = _as_patients_see_it(root, chosen, module, out)
        render_module(module, out)
        return 0
    print(f"Unknown module {module_ref!r}. Available modules:", file=out)
    if not entries:
        print(f"  (none: no module files under {root / chosen / 'modules'})", file=out)
    for path, module, _problems, data in entries:
        if module is not None:
            print(f"  {module.order:>2}  {module.id:<22} {path.name:<26} {module.title}", file=out)
        else:
            module_id = data.get("id", "?") if isinstance(data, Mapping) else "?"
            print(f"   ?  {module_id!s:<22} {path.name:<26} (has errors)", file=out)
    return 2

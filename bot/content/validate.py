"""Check the CBT content files and build the model from them.

One walk over the YAML does both: every problem is collected (with file, line
and a location such as ``steps[3].options[1].next``) and, if a language folder
has no errors, its :class:`Program` and :class:`Consent` are built.

Severity:
* ``error``   -- the bot cannot use this content; it refuses to load it.
* ``warning`` -- usable, but an editor should look at it (e.g. a long message).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .model import (
    CHOICE,
    EXERCISE,
    HOMEWORK,
    REQUIRED_STEP_TYPES,
    STEP_TYPES,
    SUMMARY,
    AgendaItem,
    Consent,
    Field,
    GpSection,
    Module,
    Option,
    Program,
    Step,
)

ERROR = "error"
WARNING = "warning"

DEFAULT_LANG = "en"
CONSENT_FILE = "consent.yaml"
MODULES_DIR = "modules"

MAX_TEXT_CHARS = 4096  # Telegram's hard limit for one message
AIM_TEXT_CHARS = 600  # longer messages are hard to read on a phone
AIM_CONSENT_CHARS = 1200
MAX_LABEL_CHARS = 40  # buttons
AIM_TITLE_CHARS = 80
AIM_SUMMARY_CHARS = 200
AGENDA_MINUTES = (5, 20)
MAX_EXERCISE_FIELDS = 6

ID_RE = re.compile(r"^[a-z0-9_]+$")
LANG_RE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
MODULE_FILE_RE = re.compile(r"^(\d{2})_[a-z0-9_]+\.ya?ml$")

MODULE_KEYS = ("id", "version", "order", "title", "summary", "minutes", "steps", "gp")
STEP_KEYS: dict[str, tuple[str, ...]] = {
    "message": ("id", "type", "text", "source"),
    "choice": ("id", "type", "text", "options", "source"),
    "reflection": ("id", "type", "text", "hint", "source"),
    "exercise": ("id", "type", "title", "text", "fields", "source"),
    "homework": ("id", "type", "text", "remind_after_days", "source"),
    "summary": ("id", "type", "text", "source"),
}
# In a translation, each step's ``source`` is the fingerprint of the English step it
# was translated from (written by ``content stamp``; see bot/content/translation.py).
SOURCE_RE = re.compile(r"^[0-9a-f]{8}$")
ALL_STEP_KEYS = tuple(sorted({key for keys in STEP_KEYS.values() for key in keys}))
OPTION_KEYS = ("id", "label", "feedback", "next")
FIELD_KEYS = ("id", "prompt", "hint")
GP_KEYS = ("key_points", "agenda", "watch_for")
AGENDA_KEYS = ("minutes", "item")
CONSENT_KEYS = (
    "version",
    "title",
    "text",
    "agree_label",
    "decline_label",
    "share_workbook_question",
    "share_yes_label",
    "share_no_label",
)
CONSENT_LABELS = ("agree_label", "decline_label", "share_yes_label", "share_no_label")

# Plain text only: channels render markup differently, and nothing is substituted.
_MARKUP_PATTERNS = (
    (re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}"), "a {placeholder}"),
    (re.compile(r"(?<![\w*])\*{1,2}[^*\s][^*\n]*\*{1,2}(?![\w*])"), "*bold* markup"),
    (re.compile(r"</?[a-zA-Z][^>\n]*>"), "an HTML tag"),
    (re.compile(r"\[[^\]\n]+\]\([^)\n]+\)"), "a [link](...)"),
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in the content."""

    path: Path
    line: int | None
    location: str  # e.g. "steps[3].options[1].next"; "" for the whole file
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        location = f"{self.location}: " if self.location else ""
        return f"{where}: {self.severity}: {location}{self.message}"

    def __str__(self) -> str:
        return self.format()


@dataclass
class LanguageContent:
    """The result of reading one language folder."""

    lang: str
    program: Program | None
    consent: Consent | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def ok(self) -> bool:
        return self.program is not None and self.consent is not None and not self.errors


class _FileChecker:
    """Collects problems for one file and reads typed values with their line numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    # -- reporting -------------------------------------------------------
    def add(self, severity: str, line: int | None, location: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, location, message, severity))

    def error(self, line: int | None, location: str, message: str) -> None:
        self.add(ERROR, line, location, message)

    def warning(self, line: int | None, location: str, message: str) -> None:
        self.add(WARNING, line, location, message)

    @property
    def error_count(self) -> int:
        return sum(1 for problem in self.problems if problem.is_error)

    # -- line numbers (ruamel counts from 0) -------------------------------
    @staticmethod
    def node_line(node: Any) -> int | None:
        try:
            return int(node.lc.line) + 1
        except (AttributeError, TypeError):
            return None

    def key_line(self, node: Any, key: Any) -> int | None:
        lc: Any = getattr(node, "lc", None)
        try:
            if isinstance(key, int) and isinstance(node, list):
                return int(lc.item(key)[0]) + 1
            return int(lc.key(key)[0]) + 1
        except (AttributeError, KeyError, IndexError, TypeError):
            return self.node_line(node)

    # -- reading typed values ----------------------------------------------
    def check_keys(
        self, node: Mapping[Any, Any], allowed: Iterable[str], location: str, what: str
    ) -> None:
        allowed = tuple(allowed)
        for key in node:
            if key not in allowed:
                self.unknown_key(node, key, allowed, location, what)

    def unknown_key(
        self, node: Any, key: Any, allowed: tuple[str, ...], location: str, what: str
    ) -> None:
        guess = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        if guess:
            hint = f" (did you mean '{guess[0]}'?)"
        else:
            hint = f" (allowed here: {', '.join(allowed)})"
        self.error(
            self.key_line(node, key),
            _join(location, str(key)),
            f"unknown key '{key}' in {what}{hint}",
        )

    def mapping(self, node: Any, location: str, what: str, line: int | None) -> bool:
        if isinstance(node, Mapping):
            return True
        self.error(line, location, f"{what} must be a set of 'key: value' lines")
        return False

    def text(
        self,
        node: Mapping[Any, Any],
        key: str,
        location: str,
        *,
        required: bool = True,
    ) -> str | None:
        where = _join(location, key)
        if key not in node or node[key] is None:
            if required:
                self.error(self.key_line(node, key), where, f"'{key}' is required")
            return None
        value = node[key]
        line = self.key_line(node, key)
        if not isinstance(value, str):
            self.error(
                line,
                where,
                f"'{key}' must be text (put it in quotes if it looks like a number or yes/no)",
            )
            return None
        value = str(value).strip()
        if not value:
            self.error(line, where, f"'{key}' must not be empty")
            return None
        return value

    def patient_text(
        self,
        node: Mapping[Any, Any],
        key: str,
        location: str,
        *,
        required: bool = True,
        aim: int = AIM_TEXT_CHARS,
    ) -> str | None:
        """Text the patient reads: checked for length and markup."""
        value = self.text(node, key, location, required=required)
        if value is not None:
            line = self.key_line(node, key)
            where = _join(location, key)
            length = len(value)
            if length > MAX_TEXT_CHARS:
                self.error(
                    line,
                    where,
                    f"text is {length} characters; the limit is {MAX_TEXT_CHARS} "
                    "(Telegram cannot send longer messages) - split it into two steps",
                )
            elif length > aim:
                self.warning(line, where, f"text is {length} characters; aim shorter (under {aim})")
            self.check_plain(value, line, where)
        return value

    def label(self, node: Mapping[Any, Any], key: str, location: str) -> str | None:
        value = self.text(node, key, location)
        if value is not None:
            line = self.key_line(node, key)
            where = _join(location, key)
            if len(value) > MAX_LABEL_CHARS:
                self.error(
                    line,
                    where,
                    f"button label is {len(value)} characters; the limit is {MAX_LABEL_CHARS}",
                )
            if "\n" in value:
                self.error(line, where, "button label must be a single line")
            self.check_plain(value, line, where)
        return value

    def check_plain(self, value: str, line: int | None, where: str) -> None:
        for pattern, what in _MARKUP_PATTERNS:
            if pattern.search(value):
                self.warning(
                    line,
                    where,
                    f"looks like {what}; content is plain text only and it would be "
                    "shown to the patient exactly as written",
                )
                return

    def identifier(self, node: Mapping[Any, Any], key: str, location: str) -> str | None:
        value = self.text(node, key, location)
        if value is not None and not ID_RE.match(value):
            self.error(
                self.key_line(node, key),
                _join(location, key),
                f"'{value}' is not a valid id: use only a-z, 0-9 and _",
            )
            return None
        return value

    def integer(
        self,
        node: Mapping[Any, Any],
        key: str,
        location: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        where = _join(location, key)
        if key not in node or node[key] is None:
            if required:
                self.error(self.key_line(node, key), where, f"'{key}' is required")
            return None
        value = node[key]
        line = self.key_line(node, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(line, where, f"'{key}' must be a whole number")
            return None
        value = int(value)
        if minimum is not None and value < minimum:
            self.error(line, where, f"'{key}' must be at least {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.error(line, where, f"'{key}' must be at most {maximum}")
            return None
        return value

    def sequence(
        self, node: Mapping[Any, Any], key: str, location: str, *, required: bool = True
    ) -> list[Any] | None:
        where = _join(location, key)
        if key not in node or node[key] is None:
            if required:
                self.error(self.key_line(node, key), where, f"'{key}' is required")
            return None
        value = node[key]
        if not isinstance(value, list):
            self.error(self.key_line(node, key), where, f"'{key}' must be a list ('- ' items)")
            return None
        return value

    def text_list(
        self, node: Mapping[Any, Any], key: str, location: str, *, required: bool = True
    ) -> tuple[str, ...] | None:
        items = self.sequence(node, key, location, required=required)
        if items is None:
            return None
        result: list[str] = []
        for index, item in enumerate(items):
            where = f"{_join(location, key)}[{index}]"
            line = self.key_line(items, index)
            if not isinstance(item, str) or not str(item).strip():
                self.error(line, where, "each item must be a non-empty line of text")
                continue
            result.append(str(item).strip())
        if required and not items:
            self.error(self.key_line(node, key), _join(location, key), f"'{key}' is empty")
        return tuple(result)


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: problem.line or 0)


def _join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


def _load_yaml(path: Path, checker: _FileChecker) -> Any:
    """Parse a YAML file; on failure record the problem (with line) and return None."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        checker.error(None, "", f"cannot read file: {exc}")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        checker.error(line, "", "file is not UTF-8 text; save it as UTF-8")
        return None
    yaml = YAML(typ="rt")  # a fresh loader per file: ruamel loaders are not thread-safe
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        mark_line = int(mark.line) + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{context}: {problem}" if context else str(problem)
        advice = "check indentation and quotes"
        if "mapping values are not allowed" in str(problem):
            advice = (
                "a ': ' inside a value confuses YAML - put the text in double quotes, "
                "or write '|' after the key and the text on the next lines"
            )
        checker.error(mark_line, "", f"YAML syntax error ({detail}); {advice}")
        return None
    if data is None:
        checker.error(None, "", "file is empty")
        return None
    return data


# ---------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------


def read_module(path: Path) -> tuple[Module | None, list[Problem], Any]:
    """Check one module file. Returns the module (None if it has errors) and problems."""
    ck = _FileChecker(path)
    data = _load_yaml(path, ck)
    if data is None:
        return None, ck.problems, None
    if not ck.mapping(data, "", "a module file", ck.node_line(data) or 1):
        return None, ck.problems, None

    ck.check_keys(data, MODULE_KEYS, "", "a module")
    module_id = ck.identifier(data, "id", "")
    version = ck.integer(data, "version", "", minimum=1)
    order = ck.integer(data, "order", "", minimum=1)
    title = ck.patient_text(data, "title", "", aim=AIM_TITLE_CHARS)
    summary = ck.patient_text(data, "summary", "", aim=AIM_SUMMARY_CHARS)
    minutes = ck.integer(data, "minutes", "", minimum=1, maximum=120)

    match = MODULE_FILE_RE.match(path.name)
    if not match:
        ck.warning(
            None, "", "file name should look like 01_short_name.yaml (two digits, then a name)"
        )
    elif order is not None and int(match.group(1)) != order:
        ck.warning(
            ck.key_line(data, "order"),
            "order",
            f"order is {order} but the file name starts with {match.group(1)}",
        )

    steps = _read_steps(data, ck)
    gp = _read_gp(data, ck)

    if (
        ck.error_count
        or module_id is None
        or version is None
        or order is None
        or title is None
        or summary is None
        or minutes is None
        or steps is None
        or gp is None
    ):
        return None, _by_line(ck.problems), data
    module = Module(
        id=module_id,
        version=version,
        order=order,
        title=title,
        summary=summary,
        minutes=minutes,
        steps=steps,
        gp=gp,
        source=path,
    )
    return module, _by_line(ck.problems), data


def _read_steps(data: Mapping[Any, Any], ck: _FileChecker) -> tuple[Step, ...] | None:
    raw_steps = ck.sequence(data, "steps", "")
    if raw_steps is None:
        return None
    if not raw_steps:
        ck.error(ck.key_line(data, "steps"), "steps", "a module needs steps")
        return None

    errors_before = ck.error_count
    steps: list[Step | None] = []
    lines: list[int | None] = []
    seen: dict[str, int | None] = {}
    for index, raw in enumerate(raw_steps):
        location = f"steps[{index}]"
        line = ck.key_line(raw_steps, index)
        lines.append(line)
        if not ck.mapping(raw, location, "a step", line):
            steps.append(None)
            continue
        step = _read_step(raw, location, ck)
        steps.append(step)
        if step is None:
            continue
        if step.id in seen:
            first = seen[step.id]
            ck.error(
                ck.key_line(raw, "id"),
                f"{location}.id",
                f"duplicate step id '{step.id}' (already used at line {first})",
            )
        else:
            seen[step.id] = ck.key_line(raw, "id")

    if ck.error_count > errors_before:
        # References and flow only make sense once every step reads correctly.
        _check_next_references(raw_steps, set(seen), ck)
        return None
    good = tuple(step for step in steps if step is not None)
    _check_next_references(raw_steps, set(seen), ck)
    _check_flow(good, lines, ck.key_line(data, "steps"), ck)
    if ck.error_count > errors_before:
        return None
    return good


def _read_step(raw: Mapping[Any, Any], location: str, ck: _FileChecker) -> Step | None:
    before = ck.error_count
    step_id = ck.identifier(raw, "id", location)
    step_type = ck.text(raw, "type", location)
    if step_type is not None and step_type not in STEP_TYPES:
        guess = difflib.get_close_matches(step_type, STEP_TYPES, n=1)
        advice = f"did you mean '{guess[0]}'?" if guess else f"use one of: {', '.join(STEP_TYPES)}"
        ck.error(
            ck.key_line(raw, "type"),
            f"{location}.type",
            f"unknown step type '{step_type}'; {advice}",
        )
        step_type = None
    if step_type is None:
        ck.check_keys(raw, ALL_STEP_KEYS, location, "a step")
        return None

    allowed = STEP_KEYS[step_type]
    for key in raw:
        if key in allowed:
            continue
        if key in ALL_STEP_KEYS:
            ck.error(
                ck.key_line(raw, key),
                _join(location, str(key)),
                f"'{key}' is not used by {step_type} steps (allowed: {', '.join(allowed)})",
            )
        else:
            ck.unknown_key(raw, key, allowed, location, f"a {step_type} step")

    text = ck.patient_text(raw, "text", location)
    title: str | None = None
    hint: str | None = None
    options: tuple[Option, ...] = ()
    fields: tuple[Field, ...] = ()
    remind: int | None = None
    if step_type == "reflection":
        hint = ck.patient_text(raw, "hint", location, required=False)
    elif step_type == CHOICE:
        options = _read_options(raw, location, ck)
    elif step_type == EXERCISE:
        title = ck.patient_text(raw, "title", location, aim=AIM_TITLE_CHARS)
        fields = _read_fields(raw, location, ck)
    elif step_type == HOMEWORK:
        remind = ck.integer(
            raw, "remind_after_days", location, required=False, minimum=1, maximum=60
        )

    source = ck.text(raw, "source", location, required=False)
    if source is not None and not SOURCE_RE.match(source):
        ck.error(ck.key_line(raw, "source"), _join(location, "source"),
                 "'source' is written by 'python -m bot content stamp'; do not edit it by hand")
    if ck.error_count > before or step_id is None or text is None:
        return None
    return Step(
        id=step_id,
        type=step_type,
        text=text,
        title=title,
        hint=hint,
        options=options,
        fields=fields,
        remind_after_days=remind,
        source=source,
    )


def _read_options(raw: Mapping[Any, Any], location: str, ck: _FileChecker) -> tuple[Option, ...]:
    items = ck.sequence(raw, "options", location)
    if items is None:
        return ()
    where = f"{location}.options"
    if len(items) < 2:
        ck.error(
            ck.key_line(raw, "options"),
            where,
            f"a choice needs at least 2 options (found {len(items)})",
        )
    options: list[Option] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(items):
        option_location = f"{where}[{index}]"
        line = ck.key_line(items, index)
        if not ck.mapping(item, option_location, "an option", line):
            continue
        ck.check_keys(item, OPTION_KEYS, option_location, "an option")
        option_id = ck.identifier(item, "id", option_location)
        label = ck.label(item, "label", option_location)
        if "feedback" not in item or item["feedback"] is None:
            ck.error(
                ck.key_line(item, "feedback") if "feedback" in item else line,
                f"{option_location}.feedback",
                "every option needs 'feedback' (what the bot says after this choice)",
            )
            feedback = None
        else:
            feedback = ck.patient_text(item, "feedback", option_location)
        target = ck.text(item, "next", option_location, required=False)
        if option_id is not None:
            if option_id in seen:
                ck.error(
                    ck.key_line(item, "id"),
                    f"{option_location}.id",
                    f"duplicate option id '{option_id}' (already used at line {seen[option_id]})",
                )
            else:
                seen[option_id] = ck.key_line(item, "id")
        if option_id and label and feedback:
            options.append(Option(id=option_id, label=label, feedback=feedback, next=target))
    return tuple(options)


def _read_fields(raw: Mapping[Any, Any], location: str, ck: _FileChecker) -> tuple[Field, ...]:
    items = ck.sequence(raw, "fields", location)
    if items is None:
        return ()
    where = f"{location}.fields"
    if not items:
        ck.error(ck.key_line(raw, "fields"), where, "an exercise needs at least 1 field")
    elif len(items) > MAX_EXERCISE_FIELDS:
        ck.warning(
            ck.key_line(raw, "fields"),
            where,
            f"{len(items)} fields is a lot to answer on a phone; aim for 2-5",
        )
    fields: list[Field] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(items):
        field_location = f"{where}[{index}]"
        line = ck.key_line(items, index)
        if not ck.mapping(item, field_location, "a field", line):
            continue
        ck.check_keys(item, FIELD_KEYS, field_location, "a field")
        field_id = ck.identifier(item, "id", field_location)
        prompt = ck.patient_text(item, "prompt", field_location)
        hint = ck.patient_text(item, "hint", field_location, required=False)
        if field_id is not None:
            if field_id in seen:
                ck.error(
                    ck.key_line(item, "id"),
                    f"{field_location}.id",
                    f"duplicate field id '{field_id}' (already used at line {seen[field_id]})",
                )
            else:
                seen[field_id] = ck.key_line(item, "id")
        if field_id and prompt:
            fields.append(Field(id=field_id, prompt=prompt, hint=hint))
    return tuple(fields)


def _check_next_references(raw_steps: list[Any], step_ids: set[str], ck: _FileChecker) -> None:
    """Every option's ``next`` must name a step of this module, and not its own step."""
    for index, raw in enumerate(raw_steps):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("options"), list):
            continue
        own_id = raw.get("id")
        for option_index, item in enumerate(raw["options"]):
            if not isinstance(item, Mapping) or not isinstance(item.get("next"), str):
                continue
            target = str(item["next"]).strip()
            where = f"steps[{index}].options[{option_index}].next"
            line = ck.key_line(item, "next")
            if target not in step_ids:
                guess = difflib.get_close_matches(target, sorted(step_ids), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                ck.error(
                    line, where, f"'next' points to '{target}', which is not a step here{hint}"
                )
            elif target == own_id:
                ck.error(
                    line,
                    where,
                    "this button leads back to the same question; the patient would be stuck",
                )


def _check_flow(
    steps: tuple[Step, ...], lines: list[int | None], steps_line: int | None, ck: _FileChecker
) -> None:
    """Required kinds of step, the summary at the end, and no dead ends or orphans."""
    last = steps[-1]
    last_line = lines[len(steps) - 1]
    kinds = {step.type for step in steps}
    for kind in REQUIRED_STEP_TYPES:
        if kind not in kinds:
            ck.error(
                steps_line,
                "steps",
                f"the module has no {kind} step (each module needs at least one)",
            )
    if last.type != SUMMARY:
        ck.error(
            last_line,
            f"steps[{len(steps) - 1}]",
            f"the last step must be a summary (it is a {last.type} step)",
        )
    for index, step in enumerate(steps[:-1]):
        if step.type == SUMMARY:
            ck.warning(
                lines[index],
                f"steps[{index}]",
                "a summary step before the end; the summary normally closes the module",
            )

    index_of = {step.id: index for index, step in enumerate(steps)}

    def successors(index: int) -> set[int]:
        step = steps[index]
        following = {index + 1} if index + 1 < len(steps) else set()
        if step.type != CHOICE:
            return following
        result: set[int] = set()
        for option in step.options:
            if option.next is None:
                result |= following
            elif option.next in index_of:
                result.add(index_of[option.next])
        return result

    # Which steps can a patient reach from the start?
    reachable = {0}
    todo = [0]
    while todo:
        for nxt in successors(todo.pop()):
            if nxt not in reachable:
                reachable.add(nxt)
                todo.append(nxt)
    for index in range(len(steps)):
        if index not in reachable:
            ck.warning(
                lines[index],
                f"steps[{index}]",
                f"no button leads to step '{steps[index].id}'; patients will never see it",
            )

    # From which steps can the end of the module still be reached?
    end = len(steps) - 1
    finishes = {end}
    changed = True
    while changed:
        changed = False
        for index in range(len(steps)):
            if index not in finishes and successors(index) & finishes:
                finishes.add(index)
                changed = True
    for index in sorted(reachable - finishes):
        ck.error(
            lines[index],
            f"steps[{index}]",
            f"from step '{steps[index].id}' the buttons never reach the end of the module "
            "(they go round in a loop)",
        )


def _read_gp(data: Mapping[Any, Any], ck: _FileChecker) -> GpSection | None:
    if "gp" not in data or data["gp"] is None:
        ck.error(ck.node_line(data), "gp", "the 'gp' section (for the GP's follow-up) is required")
        return None
    gp = data["gp"]
    if not ck.mapping(gp, "gp", "the gp section", ck.key_line(data, "gp")):
        return None
    before = ck.error_count
    ck.check_keys(gp, GP_KEYS, "gp", "the gp section")
    key_points = ck.text_list(gp, "key_points", "gp")
    if key_points is not None and key_points and not 3 <= len(key_points) <= 6:
        ck.warning(
            ck.key_line(gp, "key_points"),
            "gp.key_points",
            f"{len(key_points)} key points; aim for 3-6 short points",
        )
    watch_for = ck.text_list(gp, "watch_for", "gp", required=False) or ()

    agenda: list[AgendaItem] = []
    items = ck.sequence(gp, "agenda", "gp")
    if items is not None:
        if not items:
            ck.error(ck.key_line(gp, "agenda"), "gp.agenda", "the agenda is empty")
        for index, item in enumerate(items):
            location = f"gp.agenda[{index}]"
            if not ck.mapping(item, location, "an agenda item", ck.key_line(items, index)):
                continue
            ck.check_keys(item, AGENDA_KEYS, location, "an agenda item")
            minutes = ck.integer(item, "minutes", location, minimum=1)
            text = ck.text(item, "item", location)
            if minutes is not None and text is not None:
                agenda.append(AgendaItem(minutes=minutes, item=text))
        total = sum(item.minutes for item in agenda)
        low, high = AGENDA_MINUTES
        if agenda and len(agenda) == len(items) and not low <= total <= high:
            ck.error(
                ck.key_line(gp, "agenda"),
                "gp.agenda",
                f"agenda minutes add up to {total}; they should add up to {low}-{high}",
            )
    if ck.error_count > before or key_points is None or items is None:
        return None
    return GpSection(key_points=key_points, agenda=tuple(agenda), watch_for=watch_for)


# ---------------------------------------------------------------------------
# Consent
# ---------------------------------------------------------------------------


def _read_consent(path: Path) -> tuple[Consent | None, list[Problem]]:
    ck = _FileChecker(path)
    if not path.is_file():
        ck.error(None, "", f"{CONSENT_FILE} is missing (the consent text shown before starting)")
        return None, ck.problems
    data = _load_yaml(path, ck)
    if data is None:
        return None, ck.problems
    if not ck.mapping(data, "", "the consent file", ck.node_line(data) or 1):
        return None, ck.problems
    ck.check_keys(data, CONSENT_KEYS, "", "the consent file")
    version = ck.integer(data, "version", "", minimum=1)
    title = ck.patient_text(data, "title", "", aim=AIM_TITLE_CHARS)
    text = ck.patient_text(data, "text", "", aim=AIM_CONSENT_CHARS)
    question = ck.patient_text(data, "share_workbook_question", "")
    labels = {key: ck.label(data, key, "") for key in CONSENT_LABELS}
    if ck.error_count or version is None or title is None or text is None or question is None:
        return None, ck.problems
    if any(value is None for value in labels.values()):
        return None, ck.problems
    consent = Consent(
        version=version,
        title=title,
        text=text,
        agree_label=str(labels["agree_label"]),
        decline_label=str(labels["decline_label"]),
        share_workbook_question=question,
        share_yes_label=str(labels["share_yes_label"]),
        share_no_label=str(labels["share_no_label"]),
    )
    return consent, ck.problems


# ---------------------------------------------------------------------------
# Language folders and the whole tree
# ---------------------------------------------------------------------------


def module_files(lang_dir: Path) -> list[Path]:
    """The module files of a language folder, in file-name order."""
    folder = lang_dir / MODULES_DIR
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix in (".yaml", ".yml") and not path.name.startswith(".")
    )


def language_dirs(root: Path) -> list[Path]:
    """Folders under ``root`` named like a language code (en, de, pt-BR ...)."""
    if not root.is_dir():
        return []
    return sorted(path for path in root.iterdir() if path.is_dir() and LANG_RE.match(path.name))


def load_language(lang_dir: Path) -> LanguageContent:
    """Check one language folder and, if it has no errors, build its content."""
    lang = lang_dir.name
    problems: list[Problem] = []
    modules: list[Module] = []
    files = module_files(lang_dir)
    if not files:
        problems.append(Problem(lang_dir / MODULES_DIR, None, "", "no module files (*.yaml) found"))

    first_id: dict[str, tuple[Path, int | None]] = {}
    first_order: dict[int, tuple[Path, int | None]] = {}
    for path in files:
        module, file_problems, data = read_module(path)
        problems.extend(file_problems)
        if not isinstance(data, Mapping):
            continue
        checker = _FileChecker(path)
        module_id = data.get("id")
        if isinstance(module_id, str):
            line = checker.key_line(data, "id")
            if module_id in first_id:
                other, other_line = first_id[module_id]
                problems.append(
                    Problem(
                        path,
                        line,
                        "id",
                        f"duplicate module id '{module_id}' (also in {other.name} "
                        f"line {other_line})",
                    )
                )
            else:
                first_id[module_id] = (path, line)
        order = data.get("order")
        if isinstance(order, int) and not isinstance(order, bool):
            line = checker.key_line(data, "order")
            if order in first_order:
                other, other_line = first_order[order]
                problems.append(
                    Problem(
                        path,
                        line,
                        "order",
                        f"duplicate order {order} (also in {other.name} line {other_line})",
                    )
                )
            else:
                first_order[order] = (path, line)
        if module is not None:
            modules.append(module)

    consent, consent_problems = _read_consent(lang_dir / CONSENT_FILE)
    problems.extend(consent_problems)

    has_errors = any(problem.is_error for problem in problems)
    program = None
    if not has_errors and modules:
        program = Program(lang=lang, modules=tuple(sorted(modules, key=lambda m: m.order)))
    return LanguageContent(
        lang=lang,
        program=program,
        consent=None if has_errors else consent,
        problems=problems,
    )


CODE_DIRS = ("bot", "actions")
# How the code asks for a system message: ctx.t(<key>), self.t(patient, <key>),
# t(patient, <key>), texts.get(<key>, ...), self.line(<key>), with the key a literal.
_MESSAGE_USE = re.compile(r'(?:ctx\.t|self\.t\(\w+(?:\.\w+)?,|\bt\(patient,|\bt|texts\.get|self\.line)'
                          r'\s*\(?\s*"([a-z0-9_]+)"')
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


# How the GP-side code asks for a text: gp_line(lang, <key>), say(<key>), b.say(<key>).
_GP_TEXT_USE = re.compile(r'(?:gp_line\([\w.]+,|\bsay\()\s*"([a-z0-9_]+)"')
GP_FILE = "gp.yaml"
MESSAGES_FILE = "messages.yaml"


def message_keys_used(repo: Path, pattern: re.Pattern[str] = _MESSAGE_USE) -> set[str]:
    """The system-message keys the code asks for (a static reading of bot/ and actions/;
    a key chosen at run time, held in a variable, is not seen)."""
    used: set[str] = set()
    for folder in CODE_DIRS:
        for path in (repo / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return used


def _read_messages(root: Path, filename: str = MESSAGES_FILE
                   ) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    import yaml as pyyaml

    problems: list[Problem] = []
    tables: dict[str, dict[str, str]] = {}
    for lang_dir in language_dirs(root):
        path = lang_dir / filename
        if not path.exists():
            if lang_dir.name == DEFAULT_LANG:
                problems.append(Problem(path, None, "", "missing: the system messages"))
            continue
        try:
            data = pyyaml.safe_load(path.read_text(encoding="utf-8"))
        except pyyaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(path, mark.line + 1 if mark else None, "",
                                    f"not valid YAML: {getattr(exc, 'problem', exc)}"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(path, None, "", "must be a mapping of key: text"))
            continue
        bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str)]
        for key in bad:
            problems.append(Problem(path, None, str(key), "must be text"))
        tables[lang_dir.name] = {k: v for k, v in data.items() if k not in bad}
    return tables, problems


def read_messages_tables(root: Path, filename: str = MESSAGES_FILE) -> dict[str, dict[str, str]]:
    """messages.yaml (or gp.yaml) of every language that parses, as key -> text."""
    return _read_messages(Path(root), filename)[0]


def check_messages(root: Path, repo: Path | None = None, filename: str = MESSAGES_FILE
                   ) -> list[Problem]:
    """messages.yaml in each language: valid YAML, a flat mapping of key -> text; the
    fallback language has every key the code uses; a translation uses the same
    {placeholders} as the fallback for each key, and has no key the English lacks
    (a missing key is shown in English and reported by ``content coverage``). A broken
    file once passed this check, and every reply then raised."""
    repo = repo or Path(__file__).resolve().parents[2]  # the code that sends the messages
    tables, problems = _read_messages(root, filename)
    base = tables.get(DEFAULT_LANG)
    pattern = _GP_TEXT_USE if filename == GP_FILE else _MESSAGE_USE
    if base is not None:
        for key in sorted(message_keys_used(repo, pattern) - set(base)):
            problems.append(Problem(root / DEFAULT_LANG / filename, None, key,
                                    "missing: the code sends this message"))
        for lang, table in tables.items():
            if lang == DEFAULT_LANG:
                continue
            path = root / lang / filename
            for key, text in table.items():
                if key not in base:
                    problems.append(Problem(path, None, key, "extra: not in the English "
                                            "messages (a renamed or removed key?)", WARNING))
                elif set(_PLACEHOLDER.findall(text)) != set(_PLACEHOLDER.findall(base[key])):
                    problems.append(Problem(path, None, key,
                                            "uses other {placeholders} than the English text"))
            missing = sorted(set(base) - set(table))
            if missing:
                problems.append(Problem(path, None, "", f"missing {len(missing)} message(s), "
                                        f"shown in English: {', '.join(missing[:8])}"
                                        f"{' ...' if len(missing) > 8 else ''}", WARNING))
    return problems


def check_consent_translations(root: Path) -> list[Problem]:
    """A translated consent with another version than the English is not shown."""
    source, _ = _read_consent(root / DEFAULT_LANG / CONSENT_FILE)
    problems: list[Problem] = []
    if source is None:
        return problems
    for lang_dir in language_dirs(root):
        if lang_dir.name == DEFAULT_LANG or not (lang_dir / CONSENT_FILE).exists():
            continue
        consent, _ = _read_consent(lang_dir / CONSENT_FILE)
        if consent is not None and consent.version != source.version:
            problems.append(Problem(lang_dir / CONSENT_FILE, None, "version", (
                f"stale: version {consent.version}, the English is version {source.version}; "
                "patients are shown the English consent until the translation is updated and "
                "its version set to the English one"), WARNING))
    return problems


def check_crisis_resources(root: Path) -> list[Problem]:
    from bot.content.crisis import load_crisis_resources

    path = root / "crisis_resources.yaml"
    try:
        load_crisis_resources(path)
    except ValueError as exc:
        return [Problem(path, None, "", str(exc))]
    return []


def validate_tree(root: Path) -> list[Problem]:
    """Check every language folder under ``root`` (e.g. ``cbt_content/``), the system
    messages and the crisis resources."""
    root = Path(root)
    if not root.is_dir():
        return [Problem(root, None, "", "content folder not found")]
    problems: list[Problem] = []
    for path in sorted(root.iterdir()):
        if path.is_dir() and not path.name.startswith((".", "_")) and not LANG_RE.match(path.name):
            problems.append(
                Problem(
                    path, None, "", "not a language folder (expected e.g. 'en'); ignored", WARNING
                )
            )
    langs = language_dirs(root)
    if not any(path.name == DEFAULT_LANG for path in langs):
        problems.append(
            Problem(
                root / DEFAULT_LANG,
                None,
                "",
                f"the '{DEFAULT_LANG}' folder is missing; it is the fallback language",
            )
        )
    for lang_dir in langs:
        problems.extend(load_language(lang_dir).problems)
    from .translation import check_translations

    problems.extend(check_translations(root)[0])
    problems.extend(check_consent_translations(root))
    problems.extend(check_messages(root))
    problems.extend(check_messages(root, filename=GP_FILE))
    problems.extend(check_crisis_resources(root))
    return problems


def main_validate(root: Path, out: TextIO) -> int:
    """Print every problem as ``path:line: severity: location: message``.

    Returns 1 if there is any error, otherwise 0.
    """
    root = Path(root)
    problems = validate_tree(root)
    for problem in problems:
        print(problem.format(), file=out)
    errors = sum(1 for problem in problems if problem.is_error)
    warnings = len(problems) - errors
    langs = language_dirs(root)
    modules = sum(len(module_files(lang_dir)) for lang_dir in langs)
    status = "FAILED" if errors else "OK"
    print(
        f"{status}: checked {modules} module file(s) in {len(langs)} language(s): "
        f"{errors} error(s), {warnings} warning(s)",
        file=out,
    )
    return 1 if errors else 0


def startup_errors(root: Path) -> list[str]:
    """The errors that stop the product from starting (broken modules, consent, messages
    or crisis resources), as lines to print; [] when the content can be served."""
    return [problem.format() for problem in validate_tree(Path(root)) if problem.is_error]

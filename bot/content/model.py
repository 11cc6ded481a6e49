"""The CBT program content as immutable data.

Everything here is built by :mod:`bot.content.validate` from the YAML files in
``cbt_content/<lang>/`` and handed out by :class:`bot.content.ContentRepository`.
The objects are frozen so they can be shared between threads and conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Step types, in the order a clinician editor would usually meet them.
MESSAGE = "message"
CHOICE = "choice"
REFLECTION = "reflection"
EXERCISE = "exercise"
HOMEWORK = "homework"
SUMMARY = "summary"

STEP_TYPES: tuple[str, ...] = (MESSAGE, CHOICE, REFLECTION, EXERCISE, HOMEWORK, SUMMARY)
# Every module needs at least one step of each of these kinds.
REQUIRED_STEP_TYPES: tuple[str, ...] = STEP_TYPES
# Steps where the patient types an answer that is saved to the workbook.
FREE_TEXT_TYPES: frozenset[str] = frozenset({REFLECTION, EXERCISE})


@dataclass(frozen=True)
class Option:
    """One button of a multiple-choice step."""

    id: str
    label: str
    feedback: str
    next: str | None = None  # step id to jump to; None means "the following step"


@dataclass(frozen=True)
class Field:
    """One question of a structured exercise; each answer is saved separately."""

    id: str
    prompt: str
    hint: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    text: str
    title: str | None = None
    hint: str | None = None
    options: tuple[Option, ...] = ()
    fields: tuple[Field, ...] = ()
    remind_after_days: int | None = None
    source: str | None = None  # translations: fingerprint of the English step

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(f"step {self.id!r} has no option {option_id!r}")

    @property
    def saves_answer(self) -> bool:
        """True if the patient's typed answer goes to the workbook."""
        return self.type in FREE_TEXT_TYPES


@dataclass(frozen=True)
class AgendaItem:
    minutes: int
    item: str


@dataclass(frozen=True)
class GpSection:
    """What the GP sees to prepare the follow-up consultation."""

    key_points: tuple[str, ...]
    agenda: tuple[AgendaItem, ...]
    watch_for: tuple[str, ...] = ()

    @property
    def agenda_minutes(self) -> int:
        return sum(item.minutes for item in self.agenda)


@dataclass(frozen=True)
class Module:
    id: str
    version: int
    order: int
    title: str
    summary: str
    minutes: int
    steps: tuple[Step, ...]
    gp: GpSection
    source: Path

    def step(self, step_id: str) -> Step:
        return self.steps[self.index_of(step_id)]

    def index_of(self, step_id: str) -> int:
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise KeyError(f"module {self.id!r} has no step {step_id!r}")

    def has_step(self, step_id: str) -> bool:
        return any(step.id == step_id for step in self.steps)

    @property
    def first_step_id(self) -> str:
        return self.steps[0].id

    def next_step_id(self, step_id: str, option_id: str | None = None) -> str | None:
        """The step that follows ``step_id``, or None at the end of the module.

        For a choice step, pass the chosen ``option_id``: an option with ``next``
        jumps there; otherwise the module continues with the following step.
        """
        index = self.index_of(step_id)
        if option_id is not None:
            target = self.steps[index].option(option_id).next
            if target is not None:
                return target
        if index + 1 < len(self.steps):
            return self.steps[index + 1].id
        return None


@dataclass(frozen=True)
class Program:
    """All modules of one language, sorted by ``order``."""

    lang: str
    modules: tuple[Module, ...]

    def module(self, module_id: str) -> Module:
        for module in self.modules:
            if module.id == module_id:
                return module
        raise KeyError(f"no module {module_id!r} in language {self.lang!r}")

    def has_module(self, module_id: str) -> bool:
        return any(module.id == module_id for module in self.modules)

    def first_module(self) -> Module:
        return self.modules[0]

    def next_module(self, module_id: str) -> Module | None:
        """The module after ``module_id`` in program order, or None after the last."""
        for index, module in enumerate(self.modules):
            if module.id == module_id:
                return self.modules[index + 1] if index + 1 < len(self.modules) else None
        raise KeyError(f"no module {module_id!r} in language {self.lang!r}")


@dataclass(frozen=True)
class Consent:
    version: int
    title: str
    text: str
    agree_label: str
    decline_label: str
    share_workbook_question: str
    share_yes_label: str
    share_no_label: str

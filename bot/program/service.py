"""Program progress: which step comes next, resuming, unlocking, the workbook.

The service is pure application logic: it reads content, writes progress and
workbook rows in the caller's session, and returns channel-neutral replies. It never
imports Rasa.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import ContentRepository
from bot.content.model import Module, Program, Step
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.dates import format_date
from bot.core.replies import Button, Reply, intent_payload
from bot.db.actors import patient_actor
from bot.db.audit import audit
from bot.db.tables import Gp, ModuleProgress, Patient, Practice, WorkbookEntry

log = logging.getLogger(__name__)

CONTINUE = intent_payload("continue_program")
SKIP = intent_payload("skip")
PAUSE = intent_payload("pause")
MAX_ANSWER_CHARS = 4000
ORDINALS = {
    "first": 0, "1st": 0, "one": 0, "second": 1, "2nd": 1, "two": 1, "third": 2, "3rd": 2,
    "three": 2, "fourth": 3, "4th": 3, "four": 3, "fifth": 4, "5th": 4, "five": 4,
    "første": 0, "andre": 1, "tredje": 2, "fjerde": 3, "femte": 4,
}


@dataclass
class Turn:
    """What to say, and whether the next patient message is a free-text answer."""

    replies: list[Reply] = field(default_factory=list)
    awaiting_text: bool = False
    module_finished: str | None = None  # id of a module finished in this turn


class ProgramService:
    def __init__(self, content: ContentRepository, texts: Texts, clock: Clock,
                 resume_after: timedelta = timedelta(minutes=30)) -> None:
        self.content = content
        self.texts = texts
        self.clock = clock
        self.resume_after = resume_after

    # ---- queries -------------------------------------------------------------
    def program(self, patient: Patient) -> Program:
        return self.content.program(patient.language)

    def _rows(self, session: Session, patient: Patient) -> list[ModuleProgress]:
        return list(session.execute(
            select(ModuleProgress).where(ModuleProgress.patient_id == patient.id)
            .order_by(ModuleProgress.started_at, ModuleProgress.id)
        ).scalars())

    def active(self, session: Session, patient: Patient) -> ModuleProgress | None:
        for row in reversed(self._rows(session, patient)):
            if row.status in ("in_progress", "paused"):
                return row
        return None

    def finished_ids(self, session: Session, patient: Patient) -> set[str]:
        return {r.module_id for r in self._rows(session, patient) if r.status == "finished"}

    def next_module(self, session: Session, patient: Patient) -> Module | None:
        """The first module not yet finished (locked or not); None when all are done."""
        done = self.finished_ids(session, patient)
        for module in self.program(patient).modules:
            if module.id not in done:
                return module
        return None

    def unlocks_at(self, session: Session, patient: Patient, module: Module) -> datetime | None:
        """None if the module is open now, else when it opens at the latest.

        A module after the first opens when the GP has recorded the follow-up of the
        module before it, or after the practice's waiting time (followup_wait_days)
        since that module was finished, whichever comes first: never blocked for good.
        """
        from bot.escalation.followups import followup_held

        earlier = [m for m in self.program(patient).modules if m.order < module.order]
        if not earlier:
            return None
        prev = earlier[-1]
        row = session.execute(select(ModuleProgress).where(
            ModuleProgress.patient_id == patient.id, ModuleProgress.module_id == prev.id,
            ModuleProgress.status == "finished")).scalar_one_or_none()
        if row is None or row.finished_at is None:
            return None
        gp = session.get(Gp, patient.gp_id)
        practice = session.get(Practice, gp.practice_id) if gp else None
        wait = practice.followup_wait_days if practice else 0
        opens = row.finished_at + timedelta(days=wait)
        if wait <= 0 or self.clock.now() >= opens or followup_held(session, patient.id, prev.id):
            return None
        return opens

    def next_unlocked(self, session: Session, patient: Patient) -> Module | None:
        """The first module not yet finished, if it is open (see unlocks_at)."""
        module = self.next_module(session, patient)
        if module is None or self.unlocks_at(session, patient, module) is not None:
            return None
        return module

    def _locked_reply(self, patient: Patient, opens: datetime) -> Reply:
        local = opens.astimezone(ZoneInfo(patient.timezone or "UTC"))
        when = format_date(local, patient.language)
        return Reply(self.t(patient, "next_module_locked", date=when))

    def is_awaiting_text(self, session: Session, patient: Patient) -> bool:
        row = self.active(session, patient)
        return bool(row and row.status == "in_progress" and row.awaiting == "text")

    # ---- commands ------------------------------------------------------------
    def continue_(self, session: Session, patient: Patient) -> Turn:
        row = self.active(session, patient)
        if row is None:
            module = self.next_module(session, patient)
            if module is None:
                return Turn([Reply(self.t(patient, "program_finished"))])
            opens = self.unlocks_at(session, patient, module)
            if opens is not None:
                return Turn([self._locked_reply(patient, opens)])
            return self._start_module(session, patient, module)
        module, step = self._locate(patient, row)
        stale = self.clock.now() - row.updated_at > self.resume_after
        if row.status == "paused" or stale or row.awaiting in ("choice", "text"):
            # Show where they were rather than moving on past something unseen.
            # "Welcome back" only for a patient who was away (paused, or gone a while).
            key = "welcome_back" if row.status == "paused" or stale else "here_you_are"
            row.status = "in_progress"
            turn = Turn([Reply(self.t(patient, key, module=module.title))])
            return self._show(session, patient, row, module, step, turn)
        return self._advance(session, patient, row, module, step, None, Turn())

    def repeat(self, session: Session, patient: Patient) -> Turn:
        row = self.active(session, patient)
        if row is None:
            return Turn([Reply(self.t(patient, "repeat_nothing"), (self._continue_button(patient),))])
        module, step = self._locate(patient, row)
        row.status = "in_progress"
        return self._show(session, patient, row, module, step, Turn())

    def current(self, session: Session, patient: Patient) -> Turn:
        """The current step again, without changing anything (for fallbacks and prompts)."""
        return self.repeat(session, patient)

    def pause(self, session: Session, patient: Patient) -> Turn:
        row = self.active(session, patient)
        if row is None:
            return Turn([Reply(self.t(patient, "nothing_to_pause"))])
        module, _step = self._locate(patient, row)
        row.status = "paused"
        row.updated_at = self.clock.now()
        audit(session, self.clock.now(), patient_actor(patient), "module_paused", patient.id,
              module=module.id, step=row.current_step_id)
        return Turn([Reply(
            self.t(patient, "paused", module=module.title, step=row.current_step_index + 1,
                   total=len(module.steps)),
            (Button(self.t(patient, "resume_button"), CONTINUE),),
        )])

    def hold_place(self, session: Session, patient: Patient) -> None:
        """Keeps the place without a message (e.g. when a risk conversation starts), so
        that "continue" afterwards shows the current step again instead of moving on."""
        row = self.active(session, patient)
        if row is not None:
            row.status = "paused"

    def choose(self, session: Session, patient: Patient, choice: str | None, text: str = "") -> Turn:
        row = self.active(session, patient)
        if row is None or row.awaiting != "choice":
            return self.continue_(session, patient) if row is None else self.repeat(session, patient)
        module, step = self._locate(patient, row)
        option = None
        if choice:
            option = next((o for o in step.options if o.id == choice), None)
        if option is None:
            option = match_option(step, text or choice or "")
        if option is None:
            turn = Turn([Reply(self.t(patient, "choose_again"))])
            return self._show(session, patient, row, module, step, turn)
        self._save(session, patient, module, step, "choice", step.text, option.label)
        turn = Turn([Reply(option.feedback)])
        return self._advance(session, patient, row, module, step, option.next, turn)

    def submit_text(self, session: Session, patient: Patient, text: str | None) -> Turn:
        row = self.active(session, patient)
        if row is None or row.awaiting != "text":
            return self.continue_(session, patient)
        module, step = self._locate(patient, row)
        answer = (text or "").strip()
        if not answer:
            turn = Turn([Reply(self.t(patient, "empty_answer"))])
            return self._show(session, patient, row, module, step, turn)
        return self._record_text(session, patient, row, module, step, answer[:MAX_ANSWER_CHARS])

    def skip(self, session: Session, patient: Patient) -> Turn:
        row = self.active(session, patient)
        if row is None:
            return self.continue_(session, patient)
        module, step = self._locate(patient, row)
        if row.awaiting == "text":
            turn = Turn([Reply(self.t(patient, "text_skipped"))])
            return self._record_text(session, patient, row, module, step, None, turn)
        if row.awaiting == "choice":
            return self._advance(session, patient, row, module, step, None, Turn())
        return self.continue_(session, patient)

    def progress_text(self, session: Session, patient: Patient) -> str:
        program = self.program(patient)
        done = self.finished_ids(session, patient)
        total = len(program.modules)
        lines = [self.t(patient, "progress_summary", done=len(done & {m.id for m in program.modules}),
                        total=total)]
        row = self.active(session, patient)
        if row is not None:
            module, _ = self._locate(patient, row)
            lines.append(self.t(patient, "progress_current", order=module.order, title=module.title,
                                step=row.current_step_index + 1, total_steps=len(module.steps)))
        elif not done:
            lines.append(self.t(patient, "progress_none"))
        elif self.next_module(session, patient) is None:
            lines.append(self.t(patient, "progress_all_done"))
        for module in program.modules:
            mark = "✓" if module.id in done else ("…" if row and row.module_id == module.id else "·")
            lines.append(f"{mark} {module.order}. {module.title}")
        return "\n".join(lines)

    # ---- internals -----------------------------------------------------------
    def t(self, patient: Patient, key: str, **values: object) -> str:
        return self.texts.get(key, patient.language, **values)

    def _continue_button(self, patient: Patient) -> Button:
        return Button(self.t(patient, "continue_button"), CONTINUE)

    def _locate(self, patient: Patient, row: ModuleProgress) -> tuple[Module, Step]:
        """The module and step a progress row points at, surviving content edits."""
        program = self.program(patient)
        try:
            module = program.module(row.module_id)
        except KeyError:
            log.error("module %s is no longer in the content; restarting at module 1", row.module_id)
            module = program.modules[0]
            row.module_id, row.current_step_id, row.current_step_index = module.id, None, 0
        step = None
        if row.current_step_id:
            try:
                step = module.step(row.current_step_id)
            except KeyError:
                step = None
        if step is None:
            # The step was removed or renamed: resume at the same position.
            index = min(max(row.current_step_index, 0), len(module.steps) - 1)
            step = module.steps[index]
            row.current_field_index = 0
        if row.content_version != module.version:
            row.content_version = module.version
        row.current_step_id = step.id
        row.current_step_index = module.index_of(step.id)
        if step.type == "exercise" and row.current_field_index >= len(step.fields):
            row.current_field_index = 0
        return module, step

    def _start_module(self, session: Session, patient: Patient, module: Module) -> Turn:
        now = self.clock.now()
        row = session.execute(select(ModuleProgress).where(
            ModuleProgress.patient_id == patient.id, ModuleProgress.module_id == module.id
        )).scalar_one_or_none()
        if row is None:
            row = ModuleProgress(patient_id=patient.id, module_id=module.id,
                                 content_version=module.version, started_at=now)
            session.add(row)
        row.status = "in_progress"
        row.current_step_id = module.first_step_id
        row.current_step_index = 0
        row.current_field_index = 0
        row.steps_done = 0
        row.updated_at = now
        audit(session, now, patient_actor(patient), "module_started", patient.id, module=module.id)
        turn = Turn([Reply(self.t(patient, "module_started", order=module.order, title=module.title,
                                  minutes=module.minutes))])
        return self._show(session, patient, row, module, module.steps[0], turn)

    def _advance(self, session: Session, patient: Patient, row: ModuleProgress, module: Module,
                 step: Step, target: str | None, turn: Turn) -> Turn:
        next_id = target or module.next_step_id(step.id)
        row.steps_done = max(row.steps_done, module.index_of(step.id) + 1)
        if next_id is None:
            return self._finish(session, patient, row, module, turn)
        next_step = module.step(next_id)
        row.current_step_id = next_step.id
        row.current_step_index = module.index_of(next_step.id)
        row.current_field_index = 0
        return self._show(session, patient, row, module, next_step, turn)

    def _show(self, session: Session, patient: Patient, row: ModuleProgress, module: Module,
              step: Step, turn: Turn) -> Turn:
        row.updated_at = self.clock.now()
        patient.last_active_at = self.clock.now()
        kind = step.type
        if kind == "choice":
            buttons = tuple(
                Button(f"{chr(ord('a') + i)}) {o.label}", intent_payload("choose", choice=o.id))
                for i, o in enumerate(step.options)
            )
            turn.replies.append(Reply(step.text, buttons))
            row.awaiting = "choice"
        elif kind == "reflection":
            text = step.text + (f"\n\n({step.hint})" if step.hint else "")
            turn.replies.append(Reply(text, self._text_buttons(patient)))
            row.awaiting = "text"
            turn.awaiting_text = True
        elif kind == "exercise":
            index = row.current_field_index
            if index == 0:
                turn.replies.append(Reply(f"{step.title}\n\n{step.text}" if step.title else step.text))
            fld = step.fields[index]
            header = self.t(patient, "exercise_field_counter", title=step.title or module.title,
                            index=index + 1, count=len(step.fields))
            text = f"{header}\n{fld.prompt}" + (f"\n\n({fld.hint})" if fld.hint else "")
            turn.replies.append(Reply(text, self._text_buttons(patient)))
            row.awaiting = "text"
            turn.awaiting_text = True
        elif kind == "summary":
            turn.replies.append(Reply(step.text))
            row.steps_done = len(module.steps)
            return self._finish(session, patient, row, module, turn)
        else:  # message, homework
            turn.replies.append(Reply(step.text, (self._continue_button(patient),)))
            row.awaiting = "next"
        return turn

    def _text_buttons(self, patient: Patient) -> tuple[Button, ...]:
        return (Button(self.t(patient, "skip_button"), SKIP),
                Button(self.t(patient, "pause_button"), PAUSE))

    def _record_text(self, session: Session, patient: Patient, row: ModuleProgress, module: Module,
                     step: Step, answer: str | None, turn: Turn | None = None) -> Turn:
        turn = turn or Turn([Reply(self.t(patient, "text_saved"))])
        if step.type == "exercise":
            fld = step.fields[row.current_field_index]
            self._save(session, patient, module, step, fld.id, fld.prompt, answer)
            if row.current_field_index + 1 < len(step.fields):
                row.current_field_index += 1
                return self._show(session, patient, row, module, step, turn)
        else:
            self._save(session, patient, module, step, None, step.text, answer)
        return self._advance(session, patient, row, module, step, None, turn)

    def _save(self, session: Session, patient: Patient, module: Module, step: Step,
              field_id: str | None, prompt: str, answer: str | None) -> None:
        session.add(WorkbookEntry(patient_id=patient.id, module_id=module.id, step_id=step.id,
                                  field_id=field_id, prompt=prompt, answer=answer,
                                  skipped=answer is None, created_at=self.clock.now()))

    def _finish(self, session: Session, patient: Patient, row: ModuleProgress, module: Module,
                turn: Turn) -> Turn:
        now = self.clock.now()
        row.status = "finished"
        row.finished_at = now
        row.awaiting = None
        row.updated_at = now
        audit(session, now, patient_actor(patient), "module_finished", patient.id, module=module.id)
        turn.module_finished = module.id
        turn.replies.append(Reply(self.t(patient, "module_finished", order=module.order,
                                         title=module.title)))
        session.flush()
        nxt = self.next_module(session, patient)
        opens = self.unlocks_at(session, patient, nxt) if nxt is not None else None
        if nxt is None:
            turn.replies.append(Reply(self.t(patient, "program_finished")))
        elif opens is not None:
            turn.replies.append(self._locked_reply(patient, opens))
        else:
            turn.replies.append(Reply(
                self.t(patient, "next_module_ready", title=nxt.title, summary=nxt.summary),
                (Button(self.t(patient, "start_module", order=nxt.order), CONTINUE),
                 Button(self.t(patient, "later_button"), intent_payload("goodbye"))),
            ))
        return turn


_LETTER = re.compile(r"^\s*(?:option|alternativ|svar)?\s*\(?([a-e])\)?[.)]?\s*$", re.I)
_NUMBER = re.compile(r"\b([1-5])\b")


def match_option(step: Step, text: str):  # type: ignore[no-untyped-def]
    """Maps a typed answer ("b", "2", "the second one", part of a label) to an option."""
    text = text.strip().lower()
    if not text:
        return None
    options = step.options
    m = _LETTER.match(text)
    if m:
        i = ord(m.group(1).lower()) - ord("a")
        return options[i] if i < len(options) else None
    m = _NUMBER.search(text)
    if m and len(text) <= 20:
        i = int(m.group(1)) - 1
        return options[i] if i < len(options) else None
    words = re.findall(r"\w+", text)
    if "last" in words or "siste" in words:
        return options[-1]
    for word in words:
        if word in ORDINALS and ORDINALS[word] < len(options):
            return options[ORDINALS[word]]
    for option in options:
        label = option.label.lower()
        if text == label or (len(text) >= 4 and (text in label or label in text)):
            return option
    return None

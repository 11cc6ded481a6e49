"""ProgramService on its own (no Rasa, no actions): the step machine, the workbook,
pausing and resuming, finishing a module, and when the next one opens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.clock import FrozenClock
from bot.db.tables import ModuleProgress, Patient, WorkbookEntry
from bot.enrolment.service import add_gp, invite_patient
from bot.program.service import Turn


@pytest.fixture
def patient_id(services: Services, clock: FrozenClock) -> int:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(),
                    language="en")
        patient = invite_patient(s, gp, clock.now(), 14).patient
        patient.status = "consented"
        return patient.id


def step(services: Services, patient_id: int, fn: str, *args: object) -> Turn:
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        return getattr(services.program, fn)(s, patient, *args)


def row(services: Services, patient_id: int) -> ModuleProgress:
    with services.db.session() as s:
        found = s.execute(select(ModuleProgress).where(
            ModuleProgress.patient_id == patient_id).order_by(ModuleProgress.id.desc())).scalars().first()
        s.expunge(found)
        return found


def text_of(turn: Turn) -> str:
    return "\n".join(r.text or "" for r in turn.replies)


def work_through(services: Services, patient_id: int, answer: str = "An answer.") -> Turn:
    """Module by module: take the first button of each choice, answer every text."""
    turn = step(services, patient_id, "continue_")
    for _ in range(200):
        if turn.module_finished:
            return turn
        current = row(services, patient_id)
        if current.awaiting == "choice":
            turn = step(services, patient_id, "choose", "a")
        elif current.awaiting == "text":
            turn = step(services, patient_id, "submit_text", answer)
        else:
            turn = step(services, patient_id, "continue_")
    raise AssertionError("the module did not finish")


def test_the_first_continue_starts_module_1_at_its_first_step(services: Services,
                                                              patient_id: int) -> None:
    m1 = services.content.program("en").modules[0]
    turn = step(services, patient_id, "continue_")
    assert m1.steps[0].text.split("\n")[0] in text_of(turn)
    current = row(services, patient_id)
    assert (current.module_id, current.current_step_id, current.status) == (
        m1.id, m1.steps[0].id, "in_progress")


def test_a_choice_is_saved_with_its_feedback_and_a_wrong_one_asked_again(
        services: Services, patient_id: int) -> None:
    m1 = services.content.program("en").modules[0]
    choice = next(s for s in m1.steps if s.type == "choice")
    turn = step(services, patient_id, "continue_")
    while row(services, patient_id).current_step_id != choice.id:
        turn = step(services, patient_id, "continue_")
    turn = step(services, patient_id, "choose", "zz", "something unrelated")
    assert row(services, patient_id).current_step_id == choice.id  # asked again
    turn = step(services, patient_id, "choose", "b")
    assert choice.option("b").feedback.split("\n")[0] in text_of(turn)
    with services.db.session() as s:
        saved = s.execute(select(WorkbookEntry).where(WorkbookEntry.step_id == choice.id)).scalar_one()
        assert saved.answer == choice.option("b").label


def test_free_text_answers_and_skips_go_to_the_workbook(services: Services,
                                                        patient_id: int) -> None:
    work_through(services, patient_id, "I stayed in bed and felt worse.")
    with services.db.session() as s:
        answers = s.execute(select(WorkbookEntry.answer).where(
            WorkbookEntry.patient_id == patient_id)).scalars().all()
    assert "I stayed in bed and felt worse." in answers
    m1 = services.content.program("en").modules[0]
    exercise = next(s for s in m1.steps if s.type == "exercise")
    with services.db.session() as s:
        fields = s.execute(select(WorkbookEntry.field_id).where(
            WorkbookEntry.step_id == exercise.id)).scalars().all()
    assert sorted(fields) == sorted(f.id for f in exercise.fields)  # one row per field


def test_finishing_a_module_locks_the_next_until_the_follow_up_or_the_wait(
        services: Services, patient_id: int, clock: FrozenClock) -> None:
    m1, m2 = services.content.program("en").modules[:2]
    turn = work_through(services, patient_id)
    assert turn.module_finished == m1.id
    with services.db.session() as s:
        opens = services.program.unlocks_at(s, s.get(Patient, patient_id), m2)
    assert opens is not None and opens > clock.now()
    step(services, patient_id, "continue_")
    assert row(services, patient_id).module_id == m1.id  # module 2 has not started
    clock.advance(opens - clock.now() + timedelta(minutes=1))
    turn = step(services, patient_id, "continue_")
    assert row(services, patient_id).module_id == m2.id, text_of(turn)


def test_pause_then_continue_shows_the_same_step_with_welcome_back(
        services: Services, patient_id: int, clock: FrozenClock) -> None:
    step(services, patient_id, "continue_")
    step(services, patient_id, "continue_")
    before = row(services, patient_id).current_step_id
    step(services, patient_id, "pause")
    assert row(services, patient_id).status == "paused"
    turn = step(services, patient_id, "continue_")
    assert row(services, patient_id).current_step_id == before
    assert "welcome back" in text_of(turn).lower()
    # Away for a while (not paused): shown again too, not moved past.
    clock.advance(timedelta(hours=2))
    turn = step(services, patient_id, "continue_")
    assert row(services, patient_id).current_step_id == before


def test_the_same_step_in_another_language(services: Services, patient_id: int) -> None:
    step(services, patient_id, "continue_")
    step(services, patient_id, "continue_")
    with services.db.session() as s:
        s.get(Patient, patient_id).language = "nb"
    turn = step(services, patient_id, "repeat")
    current = row(services, patient_id).current_step_id
    nb = services.content.program("nb").modules[0].step(current)
    assert nb.text.split("\n")[0] in text_of(turn)

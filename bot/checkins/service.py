"""Check-ins: start or resume, keep each answer as it comes, score, escalate.

PHQ-9 item 9 above 0 starts the same crisis response as a risk message; a reliable
worsening (up 5 or more, or into the severe band) creates a GP escalation of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.checkins import instruments as ins
from bot.checkins.history import completed
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.replies import Button, Reply, intent_payload
from bot.db.actors import patient_actor
from bot.db.audit import audit
from bot.db.tables import Patient
from bot.db.tables.checkins import CheckIn, CheckInAnswer
from bot.escalation import EscalationRequest, escalate
from bot.safety.detector import RiskResult

if TYPE_CHECKING:
    from bot.reminders.service import ReminderService
    from bot.safety.response import SafetyOutcome, SafetyService

RESUME_WITHIN = timedelta(days=7)  # an unfinished questionnaire older than this starts afresh
PHQ9_SLOTS = (*tuple(f"phq9_q{i}" for i in range(1, 10)), "phq9_difficulty")
PHQ2_SLOTS = ("phq9_q1", "phq9_q2")  # the PHQ-2 is the PHQ-9's first two items
MOOD_SLOTS = ("mood_rating", "mood_note")


def slot_item(slot: str) -> int:
    return ins.DIFFICULTY_ITEM if slot == "phq9_difficulty" else int(slot.removeprefix("phq9_q"))


@dataclass
class Phq2Result:
    checkin_id: int
    total: int
    positive: bool
    replies: list[Reply] = field(default_factory=list)


@dataclass
class Phq9Result:
    checkin_id: int
    total: int
    band: str
    previous_total: int | None
    escalation_id: int | None
    replies: list[Reply] = field(default_factory=list)


class CheckinService:
    def __init__(self, texts: Texts, clock: Clock, safety: SafetyService,
                 reminders: ReminderService) -> None:
        self.texts = texts
        self.clock = clock
        self.safety = safety
        self.reminders = reminders

    def t(self, patient: Patient, key: str, **values: object) -> str:
        return self.texts.get(key, patient.language, **values)

    # ---- lifecycle ---------------------------------------------------------------
    def in_progress(self, session: Session, patient: Patient, instrument: str) -> CheckIn | None:
        return session.execute(
            select(CheckIn).where(CheckIn.patient_id == patient.id,
                                  CheckIn.instrument == instrument,
                                  CheckIn.status == "in_progress")
            .order_by(CheckIn.started_at.desc(), CheckIn.id.desc()).limit(1)).scalar_one_or_none()

    def start(self, session: Session, patient: Patient, instrument: str,
              trigger: str = "patient") -> tuple[CheckIn, bool]:
        """(check-in, resumed): resumes an unfinished one from the last week."""
        now = self.clock.now()
        current = self.in_progress(session, patient, instrument)
        if current is not None and now - current.updated_at <= RESUME_WITHIN:
            return current, True
        if current is not None:
            current.status = "abandoned"
            current.updated_at = now
        row = CheckIn(patient_id=patient.id, instrument=instrument,
                      instrument_version=ins.VERSIONS[instrument], status="in_progress",
                      trigger=trigger, language=patient.language, started_at=now, updated_at=now)
        session.add(row)
        session.flush()
        audit(session, now, patient_actor(patient), "checkin_started", patient.id,
              instrument=instrument, checkin_id=row.id, trigger=trigger)
        return row, False

    def answers(self, session: Session, checkin: CheckIn) -> dict[int, int]:
        rows = session.execute(select(CheckInAnswer).where(CheckInAnswer.checkin_id == checkin.id))
        return {a.item: a.value for a in rows.scalars()}

    def record(self, session: Session, checkin: CheckIn, item: int, value: int,
               raw: str | None = None) -> None:
        now = self.clock.now()
        row = session.execute(select(CheckInAnswer).where(
            CheckInAnswer.checkin_id == checkin.id, CheckInAnswer.item == item)
        ).scalar_one_or_none()
        if row is None:
            session.add(CheckInAnswer(checkin_id=checkin.id, item=item, value=value,
                                      raw_text=(raw or "")[:500] or None, answered_at=now))
        else:
            row.value, row.raw_text, row.answered_at = value, (raw or "")[:500] or None, now
        checkin.updated_at = now
        session.flush()

    # ---- PHQ-9 ---------------------------------------------------------------------
    def phq9_question(self, patient: Patient, slot: str) -> Reply:
        lang = ins.lang_of(patient.language)
        if slot == "phq9_difficulty":
            text = self.t(patient, "checkin_difficulty_question",
                          question=ins.DIFFICULTY_QUESTION[lang])
            options = ins.DIFFICULTY_OPTIONS[lang]
        else:
            n = slot_item(slot)
            text = self.t(patient, "checkin_phq9_question", n=n, stem=ins.PHQ9_STEM[lang],
                          item=ins.PHQ9_ITEMS[lang][n - 1])
            options = ins.PHQ9_OPTIONS[lang]
        return Reply(text, tuple(Button(label, intent_payload("phq_answer", phq_value=str(i)))
                                 for i, label in enumerate(options)))

    def item9_risk(self, session: Session, patient: Patient, channel: str, sender_id: str,
                   value: int, text: str, message_id: str | None = None) -> SafetyOutcome | None:
        risk = ins.item9_risk(value)
        if risk is None:
            return None
        category, urgency = risk
        result = RiskResult(risk=True, category=category, urgency=urgency,
                            evidence=[f"PHQ-9 item 9 = {value}"])
        return self.safety.handle_risk(session, patient, channel, sender_id,
                                       text or f"PHQ-9 item 9 = {value}", result,
                                       context="form:phq9_form", source="phq9_item9",
                                       message_id=f"phq9:{message_id}" if message_id else None)

    def previous_phq9(self, session: Session, patient: Patient, before: CheckIn) -> CheckIn | None:
        return session.execute(
            select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.instrument == ins.PHQ9,
                                  CheckIn.status == "complete", CheckIn.id != before.id)
            .order_by(CheckIn.completed_at.desc(), CheckIn.id.desc()).limit(1)).scalar_one_or_none()

    def complete_phq9(self, session: Session, patient: Patient,
                      checkin: CheckIn) -> Phq9Result | None:
        """Scores a PHQ-9 once its nine items are in; None while items are missing."""
        answers = self.answers(session, checkin)
        score = ins.score_phq9(answers)
        if not score.complete:
            return None
        now = self.clock.now()
        previous = self.previous_phq9(session, patient, checkin)
        prev_total = previous.total if previous is not None else None
        first_completion = checkin.status != "complete"
        checkin.total, checkin.band = score.total, score.band
        checkin.status = "complete"
        checkin.completed_at = checkin.completed_at or now
        checkin.updated_at = now
        result = Phq9Result(checkin.id, score.total, score.band, prev_total, None)
        if not first_completion:
            return result
        self.reminders.phq9_completed(session, patient)
        audit(session, now, patient_actor(patient), "phq9_completed", patient.id,
              checkin_id=checkin.id, total=score.total, band=score.band, item9=score.item9,
              version=checkin.instrument_version)
        why = ins.deterioration(prev_total, score.total)
        if why is not None:
            esc = escalate(session, patient, EscalationRequest(
                kind="deterioration", urgency="soon",
                say=(("summary_deterioration_up" if score.total - (prev_total or 0)
                      >= ins.RELIABLE_CHANGE else "summary_deterioration_severe"),
                     {"ref": patient.ref, "points": score.total - (prev_total or 0),
                      "previous": prev_total, "total": score.total}),
                details={"checkin_id": checkin.id, "total": score.total, "band": score.band,
                         "previous_total": prev_total, "reason": why,
                         "answers": {str(k): v for k, v in sorted(answers.items())}},
                idempotency_key=f"deterioration:checkin:{checkin.id}",
            ), now)
            result.escalation_id = esc.id
        result.replies = self._phq9_replies(patient, result)
        return result

    def _phq9_replies(self, patient: Patient, r: Phq9Result) -> list[Reply]:
        band = ins.band_label(r.band, patient.language)
        lines = [self.t(patient, "checkin_phq9_done", total=r.total, band=band)]
        if r.previous_total is None:
            lines.append(self.t(patient, "checkin_phq9_first"))
        elif r.escalation_id is not None:
            lines.append(self.t(patient, "checkin_phq9_worse_gp", previous=r.previous_total))
        else:
            change = r.total - r.previous_total
            if change <= -ins.RELIABLE_CHANGE:
                lines.append(self.t(patient, "checkin_phq9_better", change=-change,
                                    previous=r.previous_total))
            elif change < 0:
                lines.append(self.t(patient, "checkin_phq9_bit_better", previous=r.previous_total))
            elif change == 0:
                lines.append(self.t(patient, "checkin_phq9_same", previous=r.previous_total))
            else:
                lines.append(self.t(patient, "checkin_phq9_bit_worse", previous=r.previous_total))
        return [Reply("\n\n".join(lines))]

    # ---- PHQ-2: the two-question check -------------------------------------------------
    def phq2_question(self, patient: Patient, slot: str) -> Reply:
        lang = ins.lang_of(patient.language)
        n = slot_item(slot)
        text = self.t(patient, "checkin_phq2_question", n=n, stem=ins.PHQ9_STEM[lang],
                      item=ins.PHQ9_ITEMS[lang][n - 1])
        return Reply(text, tuple(Button(label, intent_payload("phq_answer", phq_value=str(i)))
                                 for i, label in enumerate(ins.PHQ9_OPTIONS[lang])))

    def complete_phq2(self, session: Session, patient: Patient,
                      checkin: CheckIn) -> Phq2Result | None:
        """Scores a PHQ-2 once both items are in; None while one is missing. A positive
        screen makes the full PHQ-9 due now (offered at once, reminded tomorrow)."""
        answers = self.answers(session, checkin)
        if not {1, 2} <= answers.keys():
            return None
        total, positive = ins.score_phq2(answers)
        first_completion = checkin.status != "complete"
        now = self.clock.now()
        checkin.total, checkin.band = total, "positive" if positive else "negative"
        checkin.status = "complete"
        checkin.completed_at = checkin.completed_at or now
        checkin.updated_at = now
        if first_completion:
            audit(session, now, patient_actor(patient), "phq2_completed", patient.id,
                  checkin_id=checkin.id, total=total, positive=positive,
                  version=checkin.instrument_version)
            if positive:
                self.reminders.phq9_due_now(session, patient)
        key = "checkin_phq2_positive" if positive else "checkin_phq2_negative"
        return Phq2Result(checkin.id, total, positive, [Reply(self.t(patient, key, total=total))])

    # ---- mood ------------------------------------------------------------------------
    def mood_question(self, patient: Patient) -> Reply:
        return Reply(self.t(patient, "checkin_mood_question"),
                     tuple(Button(str(i), intent_payload("mood_answer", mood_value=str(i)))
                           for i in range(11)))

    def note_question(self, patient: Patient) -> Reply:
        return Reply(self.t(patient, "checkin_mood_note_question"),
                     (Button(self.t(patient, "checkin_no_note_button"), "/skip"),))

    def finish_mood(self, session: Session, patient: Patient, checkin: CheckIn,
                    note: str | None) -> list[Reply]:
        now = self.clock.now()
        answers = self.answers(session, checkin)
        if 1 not in answers:
            return []
        checkin.note = (note or "").strip()[:2000] or None
        checkin.total = answers[1]
        checkin.status = "complete"
        checkin.completed_at = now
        checkin.updated_at = now
        audit(session, now, patient_actor(patient), "mood_logged", patient.id,
              checkin_id=checkin.id, rating=answers[1], note=bool(checkin.note))
        return [Reply(self.t(patient, "checkin_mood_saved", rating=answers[1]))]

    # ---- history -----------------------------------------------------------------------
    def history(self, session: Session, patient: Patient, instrument: str,
                since: datetime | None = None) -> list[tuple[datetime, int]]:
        return completed(session, patient.id, instrument, since)

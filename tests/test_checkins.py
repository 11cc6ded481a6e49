"""PHQ-9 / PHQ-2 / mood: scoring against the published bands, typed answers (en + nb),
the service (answers kept, item 9, deterioration) and the trend."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.checkins import instruments as ins
from bot.checkins.parsing import is_stop, parse_difficulty, parse_mood, parse_phq_answer
from bot.checkins.trend import chart_png, trend_text
from bot.core.clock import FrozenClock
from bot.db.tables import Escalation, Patient, RiskEvent
from bot.db.tables.checkins import CheckIn, CheckInAnswer
from bot.enrolment.service import add_gp, invite_patient, redeem_invite

# ---- scoring ------------------------------------------------------------------------------

@pytest.mark.parametrize(("total", "band"), [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe"),
])
def test_severity_bands_kroenke_2001(total: int, band: str) -> None:
    assert ins.severity_band(total) == band


def _answers(total: int, item9: int = 0) -> dict[int, int]:
    """Nine answers summing to `total` with item 9 as given."""
    rest = total - item9
    answers = {}
    for item in range(1, 9):
        answers[item] = min(3, rest)
        rest -= answers[item]
    answers[9] = item9
    assert rest == 0
    return answers


@pytest.mark.parametrize(("low", "high"), [(4, 5), (9, 10), (14, 15), (19, 20)])
def test_edge_totals_cross_the_band(low: int, high: int) -> None:
    a, b = ins.score_phq9(_answers(low)), ins.score_phq9(_answers(high))
    assert (a.total, b.total) == (low, high)
    assert a.band != b.band
    assert a.complete
    assert b.complete


def test_score_partial_item9_and_validation() -> None:
    s = ins.score_phq9({1: 3, 2: 2, 9: 1})
    assert (s.total, s.complete, s.item9) == (6, False, 1)
    s = ins.score_phq9({**_answers(27, item9=3), 10: 3})  # difficulty is not scored
    assert (s.total, s.band, s.complete) == (27, "severe", True)
    with pytest.raises(ValueError, match=r"0\.\.3"):
        ins.score_phq9({1: 4})
    with pytest.raises(ValueError, match=r"0\.\.27"):
        ins.severity_band(28)


def test_item9_and_phq2() -> None:
    assert ins.item9_risk(0) is None
    assert ins.item9_risk(1) == ("passive_ideation", "soon")
    assert ins.item9_risk(2) == ("active_ideation", "urgent")
    assert ins.item9_risk(3) == ("active_ideation", "urgent")
    assert ins.score_phq2({1: 1, 2: 1}) == (2, False)
    assert ins.score_phq2({1: 2, 2: 1}) == (3, True)


@pytest.mark.parametrize(("prev", "now", "worse"), [
    (None, 25, False), (8, 12, False), (8, 13, True), (17, 19, False), (18, 20, True),
    (20, 24, False), (12, 3, False),
])
def test_deterioration(prev: int | None, now: int, worse: bool) -> None:
    assert (ins.deterioration(prev, now) is not None) is worse


# ---- typed answers --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ('/phq_answer{"phq_value":"2"}', 2), ("2", 2), ("0", 0), ("3!", 3),
    ("more than half the days", 2), ("Most days", 2), ("most days tbh", 2),
    ("nearly every day", 3), ("every day", 3), ("all the time", 3),
    ("several days", 1), ("a few days", 1), ("sometimes", 1), ("not often", 1),
    ("not at all", 0), ("never", 0), ("no", 0),
    ("flere dager", 1), ("mer enn halvparten av dagene", 2), ("nesten hver dag", 3),
    ("ikke i det hele tatt", 0), ("de fleste dager", 2), ("Hver dag", 3),
    ("2 - more than half the days", 2), ("i'd say 1", 1),
])
def test_phq_typed_answers(text: str, value: int) -> None:
    assert parse_phq_answer(text) == value


@pytest.mark.parametrize("text", [
    "", "banana", "5", "4 days", "2 or 3", "sometimes, nearly every day", "what do you mean?",
    '/phq_answer{"phq_value":"7"}', "/continue_program", "1 - nearly every day",
])
def test_phq_unclear_answers(text: str) -> None:
    assert parse_phq_answer(text) is None


@pytest.mark.parametrize(("text", "value"), [
    ("not difficult at all", 0), ("somewhat difficult", 1), ("very difficult", 2),
    ("extremely difficult", 3), ("litt vanskelig", 1), ("2", 2),
])
def test_difficulty_answers(text: str, value: int) -> None:
    assert parse_difficulty(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("6", 6), ("7/10", 7), ("about a 5", 5), ("3 out of 10", 3), ("10", 10), ("0", 0),
    ('/mood_answer{"mood_value":"4"}', 4), ("seks", 6), ("i'd say four", 4),
    ("11", None), ("great", None), ("5 or 6", None), ("", None),
])
def test_mood_answers(text: str, value: int | None) -> None:
    assert parse_mood(text) == value


def test_stop_words() -> None:
    assert is_stop("stop")
    assert is_stop("Later")
    assert is_stop("/pause")
    assert is_stop("senere")
    assert not is_stop("several days")


# ---- the service ----------------------------------------------------------------------------

@pytest.fixture
def patient_id(services: Services, clock: FrozenClock) -> int:
    with services.db.session() as s:
        gp = add_gp(s, "Dr Ada Berg", "ada@example.org", "Fjord Practice", clock.now(), language="en")
        invite = invite_patient(s, gp, clock.now(), 14)
        patient = redeem_invite(s, "rest", "pat", invite.code, clock.now()).patient
        assert patient is not None
        patient.status = "consented"
        return int(patient.id)


def _phq9(services: Services, patient_id: int, answers: dict[int, int]):  # type: ignore[no-untyped-def]
    svc = services.checkins
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        checkin, _ = svc.start(s, patient, ins.PHQ9)
        for item, value in answers.items():
            svc.record(s, checkin, item, value, str(value))
        return svc.complete_phq9(s, patient, checkin)


def test_partial_answers_are_kept_and_resumed(services: Services, patient_id: int,
                                              clock: FrozenClock) -> None:
    svc = services.checkins
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        checkin, resumed = svc.start(s, patient, ins.PHQ9)
        assert not resumed
        svc.record(s, checkin, 1, 2, "most days")
        svc.record(s, checkin, 2, 1, "several days")
        assert svc.complete_phq9(s, patient, checkin) is None
    clock.advance(timedelta(days=2))
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        again, resumed = svc.start(s, patient, ins.PHQ9)
        assert resumed
        assert again.id == checkin.id
        assert svc.answers(s, again) == {1: 2, 2: 1}
        rows = s.execute(select(CheckInAnswer)).scalars().all()
        assert {r.raw_text for r in rows} == {"most days", "several days"}
    clock.advance(timedelta(days=8))  # too old: starts afresh
    with services.db.session() as s:
        fresh, resumed = svc.start(s, s.get(Patient, patient_id), ins.PHQ9)
        assert not resumed
        assert fresh.id != checkin.id
        assert s.get(CheckIn, checkin.id).status == "abandoned"


def test_completion_stores_version_and_schedules_next(services: Services, patient_id: int) -> None:
    result = _phq9(services, patient_id, _answers(12))
    assert result is not None
    assert (result.total, result.band) == (12, "moderate")
    assert "12 out of 27" in result.replies[0].text
    assert "moderate" in result.replies[0].text
    with services.db.session() as s:
        row = s.get(CheckIn, result.checkin_id)
        assert row.instrument_version == ins.PHQ9_VERSION
        assert row.status == "complete"
        from bot.db.tables.checkins import ReminderPreference

        prefs = s.execute(select(ReminderPreference)).scalar_one()
        assert prefs.phq9_due_on == "2026-03-16"  # 14 days after 2 March


def test_reliable_worsening_escalates_once_per_checkin(services: Services, patient_id: int,
                                                       clock: FrozenClock) -> None:
    _phq9(services, patient_id, _answers(8))
    clock.advance(timedelta(days=14))
    result = _phq9(services, patient_id, _answers(13))
    assert result is not None
    assert result.escalation_id is not None
    assert "let your GP know" in result.replies[0].text
    clock.advance(timedelta(days=14))
    better = _phq9(services, patient_id, _answers(7))
    assert better is not None
    assert better.escalation_id is None
    assert "lower" in better.replies[0].text
    with services.db.session() as s:
        esc = s.execute(select(Escalation).where(Escalation.kind == "deterioration")).scalar_one()
        assert esc.urgency == "soon"
        assert esc.idempotency_key == f"deterioration:checkin:{result.checkin_id}"
        assert esc.details["previous_total"] == 8
        assert esc.details["total"] == 13


def test_into_severe_band_escalates(services: Services, patient_id: int,
                                    clock: FrozenClock) -> None:
    _phq9(services, patient_id, _answers(18))
    clock.advance(timedelta(days=14))
    result = _phq9(services, patient_id, _answers(20))
    assert result is not None
    assert result.escalation_id is not None


@pytest.mark.parametrize(("value", "category", "urgency"), [
    (1, "passive_ideation", "soon"), (3, "active_ideation", "urgent"),
])
def test_item9_starts_the_crisis_response(services: Services, patient_id: int, value: int,
                                          category: str, urgency: str) -> None:
    svc = services.checkins
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        assert svc.item9_risk(s, patient, "rest", "pat", 0, "not at all") is None
        outcome = svc.item9_risk(s, patient, "rest", "pat", value, "several days", "m1")
        assert outcome is not None
        assert "safe right now" in "\n".join(r.text or "" for r in outcome.replies).lower()
    with services.db.session() as s:
        ev = s.execute(select(RiskEvent)).scalar_one()
        assert (ev.source, ev.category, ev.urgency) == ("phq9_item9", category, urgency)
        assert ev.evidence == [f"PHQ-9 item 9 = {value}"]
        esc = s.execute(select(Escalation).where(Escalation.kind == "risk")).scalar_one()
        assert esc.risk_event_id == ev.id
        assert s.get(Patient, patient_id).risk_open_since is not None


def test_trend_in_plain_words_and_chart(services: Services, patient_id: int,
                                        clock: FrozenClock) -> None:
    svc = services.checkins
    with services.db.session() as s:
        assert "haven't done any check-ins" in trend_text(s, svc, s.get(Patient, patient_id))
    _phq9(services, patient_id, _answers(16))
    for day, rating in enumerate([3, 4, 3, 5, 6, 6, 7, 6, 7]):
        clock.advance(timedelta(days=1 if day else 0))
        with services.db.session() as s:
            patient = s.get(Patient, patient_id)
            checkin, _ = svc.start(s, patient, ins.MOOD)
            svc.record(s, checkin, 1, rating)
            svc.finish_mood(s, patient, checkin, None)
    clock.advance(timedelta(days=6))
    _phq9(services, patient_id, _answers(9))
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        text = trend_text(s, svc, patient)
        assert "9 out of 27 (mild)" in text
        assert "16" in text
        assert "fewer symptoms" in text
        assert "mood averaged" in text
        png = chart_png(s, svc, patient)
    assert png is not None
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) < 80_000


@pytest.mark.parametrize(("text", "value"), [
    ("about a three i guess", 3), ("a two i think", 2), ("half the time", 2),
    ("halvparten av tiden", 2), ("three days", None), ("two weeks", None),
])
def test_phq_hedged_and_half_answers(text: str, value: int | None) -> None:
    from bot.checkins.parsing import parse_phq_answer

    assert parse_phq_answer(text) == value


def test_the_trend_chart_names_each_day_once_and_says_which_way_is_better(
        services: Services, patient_id: int, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.checkins.trend as trend

    seen: dict[str, list[str]] = {}

    def capture(fig) -> bytes:
        fig.canvas.draw()
        seen["x"] = [t.get_text() for t in fig.axes[-1].get_xticklabels() if t.get_text()]
        seen["y"] = [ax.get_ylabel() for ax in fig.axes]
        return b"png"

    monkeypatch.setattr(trend, "figure_png", capture)
    svc = services.checkins
    _phq9(services, patient_id, _answers(16))
    for rating in (3, 5):  # a short span: everything within a day
        clock.advance(timedelta(hours=3))
        with services.db.session() as s:
            patient = s.get(Patient, patient_id)
            checkin, _ = svc.start(s, patient, ins.MOOD)
            svc.record(s, checkin, 1, rating)
            svc.finish_mood(s, patient, checkin, None)
    with services.db.session() as s:
        assert trend.chart_png(s, svc, s.get(Patient, patient_id)) == b"png"
    assert seen["x"] and len(seen["x"]) == len(set(seen["x"])), seen["x"]
    assert any("fewer" in y for y in seen["y"])

"""The escalation outbox worker, deadlines and fail-over, sweeps, digests, follow-ups
and the unlock rule: services on a frozen clock, a real aiosmtpd server on localhost."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.cli.commands import main as cli
from bot.core.clock import FrozenClock
from bot.db.tables import AuditLog, Escalation, ModuleProgress, Notification, WorkbookEntry
from bot.db.tables.escalation import DeliveryAttempt, FollowUp
from bot.enrolment.service import add_gp
from bot.escalation.ack import acknowledge, handle_telegram_callback
from bot.escalation.digest import send_digests
from bot.escalation.failover import check_deadlines
from bot.escalation.followups import record_followup
from bot.escalation.gp_telegram import create_gp_link_code, link_gp_telegram
from bot.escalation.links import (
    LinkError,
    ack_callback_data,
    make_token,
    read_ack_callback,
    read_token,
)
from bot.escalation.outbox import EscalationRequest, escalate
from bot.escalation.rules import on_module_finished
from bot.escalation.sweeps import sweep_disengaged
from bot.notify.console import ConsoleNotifier
from bot.notify.email import SmtpNotifier
from bot.processes.worker import Worker, WorkerConfig
from bot.reports.briefs import build_brief, phq9_chart_png, render_html, render_text
from tests.test_escalation_support import (
    RecordingHandler,
    get_gp,
    get_patient,
    make_patient,
    start_smtp,
)


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    controller = start_smtp(handler)
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def make_worker(services: Services, port: int, **settings: object) -> Worker:
    s = dataclasses.replace(
        services.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="alerts@practice.example",
        **settings,
    )
    services.settings = s
    return Worker(
        services,
        notifiers={"console": ConsoleNotifier(), "email": SmtpNotifier(s)},
        config=WorkerConfig(lease=timedelta(seconds=30)),
    )


def risk(services: Services, patient_id: int, key: str = "risk:1") -> int:
    with services.db.session() as s:
        esc = escalate(
            s,
            get_patient(s, patient_id),
            EscalationRequest(
                kind="risk",
                urgency="urgent",
                summary="Risk message: active ideation",
                details={"evidence": ["want to die"], "category": "active_ideation"},
                idempotency_key=key,
            ),
            services.clock.now(),
        )
        return int(esc.id)


def statuses(services: Services) -> dict[str, str]:
    with services.db.session() as s:
        return {n.idempotency_key: n.status for n in s.execute(select(Notification)).scalars()}


async def test_urgent_email_reaches_the_gp_once_with_privacy(services: Services, smtp) -> None:
    handler, port = smtp
    patient_id, _ = make_patient(services)
    esc_id = risk(services, patient_id)
    worker = make_worker(services, port)
    assert await worker.tick() == 2  # console + email
    assert await worker.tick() == 0  # nothing twice
    assert set(statuses(services).values()) == {"sent"}
    [mail] = handler.received
    assert mail.rcpt == ["ada@example.org"]
    assert mail.subject.startswith("[URGENT]")
    assert "risk" in mail.subject
    assert "Contact the patient today" in mail.body
    assert "acknowledge by" in mail.body.lower()
    assert "/brief/" in mail.body
    assert "/ack/" in mail.body
    # Privacy by default: no clinical detail in the e-mail.
    assert "active ideation" not in mail.body
    assert "want to die" not in mail.body
    assert mail.message_id.endswith("@practice.example>")
    assert mail.key == f"esc{esc_id}:email:ada@example.org:initial"


async def test_clinical_detail_only_when_the_deployment_allows_it(services: Services, smtp) -> None:
    handler, port = smtp
    patient_id, _ = make_patient(services)
    risk(services, patient_id)
    worker = make_worker(services, port, email_include_clinical_detail=True)
    await worker.tick()
    assert "active ideation" in handler.received[0].body
    assert "want to die" in handler.received[0].body


async def test_refusing_server_retried_with_backoff_then_delivered_once(
    services: Services, smtp, clock: FrozenClock
) -> None:
    handler, port = smtp
    patient_id, _ = make_patient(services, channels="email")
    risk(services, patient_id)
    worker = make_worker(services, port)
    handler.refuse = True
    delays = []
    for _ in range(3):
        await worker.tick()
        with services.db.session() as s:
            n = s.execute(select(Notification).where(Notification.channel == "email")).scalar_one()
            assert n.status == "pending"
            assert "451" in (n.last_error or "")
            delays.append((n.next_attempt_at - clock.now()).total_seconds())
        await worker.tick()  # not due yet: nothing happens
        clock.advance(timedelta(seconds=delays[-1]))
    assert delays == [5.0, 10.0, 20.0]  # exponential backoff
    handler.refuse = False
    await worker.tick()
    await worker.tick()
    assert len(handler.received) == 1
    with services.db.session() as s:
        n = s.execute(select(Notification).where(Notification.channel == "email")).scalar_one()
        assert (n.status, n.attempts) == ("sent", 4)
        outcomes = (
            s.execute(
                select(DeliveryAttempt.outcome)
                .where(DeliveryAttempt.notification_id == n.id)
                .order_by(DeliveryAttempt.attempt)
            )
            .scalars()
            .all()
        )
        assert outcomes == ["error", "error", "error", "sent"]


async def test_server_down_for_a_while_then_delivered_once(
    services: Services, clock: FrozenClock
) -> None:
    from tests.test_escalation_support import free_port

    port = free_port()
    patient_id, _ = make_patient(services, channels="email")
    risk(services, patient_id)
    worker = make_worker(services, port)
    await worker.tick()  # nobody listening
    clock.advance(timedelta(seconds=5))
    await worker.tick()
    assert statuses(services)["esc1:email:ada@example.org:initial"] == "pending"
    handler = RecordingHandler()
    controller = start_smtp(handler, port=port)
    try:
        clock.advance(timedelta(seconds=10))
        await worker.tick()
        clock.advance(timedelta(minutes=30))
        await worker.tick()
        assert len(handler.received) == 1
        assert set(statuses(services).values()) == {"sent"}
    finally:
        controller.stop()


async def test_crash_after_send_resends_same_message_id_after_lease(
    services: Services, smtp, clock: FrozenClock
) -> None:
    handler, port = smtp
    patient_id, _ = make_patient(services, channels="email")
    risk(services, patient_id)
    worker = make_worker(services, port)
    with services.db.session() as s:
        nid = s.execute(select(Notification.id).where(Notification.channel == "email")).scalar_one()
    message, attempt = worker.claim(nid)  # type: ignore[misc]
    await worker.notifiers["email"].send(message)  # accepted ... and the process "dies" here
    await worker.notifiers["email"].close()
    assert await worker.tick() == 1  # only the console one: the e-mail's lease still holds
    clock.advance(timedelta(seconds=31))
    assert await worker.tick() == 1  # cannot be proven sent: sent again
    assert len(handler.received) == 2
    assert len(handler.inbox()) == 1  # the same Message-ID: the GP's inbox shows one
    # The dead worker's late settle is fenced off.
    assert worker.settle(nid, attempt, None) == "lost-lease"
    with services.db.session() as s:
        outcomes = (
            s.execute(
                select(DeliveryAttempt.outcome)
                .where(DeliveryAttempt.notification_id == nid)
                .order_by(DeliveryAttempt.attempt)
            )
            .scalars()
            .all()
        )
        assert outcomes == ["interrupted", "sent"]
        assert s.execute(
            select(AuditLog).where(AuditLog.action == "notification_resend_after_interruption")
        ).scalar_one()


async def test_reminder_then_failover_to_duty_doctor_and_fallback(
    services: Services, smtp, clock: FrozenClock
) -> None:
    handler, port = smtp
    patient_id, gp_id = make_patient(services, channels="email")
    with services.db.session() as s:
        duty = add_gp(s, "Dr Duty", "duty@example.org", "Fjord Practice", clock.now(), language="en")
        duty.is_duty_doctor, duty.notify_channels = True, "email"
        get_gp(s, gp_id).practice.fallback_contact_email = "desk@example.org"
    esc_id = risk(services, patient_id)
    worker = make_worker(services, port)
    await worker.tick()
    assert [r.rcpt for r in handler.received] == [["ada@example.org"]]
    clock.advance(timedelta(minutes=59))
    await worker.tick()
    assert len(handler.received) == 1
    clock.advance(timedelta(minutes=1))  # the 60-minute deadline
    await worker.tick()
    assert handler.received[-1].rcpt == ["ada@example.org"]
    assert handler.received[-1].subject.startswith("REMINDER")
    clock.advance(timedelta(minutes=14))
    await worker.tick()
    assert len(handler.received) == 2
    clock.advance(timedelta(minutes=1))  # deadline + 15 minutes: fail-over
    await worker.tick()
    failover = {r.rcpt[0]: r for r in handler.received[2:]}
    assert set(failover) == {"duty@example.org", "desk@example.org"}
    assert "has not acknowledged" in failover["duty@example.org"].body
    with services.db.session() as s:
        assert check_deadlines(s, clock.now()) == 0  # each step once
        keys = set(s.execute(select(Notification.idempotency_key)).scalars())
        assert f"esc{esc_id}:email:duty@example.org:failover" in keys
        assert f"esc{esc_id}:email:ada@example.org:reminder1" in keys
        actions = (
            s.execute(select(AuditLog.action).where(AuditLog.action.like("escalation_%")))
            .scalars()
            .all()
        )
        assert "escalation_reminder" in actions
        assert "escalation_failover" in actions
    clock.advance(timedelta(hours=5))
    await worker.tick()
    assert len(handler.received) == 4
    assert len(handler.inbox()) == 4


async def test_acknowledged_in_time_means_no_reminder(
    services: Services, smtp, clock: FrozenClock
) -> None:
    handler, port = smtp
    patient_id, _ = make_patient(services, channels="email")
    esc_id = risk(services, patient_id)
    worker = make_worker(services, port)
    await worker.tick()
    out = io.StringIO()
    assert cli(["escalations", "ack", str(esc_id), "--by", "Dr Berg"], out) == 0
    assert "acknowledged" in out.getvalue()
    clock.advance(timedelta(hours=3))
    await worker.tick()
    assert len(handler.received) == 1


async def test_ack_after_reminder_queued_cancels_pending_failover(
    services: Services, clock: FrozenClock
) -> None:
    patient_id, _ = make_patient(services, channels="email")
    esc_id = risk(services, patient_id)
    clock.advance(timedelta(minutes=61))
    with services.db.session() as s:
        assert check_deadlines(s, clock.now()) == 2  # console + email reminders
    with services.db.session() as s:
        acknowledge(s, esc_id, "gp:1", "link", clock.now())
        acknowledge(s, esc_id, "gp:2", "link", clock.now())  # a second ack changes nothing
    st = statuses(services)
    assert all(v == "cancelled" for k, v in st.items() if k.endswith("reminder1"))
    assert all(v == "pending" for k, v in st.items() if k.endswith("initial"))
    with services.db.session() as s:
        assert s.get(Escalation, esc_id).acknowledged_by == "gp:1"
        clock.advance(timedelta(hours=1))
        assert check_deadlines(s, clock.now()) == 0


async def test_no_duty_doctor_nor_fallback_is_said_loudly(
    services: Services, clock: FrozenClock
) -> None:
    patient_id, _ = make_patient(services, channels="email")
    esc_id = risk(services, patient_id)
    clock.advance(timedelta(minutes=80))
    with services.db.session() as s:
        check_deadlines(s, clock.now())
    assert (
        statuses(services)[f"esc{esc_id}:console:no-duty-doctor-or-fallback:failover"] == "pending"
    )


def test_disengagement_sweep_once_per_quiet_spell(services: Services, clock: FrozenClock) -> None:
    patient_id, _ = make_patient(services)
    with services.db.session() as s:
        assert sweep_disengaged(s, clock.now(), 7) == []
    clock.advance(timedelta(days=7, minutes=1))
    with services.db.session() as s:
        [esc] = sweep_disengaged(s, clock.now(), 7)
        assert (esc.kind, esc.urgency) == ("disengaged", "routine")
    with services.db.session() as s:
        sweep_disengaged(s, clock.now(), 7)
        get_patient(s, patient_id).last_active_at = clock.now()
    clock.advance(timedelta(days=8))
    with services.db.session() as s:
        sweep_disengaged(s, clock.now(), 7)
        kinds = (
            s.execute(select(Escalation.kind).where(Escalation.kind == "disengaged"))
            .scalars()
            .all()
        )
        assert len(kinds) == 2


def finish_module_1(services: Services, patient_id: int) -> int:
    now = services.clock.now()
    with services.db.session() as s:
        patient = get_patient(s, patient_id)
        program = services.content.program("en")
        m1 = program.modules[0]
        s.add(
            ModuleProgress(
                patient_id=patient.id,
                module_id=m1.id,
                content_version=m1.version,
                status="finished",
                steps_done=len(m1.steps),
                started_at=now,
                updated_at=now,
                finished_at=now,
            )
        )
        s.add(
            WorkbookEntry(
                patient_id=patient.id,
                module_id=m1.id,
                step_id="x",
                prompt="Who helps you?",
                answer="My sister, on Sundays",
                created_at=now,
            )
        )
        return int(on_module_finished(s, patient, m1.id, program, now).id)


def test_next_module_unlocks_on_followup_or_after_the_wait(
    services: Services, clock: FrozenClock
) -> None:
    patient_id, _ = make_patient(services)
    esc_id = finish_module_1(services, patient_id)
    svc = services.program
    with services.db.session() as s:
        p = get_patient(s, patient_id)
        assert svc.next_unlocked(s, p) is None
        nxt = svc.next_module(s, p)
        assert svc.unlocks_at(s, p, nxt) == clock.now() + timedelta(days=7)
        turn = svc.continue_(s, p)
        assert "follow-up" in turn.replies[0].text
        assert "9 March" in turn.replies[0].text
    with services.db.session() as s:
        record_followup(s, esc_id, clock.now().date(), "went well", "cli:ada", clock.now())
    with services.db.session() as s:
        p = get_patient(s, patient_id)
        assert svc.next_unlocked(s, p) is not None
        assert "Module 2" in svc.continue_(s, p).replies[0].text
        assert s.get(Escalation, esc_id).status == "closed"


def test_next_module_unlocks_after_the_wait_without_followup(
    services: Services, clock: FrozenClock
) -> None:
    patient_id, _ = make_patient(services)
    finish_module_1(services, patient_id)
    clock.advance(timedelta(days=7))
    with services.db.session() as s:
        assert services.program.next_unlocked(s, get_patient(s, patient_id)) is not None


def test_daily_digest_once_per_day_after_the_hour(services: Services, clock: FrozenClock) -> None:
    patient_id, _gp_id = make_patient(services, channels="email")
    esc_id = finish_module_1(services, patient_id)
    clock.set(clock.now().replace(hour=6))  # 07:00 in Oslo: before the digest hour
    with services.db.session() as s:
        assert send_digests(s, clock.now(), 8) == []
    clock.advance(timedelta(days=8, hours=2))
    with services.db.session() as s:
        [digest] = send_digests(s, clock.now(), 8)
        assert digest.details["items"][0]["escalation_id"] == esc_id
        assert digest.details["items"][0]["overdue"] is True
        assert send_digests(s, clock.now(), 8) == []
    with services.db.session() as s:
        record_followup(s, esc_id, clock.now().date(), "", "cli:x", clock.now())
    clock.advance(timedelta(days=1))
    with services.db.session() as s:
        assert send_digests(s, clock.now(), 8) == []  # nothing due any more


async def test_digest_delivered_by_email(services: Services, smtp, clock: FrozenClock) -> None:
    handler, port = smtp
    patient_id, _ = make_patient(services, channels="email")
    finish_module_1(services, patient_id)
    worker = make_worker(services, port)
    await worker.tick(force_jobs=True)
    subjects = sorted(r.subject for r in handler.received)
    assert any("follow-up(s) due" in x for x in subjects)
    assert any("module finished" in x for x in subjects)


def test_brief_has_what_a_gp_needs(services: Services, clock: FrozenClock) -> None:
    patient_id, _ = make_patient(services)
    esc_id = finish_module_1(services, patient_id)
    with services.db.session() as s:
        brief = build_brief(s, services.content, s.get(Escalation, esc_id))
    text = render_text(brief)
    m1 = services.content.program("en").modules[0]
    assert m1.gp.key_points[0] in text
    assert "Suggested agenda" in text
    assert m1.gp.agenda[0].item in text
    assert "My sister, on Sundays" in text
    assert "no check-ins yet" in text
    assert "Risk events since the last follow-up: none" in text
    assert "1/6 modules" in text
    assert "Next: Module 2" in text
    html = render_html(brief)
    assert "My sister, on Sundays" in html
    assert "<h2>PHQ-9</h2>" in html


def test_brief_shows_the_patients_check_ins(services: Services, clock: FrozenClock) -> None:
    """The PHQ-9 trend, the last two weeks' mood and any two-question checks."""
    from bot.db.tables.checkins import CheckIn

    patient_id, _ = make_patient(services)
    now = clock.now()
    with services.db.session() as s:
        def done(instrument: str, days_ago: int, total: int, band: str | None = None) -> None:
            at = now - timedelta(days=days_ago)
            s.add(CheckIn(patient_id=patient_id, instrument=instrument, instrument_version="v",
                          status="complete", trigger="patient", language="en", total=total,
                          band=band, started_at=at, updated_at=at, completed_at=at))
        done("phq9", 28, 16, "moderately_severe")
        done("phq9", 14, 12, "moderate")
        s.add(CheckIn(patient_id=patient_id, instrument="phq9", instrument_version="v",
                      status="in_progress", trigger="patient", language="en",
                      started_at=now, updated_at=now))  # unfinished: not in the brief
        done("mood", 20, 1)  # older than two weeks: not in the average
        for days_ago, rating in ((6, 4), (3, 6), (1, 5)):
            done("mood", days_ago, rating)
        done("phq2", 7, 3, "positive")
    esc_id = finish_module_1(services, patient_id)
    with services.db.session() as s:
        brief = build_brief(s, services.content, s.get(Escalation, esc_id))
    assert [score for _, score in brief.phq9] == [16, 12]
    text = render_text(brief)
    assert "PHQ-9 trend:" in text and " 16" in text and " 12" in text
    assert "average 5.0/10 from 3 rating(s), lowest 4, latest 5" in text
    assert "PHQ-2) " in text and "3/6, positive screen" in text
    html = render_html(brief)
    assert "<td>12</td>" in html and "average 5.0/10" in html and 'alt="PHQ-9 trend"' in html


def test_brief_shows_a_declined_direct_question(services: Services, clock: FrozenClock) -> None:
    """The bot asked directly (the decision was unsure) and the patient said no: the
    GP still sees that it was asked, when, and about what kind of message."""
    from bot.db.audit import audit

    patient_id, _ = make_patient(services)
    with services.db.session() as s:
        audit(s, clock.now(), "patient:x", "risk_question_declined", patient_id,
              score=0.5, category="plan_or_intent", evidence=["model 0.50"])
    esc_id = finish_module_1(services, patient_id)
    with services.db.session() as s:
        brief = build_brief(s, services.content, s.get(Escalation, esc_id))
    text = render_text(brief)
    assert "Asked directly about suicide or self-harm" in text
    assert "possible plan or intent): said no" in text
    assert "possible plan or intent" in render_html(brief)


def test_brief_respects_workbook_sharing(services: Services) -> None:
    patient_id, _ = make_patient(services, share_workbook=False)
    esc_id = finish_module_1(services, patient_id)
    with services.db.session() as s:
        text = render_text(build_brief(s, services.content, s.get(Escalation, esc_id)))
    assert "chose not to share" in text
    assert "My sister" not in text


def test_phq9_chart_is_a_png(clock: FrozenClock) -> None:
    png = phq9_chart_png(
        [(clock.now() - timedelta(days=14 - i * 7), s) for i, s in enumerate((16, 12, 9))]
    )
    assert png is not None
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert phq9_chart_png([]) is None


def test_links_are_signed_scoped_and_expire() -> None:
    token = make_token("k" * 32, 7, "brief", "ada@example.org")
    assert read_token("k" * 32, token, "brief").escalation_id == 7
    with pytest.raises(LinkError):
        read_token("k" * 32, token, "ack")  # another action
    with pytest.raises(LinkError):
        read_token("x" * 32, token, "brief")  # another key
    with pytest.raises(LinkError):
        read_token("k" * 32, token[:-2] + "xx", "brief")
    data = ack_callback_data("k" * 32, 12)
    assert len(data.encode()) <= 64
    assert read_ack_callback("k" * 32, data) == 12
    with pytest.raises(LinkError):
        read_ack_callback("k" * 32, "ack:13:" + data.split(":")[2])


def test_gp_links_telegram_with_a_one_time_code_and_acks_by_button(
    services: Services, clock: FrozenClock
) -> None:
    patient_id, gp_id = make_patient(services, channels="email")
    with services.db.session() as s:
        code = create_gp_link_code(s, get_gp(s, gp_id), clock.now())
    with services.db.session() as s:
        assert link_gp_telegram(s, "WRONGCODE", 555, clock.now()) is None
        gp = link_gp_telegram(s, code.lower(), 555, clock.now())
        assert gp is not None
        assert gp.telegram_chat_id == "555"
        assert "telegram" in gp.notify_channels
    with services.db.session() as s:
        assert link_gp_telegram(s, code, 556, clock.now()) is None  # one use
    esc_id = risk(services, patient_id)
    secret = services.settings.secret_key
    data = ack_callback_data(secret, esc_id)
    with services.db.session() as s:
        assert "not linked" in handle_telegram_callback(s, secret, data, 999, clock.now())
        assert "not valid" in handle_telegram_callback(
            s, secret, f"ack:{esc_id}:bad", 555, clock.now()
        )
        assert "Acknowledged" in handle_telegram_callback(s, secret, data, 555, clock.now())
        assert "already" in handle_telegram_callback(s, secret, data, 555, clock.now())
    assert "esc1:telegram:555:initial" in statuses(services)


def test_cli_commands(services: Services, clock: FrozenClock) -> None:
    patient_id, gp_id = make_patient(services)
    esc_id = finish_module_1(services, patient_id)

    def run(*argv: str) -> str:
        out = io.StringIO()
        assert cli(list(argv), out) == 0, argv
        return out.getvalue()

    assert "channels=email,telegram" in run(
        "gps", "channels", "--gp", str(gp_id), "--set", "email,telegram"
    )
    assert cli(["gps", "channels", "--gp", str(gp_id), "--set", "pigeon"], io.StringIO()) == 1
    assert "/gp " in run("gps", "telegram-code", "--gp", "ada@example.org")
    assert "duty doctor=yes" in run("gps", "duty", "--gp", str(gp_id), "--on")
    assert "fallback contact desk@x.org" in run(
        "gps",
        "practice",
        "--practice",
        "Fjord Practice",
        "--fallback-email",
        "desk@x.org",
        "--ack-minutes",
        "30",
    )
    assert "followup_due" in run("escalations", "list", "--open")
    assert "Key points" in run("briefs", "show", str(esc_id))
    assert "<h1>" in run("briefs", "show", str(esc_id), "--html")
    assert "recorded" in run("followups", "record", str(esc_id), "--note", "ok", "--by", "ada")
    assert "followup_due" not in run("escalations", "list", "--open")
    with services.db.session() as s:
        assert s.execute(select(FollowUp)).scalar_one().note == "ok"


def test_a_risk_brief_tells_the_gp_what_happened_and_how_to_reach_the_patient(
        services: Services, clock: FrozenClock) -> None:
    """Built as the bot builds it (SafetyService.handle_risk, then the answer): for a
    patient who shares the workbook, the brief says so and shows the recent exercise
    answer; it shows the triggering message and the ones around it with times in the
    practice's timezone, what was read and why, what the bot did, what the patient
    answered, and the contact route given at invite."""
    from bot.safety import detect

    patient_id, _ = make_patient(services)
    now = clock.now()  # 09:00 UTC = 10:00 in Oslo (winter)
    with services.db.session() as s:
        patient = get_patient(s, patient_id)
        patient.contact_route = "mobile 412 34 567 (ok to leave a message)"
        s.add(WorkbookEntry(patient_id=patient_id, module_id="m2", step_id="s1",
                            prompt="What went through your mind?",
                            answer="That I keep wanting to cut again", created_at=now))
        text = "i have the pills ready for tonight"
        before = [{"at": (now - timedelta(minutes=3)).isoformat(), "who": "bot",
                   "text": "How are you feeling this evening?"},
                  {"at": (now - timedelta(minutes=2)).isoformat(), "who": "patient",
                   "text": "bad. really bad"}]
        outcome = services.safety.handle_risk(s, patient, "rest", "p1", text, detect(text),
                                              context="module_step", transcript=[
                                                  *before, {"at": now.isoformat(), "who": "patient",
                                                            "text": text}])
        clock.advance(timedelta(minutes=1))
        services.safety.answer(s, patient, "rest", "p1", "safe", said="yes i'm safe for now")
        esc_id = outcome.escalation_id
    with services.db.session() as s:
        brief = build_brief(s, services.content, s.get(Escalation, esc_id))
    text_out = render_text(brief)
    html_out = render_html(brief)
    for out in (text_out, html_out):
        assert "chose not to share" not in out
        assert "That I keep wanting to cut again" in out
        assert "bad. really bad" in out and "i have the pills ready for tonight" in out
        assert "09:58" in out and "10:00" in out and "10:01" in out  # Europe/Oslo times
        assert "Europe/Oslo" in out
        assert "plan or intent" in out
        assert "sent the crisis numbers" in out
        assert "yes i&#x27;m safe for now" in out or "yes i'm safe for now" in out
        assert "said they are safe" in out
        assert "mobile 412 34 567" in out
    assert "raised: 2026-03-02 10:00" in text_out


def test_a_risk_brief_without_a_contact_route_says_to_use_the_practice_record(
        services: Services) -> None:
    patient_id, _ = make_patient(services, share_workbook=False)
    from bot.safety import detect

    with services.db.session() as s:
        text = "i want to kill myself"
        outcome = services.safety.handle_risk(s, get_patient(s, patient_id), "rest", "p2", text,
                                              detect(text), context="free_chat")
        esc_id = outcome.escalation_id
    with services.db.session() as s:
        out = render_text(build_brief(s, services.content, s.get(Escalation, esc_id)))
    assert "use the practice record" in out and "has not answered yet" in out
    assert "i want to kill myself" in out  # the triggering message, even without a transcript
    assert "chose not to share" in out

"""Command-line parts of the escalation work, registered by bot.cli.commands:

gps channels --gp … --set email,telegram     gps telegram-code --gp …
gps duty --gp … --on|--off                   gps practice --practice … [options]
escalations list [--open]                    escalations ack <id> --by …
briefs show <id> [--html]                    followups record <id> --date … --note … --by …
worker [--once]                              gpweb [--port]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any, TextIO

from sqlalchemy import select

CHANNELS = ("console", "email", "telegram")


def _services() -> Any:
    from bot.app import get_services

    return get_services()


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_gps_channels(args: argparse.Namespace, out: TextIO) -> int:
    from bot.enrolment.service import find_gp

    wanted = [c.strip().lower() for c in args.set.split(",") if c.strip()]
    bad = [c for c in wanted if c not in CHANNELS]
    if bad or not wanted:
        return _fail(
            f"channels must be a comma-separated list of {', '.join(CHANNELS)}; got {args.set!r}"
        )
    svc = _services()
    with svc.db.session() as s:
        gp = find_gp(s, args.gp)
        gp.notify_channels = ",".join(dict.fromkeys(wanted))
        print(f"GP #{gp.id} {gp.name}: channels={gp.notify_channels}", file=out)
        if "telegram" in wanted and not gp.telegram_chat_id:
            print(
                "  note: Telegram is not linked yet; run 'python -m bot gps telegram-code --gp "
                f"{gp.id}' and have the GP send /gp CODE to the bot",
                file=out,
            )
        if "email" in wanted and not svc.settings.smtp_host:
            print("  note: SMTP_HOST is not set, so e-mails are written to var/mail/", file=out)
    return 0


def cmd_gps_telegram_code(args: argparse.Namespace, out: TextIO) -> int:
    from bot.enrolment.service import find_gp
    from bot.escalation.gp_telegram import CODE_TTL, create_gp_link_code

    svc = _services()
    with svc.db.session() as s:
        gp = find_gp(s, args.gp)
        code = create_gp_link_code(s, gp, svc.clock.now())
    minutes = int(CODE_TTL.total_seconds() // 60)
    print(f"one-time code for {gp.name}: {code}  (valid {minutes} minutes, one use: send it "
          "now; run this again for a new one)", file=out)
    print(f"the GP sends this to @{svc.settings.telegram_bot_username}:  /gp {code}", file=out)
    return 0


def cmd_gps_duty(args: argparse.Namespace, out: TextIO) -> int:
    from bot.enrolment.service import find_gp

    svc = _services()
    with svc.db.session() as s:
        gp = find_gp(s, args.gp)
        gp.is_duty_doctor = bool(args.on)
        print(
            f"GP #{gp.id} {gp.name}: duty doctor={'yes' if gp.is_duty_doctor else 'no'}", file=out
        )
    return 0


def cmd_gps_language(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.language import SUPPORTED, gp_language, normalise
    from bot.enrolment.service import find_gp

    svc = _services()
    with svc.db.session() as s:
        gp = find_gp(s, args.gp)
        if args.set == "practice":
            gp.language = None
        elif normalise(args.set) in SUPPORTED:
            gp.language = normalise(args.set)
        else:
            return _fail(f"--set {args.set!r}: use one of {', '.join(SUPPORTED)} or 'practice'")
        print(f"{gp.name}: briefs and notifications in {gp_language(gp)}", file=out)
    return 0


def cmd_gps_practice(args: argparse.Namespace, out: TextIO) -> int:
    from bot.db.tables import Practice
    from bot.enrolment.service import EMAIL_RE

    svc = _services()
    with svc.db.session() as s:
        practice = s.execute(
            select(Practice).where(Practice.name == args.practice)
        ).scalar_one_or_none()
        if practice is None:
            return _fail(f"no practice {args.practice!r}")
        if args.fallback_email is not None:
            if args.fallback_email and not EMAIL_RE.match(args.fallback_email):
                return _fail(f"{args.fallback_email!r} is not an e-mail address")
            practice.fallback_contact_email = args.fallback_email or None
        if args.ack_minutes is not None:
            if not 1 <= args.ack_minutes <= 7 * 24 * 60:
                return _fail("--ack-minutes must be between 1 and 10080")
            practice.ack_deadline_minutes = args.ack_minutes
        if args.language is not None:
            from bot.core.language import SUPPORTED, normalise, practice_language

            if normalise(args.language) not in SUPPORTED:
                return _fail(f"--language {args.language!r}: use one of {', '.join(SUPPORTED)}")
            practice.language = normalise(args.language)
            print(f"{practice.name}: language {practice_language(practice)} (new patients and "
                  "GPs without their own language)", file=out)
        if args.followup_wait_days is not None:
            if not 0 <= args.followup_wait_days <= 90:
                return _fail("--followup-wait-days must be between 0 and 90")
            practice.followup_wait_days = args.followup_wait_days
        print(
            f"{practice.name}: ack deadline {practice.ack_deadline_minutes} min, follow-up wait "
            f"{practice.followup_wait_days} days, fallback contact "
            f"{practice.fallback_contact_email or '(none)'}",
            file=out,
        )
    return 0


def cmd_escalations_list(args: argparse.Namespace, out: TextIO) -> int:
    from bot.cli.audit import cli_actor
    from bot.db.audit import audit
    from bot.db.tables import Escalation, Notification, Patient

    svc = _services()
    with svc.db.session() as s:
        q = select(Escalation).where(Escalation.kind != "digest").order_by(Escalation.id)
        if args.open:
            q = q.where(Escalation.status == "open")
        rows = s.execute(q).scalars().all()
        if not rows:
            print("no escalations" + (" open" if args.open else ""), file=out)
        for e in rows:
            ref = s.get(Patient, e.patient_id).ref if e.patient_id else "-"
            notes = (
                s.execute(select(Notification.status).where(Notification.escalation_id == e.id))
                .scalars()
                .all()
            )
            counts = ",".join(f"{st}:{notes.count(st)}" for st in sorted(set(notes)))
            deadline = (
                f" due {e.ack_deadline:%Y-%m-%d %H:%M}Z"
                if e.ack_deadline and e.status == "open"
                else ""
            )
            ack = f" by {e.acknowledged_by}" if e.acknowledged_by else ""
            print(
                f"#{e.id}  {e.created_at:%Y-%m-%d %H:%M}Z  {e.urgency:<7} {e.kind:<16} {ref:<9} "
                f"{e.status}{ack}{deadline}  notifications[{counts}]",
                file=out,
            )
        audit(s, svc.clock.now(), cli_actor(), "escalations_listed", None, count=len(rows),
              open_only=bool(args.open))
    return 0


def cmd_escalations_ack(args: argparse.Namespace, out: TextIO) -> int:
    from bot.escalation.ack import AckError, acknowledge

    svc = _services()
    try:
        with svc.db.session() as s:
            esc = acknowledge(s, args.id, f"cli:{args.by}", "cli", svc.clock.now())
            print(f"escalation #{esc.id}: {esc.status} by {esc.acknowledged_by}", file=out)
    except AckError as exc:
        return _fail(str(exc))
    return 0


def cmd_briefs_show(args: argparse.Namespace, out: TextIO) -> int:
    from bot.cli.audit import cli_actor
    from bot.db.audit import audit
    from bot.db.tables import Escalation
    from bot.reports.briefs import build_brief, render_html, render_text

    svc = _services()
    with svc.db.session() as s:
        esc = s.get(Escalation, args.id)
        if esc is None:
            return _fail(f"no escalation #{args.id}")
        brief = build_brief(s, svc.content, esc)
        print(render_html(brief) if args.html else render_text(brief), file=out)
        # As on the GP pages (bot/web/gp.py): every read of a brief is audited.
        audit(s, svc.clock.now(), cli_actor(), "brief_viewed", esc.patient_id,
              escalation_id=esc.id, kind=esc.kind, via="cli")
    return 0


def cmd_followups_record(args: argparse.Namespace, out: TextIO) -> int:
    from bot.escalation.followups import FollowUpError, record_followup

    svc = _services()
    try:
        held = date.fromisoformat(args.date) if args.date else svc.clock.now().date()
    except ValueError:
        return _fail("--date must be YYYY-MM-DD")
    try:
        with svc.db.session() as s:
            fu = record_followup(
                s, args.id, held, args.note or "", f"cli:{args.by}", svc.clock.now()
            )
            print(f"follow-up #{fu.id} for escalation #{args.id} recorded ({fu.held_on})", file=out)
    except FollowUpError as exc:
        return _fail(str(exc))
    return 0


def cmd_worker(args: argparse.Namespace, out: TextIO) -> int:
    from bot.processes.worker import main

    return main(poll=args.poll, lease_seconds=args.lease_seconds, once=args.once)


def cmd_gpweb(args: argparse.Namespace, out: TextIO) -> int:
    from bot.web.gp import main

    return main(port=args.port, host=args.host)


def add_gp_commands(gps: Any) -> None:
    ch = gps.add_parser("channels", help="set a GP's notification channels")
    ch.add_argument("--gp", required=True, help="GP id or e-mail")
    ch.add_argument("--set", required=True, help="comma-separated: console,email,telegram")
    ch.set_defaults(func=cmd_gps_channels)
    tg = gps.add_parser("telegram-code", help="one-time code for a GP to link Telegram (/gp CODE)")
    tg.add_argument("--gp", required=True, help="GP id or e-mail")
    tg.set_defaults(func=cmd_gps_telegram_code)
    duty = gps.add_parser("duty", help="mark a GP as the practice's duty doctor (fail-over)")
    duty.add_argument("--gp", required=True, help="GP id or e-mail")
    on = duty.add_mutually_exclusive_group(required=True)
    on.add_argument("--on", action="store_true")
    on.add_argument("--off", action="store_true")
    duty.set_defaults(func=cmd_gps_duty)
    pr = gps.add_parser("practice", help="a practice's deadlines and fallback contact")
    pr.add_argument("--practice", required=True, help="practice name")
    pr.add_argument(
        "--fallback-email", help="fallback contact for unacknowledged urgent escalations"
    )
    pr.add_argument("--ack-minutes", type=int, help="minutes to acknowledge an urgent escalation")
    pr.add_argument(
        "--followup-wait-days",
        type=int,
        help="days after which the next module opens without a recorded follow-up",
    )
    pr.add_argument("--language", help="en or nb (default: from the country; nb for Norway)")
    pr.set_defaults(func=cmd_gps_practice)
    lg = gps.add_parser("language", help="the language a GP's briefs and notifications use")
    lg.add_argument("--gp", required=True, help="GP id or e-mail")
    lg.add_argument("--set", required=True, help="en, nb, or 'practice' for the practice's")
    lg.set_defaults(func=cmd_gps_language)


def add_escalation_commands(sub: Any) -> None:
    esc = sub.add_parser("escalations", help="escalations to GPs").add_subparsers(
        dest="sub", required=True
    )
    ls = esc.add_parser("list", help="list escalations")
    ls.add_argument("--open", action="store_true", help="only those not acknowledged")
    ls.set_defaults(func=cmd_escalations_list)
    ack = esc.add_parser("ack", help="acknowledge an escalation")
    ack.add_argument("id", type=int)
    ack.add_argument("--by", required=True, help="who acknowledges (name or initials)")
    ack.set_defaults(func=cmd_escalations_ack)

    briefs = sub.add_parser("briefs", help="follow-up briefs").add_subparsers(
        dest="sub", required=True
    )
    show = briefs.add_parser("show", help="print the brief of an escalation")
    show.add_argument("id", type=int)
    show.add_argument("--html", action="store_true")
    show.set_defaults(func=cmd_briefs_show)

    fu = sub.add_parser("followups", help="follow-ups").add_subparsers(dest="sub", required=True)
    rec = fu.add_parser("record", help="record that a follow-up was held")
    rec.add_argument("id", type=int, help="escalation id")
    rec.add_argument("--date", help="YYYY-MM-DD (default today)")
    rec.add_argument("--note", default="")
    rec.add_argument("--by", required=True)
    rec.set_defaults(func=cmd_followups_record)

    worker = sub.add_parser("worker", help="deliver GP notifications and run the escalation jobs")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between polls when idle")
    worker.add_argument(
        "--lease-seconds",
        type=float,
        default=120.0,
        help="after a crash, a claimed notification is retried after this long",
    )
    worker.set_defaults(func=cmd_worker)

    web = sub.add_parser("gpweb", help="serve the GP pages (brief, acknowledge, follow-up)")
    web.add_argument("--port", type=int)
    web.add_argument("--host", help="address to listen on (default: BIND_HOST, 127.0.0.1)")
    web.set_defaults(func=cmd_gpweb)

"""`python -m bot …`: the operator's and editor's command line."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from sqlalchemy import func, select

from bot.cli.audit import add_audit_commands, cli_actor
from bot.cli.escalations import add_escalation_commands, add_gp_commands
from bot.cli.keys import add_key_commands
from bot.core.clock import SystemClock
from bot.core.settings import SettingsError, load_settings


def _services():  # type: ignore[no-untyped-def]
    from bot.app import get_services

    return get_services()


def cmd_db_upgrade(args: argparse.Namespace, out: TextIO) -> int:
    from bot.db.migrate import upgrade

    url = load_settings().database_url
    upgrade(url)
    print(f"database is at the latest schema ({url.split('@')[-1]})", file=out)
    return 0


def cmd_gps_add(args: argparse.Namespace, out: TextIO) -> int:
    from bot.enrolment.service import add_gp

    svc = _services()
    with svc.db.session() as session:
        gp = add_gp(session, args.name, args.email, args.practice, SystemClock().now(),
                    country=svc.settings.default_country, timezone=svc.settings.default_timezone)
        if args.channels:
            gp.notify_channels = args.channels
        gp.language = _language_arg(args.language, "--language")
        print(f"added GP #{gp.id}: {gp.name} <{gp.email}> at {gp.practice.name}", file=out)
    return 0


def cmd_gps_list(args: argparse.Namespace, out: TextIO) -> int:
    from bot.db.tables import Gp, Patient

    svc = _services()
    with svc.db.session() as session:
        gps = session.execute(select(Gp).order_by(Gp.id)).scalars().all()
        if not gps:
            print("no GPs yet: add one with 'python -m bot gps add --name … --email …'", file=out)
        for gp in gps:
            n = session.execute(select(func.count()).select_from(Patient)
                                .where(Patient.gp_id == gp.id)).scalar_one()
            print(f"#{gp.id}  {gp.name} <{gp.email}>  practice={gp.practice.name}  "
                  f"channels={gp.notify_channels}  patients={n}", file=out)
    return 0


def _language_arg(value: str | None, flag: str) -> str | None:
    from bot.core.language import SUPPORTED, normalise
    from bot.enrolment.service import EnrolmentError

    if value is None:
        return None
    lang = normalise(value)
    if lang not in SUPPORTED:
        raise EnrolmentError(f"{flag} {value!r}: use one of {', '.join(SUPPORTED)}")
    return lang


def cmd_patients_invite(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.language import practice_language
    from bot.core.settings import MAX_INVITE_TTL_DAYS
    from bot.db.tables import Patient
    from bot.enrolment.service import EnrolmentError, find_gp, format_code, invite_patient

    svc = _services()
    if args.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise EnrolmentError(f"--timezone {args.timezone!r} is not a known IANA timezone "
                                 "(e.g. Europe/Oslo, Europe/London)") from None
    days = svc.settings.invite_ttl_days if args.days is None else args.days
    if not 1 <= days <= MAX_INVITE_TTL_DAYS:
        raise EnrolmentError(f"--days {days}: an invite code lives 1 to {MAX_INVITE_TTL_DAYS} "
                             "days (a code in a letter or message is a key to the program)")
    with svc.db.session() as session:
        gp = find_gp(session, args.gp)
        patient = None
        if args.patient:
            patient = session.execute(select(Patient).where(Patient.ref == args.patient)).scalar_one_or_none()
            if patient is None:
                raise EnrolmentError(f"no patient {args.patient!r}")
        invite = invite_patient(session, gp, SystemClock().now(), days,
                                language=_language_arg(args.language, "--language") or
                                practice_language(gp.practice), timezone=args.timezone or None,
                                patient=patient, contact_route=args.contact)
        code = format_code(invite.code)
        print(f"patient: {invite.patient.ref} (GP: {gp.name}, timezone "
              f"{invite.patient.timezone})", file=out)
        if not invite.patient.contact_route:
            print("contact route: none given; risk briefs will say to use the practice record "
                  "(add one with --contact 'phone ...')", file=out)
        print(f"invite code: {code}  (one use, expires {invite.expires_at:%Y-%m-%d})", file=out)
        print(f"telegram: https://t.me/{svc.settings.telegram_bot_username}?start={invite.code}", file=out)
        print(f"web or REST: send  /start {code}", file=out)
        if patient is not None and patient.identities:
            print("this patient already has a linked chat: the new chat shows a number, and "
                  "the patient confirms it from the chat they already use (/confirm NNNNNN)",
                  file=out)
    return 0


def cmd_patients_list(args: argparse.Namespace, out: TextIO) -> int:
    from bot.db.audit import audit
    from bot.db.tables import Patient

    svc = _services()
    with svc.db.session() as session:
        patients = session.execute(select(Patient).order_by(Patient.id)).scalars().all()
        for p in patients:
            print(f"{p.ref}  status={p.status}  gp=#{p.gp_id}  lang={p.language}  tz={p.timezone}",
                  file=out)
        audit(session, svc.clock.now(), cli_actor(), "patients_listed", None, count=len(patients))
    return 0


def cmd_patients_export(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from bot.core.settings import default_tracker_url
    from bot.privacy.data_rights import export_patient, find

    svc = _services()
    with svc.db.session() as session:
        data = export_patient(session, find(session, args.patient), default_tracker_url(),
                              SystemClock().now(), actor=cli_actor())
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"exported {args.patient} to {args.out} (readable by you only)", file=out)
    else:
        print(text, file=out)
    return 0


def cmd_patients_erase(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.settings import default_tracker_url, var_dir
    from bot.privacy.data_rights import DataRightsError, checkpoint, erase_patient, find

    if args.confirm != args.patient:
        raise DataRightsError(f"to erase {args.patient}, repeat the reference: "
                              f"--confirm {args.patient} (this cannot be undone; export first)")
    svc = _services()
    with svc.db.session() as session:
        counts = erase_patient(session, find(session, args.patient), default_tracker_url(),
                               SystemClock().now(), files=var_dir())
    checkpoint(svc.db.engine)
    print(f"erased {args.patient}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v),
          file=out)
    return 0


def cmd_patients_erasures(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy import select

    from bot.core.settings import default_tracker_url, var_dir
    from bot.db.tables import Patient
    from bot.db.tables.privacy import Erasure
    from bot.privacy.data_rights import run_due_erasures

    svc = _services()
    now = SystemClock().now()
    if args.run:
        n = run_due_erasures(svc.db, default_tracker_url(), var_dir(), now)
        print(f"carried out {n} erasure(s)", file=out)
    with svc.db.session() as s:
        rows = s.execute(select(Erasure, Patient.ref).join(Patient, Patient.id == Erasure.patient_id)
                         .where(Erasure.done_at.is_(None), Erasure.cancelled_at.is_(None))
                         .order_by(Erasure.due_at)).all()
    if not rows:
        print("no erasure waiting", file=out)
    for erasure, ref in rows:
        print(f"{ref}  asked {erasure.requested_at:%Y-%m-%d %H:%M} by {erasure.requested_by}, "
              f"due {erasure.due_at:%Y-%m-%d %H:%M} UTC", file=out)
    return 0


def cmd_content_validate(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from bot.content.validate import main_validate

    root = Path(args.dir) if args.dir else load_settings().content_dir
    return main_validate(root, out)


def cmd_content_preview(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from bot.content.preview import main_preview

    root = Path(args.dir) if args.dir else load_settings().content_dir
    return main_preview(root, args.module, args.lang, out)


def cmd_content_coverage(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from bot.content.translation import main_coverage

    root = Path(args.dir) if args.dir else load_settings().content_dir
    return main_coverage(root, out)


def cmd_content_stamp(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from bot.content.translation import stamp

    root = Path(args.dir) if args.dir else load_settings().content_dir
    try:
        done = stamp(root, args.lang, args.steps, stale_too=args.stale)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for item in done:
        print(f"stamped {args.lang}: {item}", file=out)
    print(f"{len(done)} step(s) stamped", file=out)
    return 0


def cmd_risk_check(args: argparse.Namespace, out: TextIO) -> int:
    from bot.cli.risk import risk_check

    return risk_check(sys.stdin, out)


def cmd_risk_model(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from bot.core.settings import REPO_ROOT
    from bot.safety.model import get_model, model_path

    model = get_model()
    out.write(f"{model_path(REPO_ROOT).relative_to(REPO_ROOT)}\n")
    out.write(json.dumps(model.meta, indent=2) + "\n")
    return 0


def cmd_train(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.settings import REPO_ROOT
    from bot.rasa.model import ensure_model
    from bot.safety.model import ensure_risk_model

    ensure_risk_model(REPO_ROOT)
    ensure_model()
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from bot.cli.demo import ensure_demo

    ensure_demo(_services(), out)
    return 0


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    from bot.cli.chat import chat

    return chat(args.url or load_settings().rasa_url, args.sender)


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from bot.processes.supervisor import run_stack

    return run_stack(out, demo=args.demo)


def cmd_web(args: argparse.Namespace, out: TextIO) -> int:
    from bot.web.chat_page import run_web

    return run_web(args.port, args.host)


def cmd_actions(args: argparse.Namespace, out: TextIO) -> int:
    from bot.processes.action_server import serve

    settings = load_settings()
    if not settings.action_server_token:
        print("error: ACTION_SERVER_TOKEN is not set: the action server answers only Rasa, "
              "which sends it (`python -m bot run` makes one for each run)", file=sys.stderr)
        return 2
    serve(settings.bind_host, settings.action_server_port, settings.action_server_token)
    return 0


def cmd_retention(args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.settings import default_tracker_url, var_dir
    from bot.privacy.retention import purge_mail, purge_silent_conversations

    settings = load_settings()
    now = SystemClock().now()
    n = purge_mail(var_dir() / "mail", now, settings.mail_retention_days)
    print(f"removed {n} e-mail file(s) older than {settings.mail_retention_days} days from var/mail/",
          file=out)
    chats, events = purge_silent_conversations(default_tracker_url(), now,
                                               settings.conversation_retention_days)
    print(f"removed {chats} conversation(s) silent for more than "
          f"{settings.conversation_retention_days} days ({events} events)", file=out)
    return 0


def cmd_scheduler(args: argparse.Namespace, out: TextIO) -> int:
    from bot.processes.scheduler import run_scheduler

    return run_scheduler()


def cmd_reminders_status(args: argparse.Namespace, out: TextIO) -> int:
    from bot.reminders.status import print_status

    svc = _services()
    print_status(svc.db, SystemClock().now(), out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database").add_subparsers(dest="sub", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    gps = sub.add_parser("gps", help="GPs").add_subparsers(dest="sub", required=True)
    add = gps.add_parser("add", help="add a GP")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--practice", default="Demo Practice")
    add.add_argument("--channels", help="comma-separated: console,email,telegram")
    add.add_argument("--language", help="en or nb for briefs and notifications (default: "
                     "the practice's language)")
    add.set_defaults(func=cmd_gps_add)
    gps.add_parser("list", help="list GPs").set_defaults(func=cmd_gps_list)
    add_gp_commands(gps)

    pts = sub.add_parser("patients", help="patients").add_subparsers(dest="sub", required=True)
    inv = pts.add_parser("invite", help="create a patient and a one-time invite code")
    inv.add_argument("--gp", required=True, help="GP id or e-mail")
    inv.add_argument("--language", help="en or nb (default: the practice's language, nb for "
                     "a Norwegian practice)")
    inv.add_argument("--patient", help="existing patient ref, to link another channel")
    inv.add_argument("--days", type=int, help="days the code is valid, 1 to 30 (default: "
                     "INVITE_TTL_DAYS, 14)")
    inv.add_argument("--contact", help="how the practice reaches the patient when risk is "
                     "raised, e.g. 'phone 412 34 567' or 'use the practice record'")
    inv.add_argument("--timezone", help="the patient's IANA timezone for reminders "
                                        "(default: the practice's, e.g. Europe/Oslo)")
    inv.set_defaults(func=cmd_patients_invite)
    pts.add_parser("list", help="list patients").set_defaults(func=cmd_patients_list)
    exp = pts.add_parser("export", help="everything held about one patient, as JSON (audited)")
    exp.add_argument("patient", help="the patient's reference, P-XXXXXX")
    exp.add_argument("--out", help="write to this file (mode 0600) instead of printing")
    exp.set_defaults(func=cmd_patients_export)
    era = pts.add_parser("erase", help="erase everything held about one patient (audited)")
    era.add_argument("patient", help="the patient's reference, P-XXXXXX")
    era.add_argument("--confirm", required=True, help="the same reference again")
    era.set_defaults(func=cmd_patients_erase)
    ers = pts.add_parser("erasures", help="erasures patients asked for in chat (the worker carries "
                         "them out after ERASURE_GRACE_HOURS)")
    ers.add_argument("--run", action="store_true", help="carry out the due ones now")
    ers.set_defaults(func=cmd_patients_erasures)

    content = sub.add_parser("content", help="CBT content").add_subparsers(dest="sub", required=True)
    val = content.add_parser("validate", help="check cbt_content/ for errors")
    val.add_argument("--dir")
    val.set_defaults(func=cmd_content_validate)
    pre = content.add_parser("preview", help="show a module as a patient sees it")
    pre.add_argument("module", help="module id, number or file name")
    pre.add_argument("--lang", default="en")
    pre.add_argument("--dir")
    pre.set_defaults(func=cmd_content_preview)
    cov = content.add_parser("coverage", help="per language and module: translated, stale, "
                             "missing")
    cov.add_argument("--dir")
    cov.set_defaults(func=cmd_content_coverage)
    stp = content.add_parser(
        "stamp", help="mark translated steps as translated from the current English")
    stp.add_argument("lang", help="the translation, e.g. nb")
    stp.add_argument("steps", nargs="*", help="module or module.step ids (default: every "
                     "step not yet stamped)")
    stp.add_argument("--stale", action="store_true",
                     help="also re-stamp stale steps (only after checking their wording)")
    stp.add_argument("--dir")
    stp.set_defaults(func=cmd_content_stamp)

    risk = sub.add_parser("risk", help="risk detector").add_subparsers(dest="sub", required=True)
    risk.add_parser("check", help="JSON lines in, JSON lines out").set_defaults(func=cmd_risk_check)
    risk.add_parser("model", help="the risk model's thresholds and the figures that chose them"
                    ).set_defaults(func=cmd_risk_model)

    sub.add_parser("train", help="build the risk model and train the Rasa model if their data changed"
                   ).set_defaults(func=cmd_train)
    sub.add_parser("demo", help="create demo practice, GP and invite").set_defaults(func=cmd_demo)
    run = sub.add_parser("run", help="start everything and keep it running")
    run.add_argument("--demo", action="store_true",
                     help="make the demo GP if there are no GPs, and an invite for this run")
    run.set_defaults(func=cmd_run)
    chat = sub.add_parser("chat", help="chat in the terminal with a running stack")
    chat.add_argument("--url")
    chat.add_argument("--sender")
    chat.set_defaults(func=cmd_chat)
    web = sub.add_parser("web", help="serve the patients' web chat page (WEB_PORT)")
    web.add_argument("--port", type=int)
    web.add_argument("--host", help="address to listen on (default: BIND_HOST, 127.0.0.1)")
    web.set_defaults(func=cmd_web)
    sub.add_parser("retention", help="delete what need not be kept (var/mail/ after "
                   "MAIL_RETENTION_DAYS, conversations silent for CONVERSATION_RETENTION_DAYS)"
                   ).set_defaults(func=cmd_retention)
    sub.add_parser("actions", help="the action server (Rasa's custom actions), for Rasa only"
                   ).set_defaults(func=cmd_actions)
    sub.add_parser("scheduler", help="send check-in and homework reminders (APScheduler)"
                   ).set_defaults(func=cmd_scheduler)
    rem = sub.add_parser("reminders", help="reminders").add_subparsers(dest="sub", required=True)
    rem.add_parser("status", help="scheduled jobs, recent sends and failures"
                   ).set_defaults(func=cmd_reminders_status)
    add_escalation_commands(sub)
    add_audit_commands(sub)
    add_key_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    from bot.enrolment.service import EnrolmentError
    from bot.privacy.data_rights import DataRightsError

    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # databases, logs, mail and secrets: readable by this user only
    try:
        return int(args.func(args, out))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (EnrolmentError, DataRightsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

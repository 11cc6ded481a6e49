"""`python -m bot audit …`, and who the command line is in the audit log.

  audit verify            walks the hash chain (bot/db/audit.py)
  audit show [--patient REF] [--since DATE] [--limit N]    prints entries (audited)

Every command that prints patient data audits the read with ``cli_actor()``:
``cli:<the operating-system user>``.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date, datetime, time, timezone
from typing import Any, TextIO

from sqlalchemy import select


def cli_actor() -> str:
    """``cli:<user>`` for the audit log: the operating-system account that ran the
    command (the uid where the account has no name, as in some containers)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"cli:{user}"[:100]


def _services() -> Any:
    from bot.app import get_services

    return get_services()


def cmd_audit_verify(args: argparse.Namespace, out: TextIO) -> int:
    from bot.db.audit import verify_chain

    svc = _services()
    with svc.db.session() as s:
        report = verify_chain(s)
    if report.intact:
        print(f"audit log intact: {report.entries} entries", file=out)
        print(f"head: {report.head_hash}  (keep it elsewhere to compare later)", file=out)
        return 0
    print(f"audit log BROKEN: {report.problem}", file=out)
    print(f"({report.entries} entries before it are intact)", file=out)
    return 1


def cmd_audit_show(args: argparse.Namespace, out: TextIO) -> int:
    from bot.db.audit import audit
    from bot.db.tables import AuditChain, AuditLog, Patient

    since = None
    if args.since:
        try:
            since = datetime.combine(date.fromisoformat(args.since), time(), timezone.utc)
        except ValueError:
            print("error: --since must be YYYY-MM-DD", file=sys.stderr)
            return 1
    svc = _services()
    with svc.db.session() as s:
        q = (select(AuditLog, AuditChain.seq, Patient.ref)
             .outerjoin(AuditChain, AuditChain.audit_id == AuditLog.id)
             .outerjoin(Patient, Patient.id == AuditLog.patient_id))
        patient_id = None
        if args.patient:
            patient_id = s.execute(select(Patient.id).where(Patient.ref == args.patient)
                                   ).scalar_one_or_none()
            if patient_id is None:
                print(f"error: no patient {args.patient!r}", file=sys.stderr)
                return 1
            q = q.where(AuditLog.patient_id == patient_id)
        if since is not None:
            q = q.where(AuditLog.at >= since)
        rows = s.execute(q.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(args.limit)).all()
        for entry, seq, ref in reversed(rows):
            print(f"#{seq if seq is not None else '?'}  {entry.at:%Y-%m-%d %H:%M:%S}Z  "
                  f"{entry.actor}  {entry.action}  {ref or '-'}  "
                  f"{json.dumps(entry.details, ensure_ascii=False, sort_keys=True)}", file=out)
        if not rows:
            print("no audit entries" + (" for that patient" if patient_id else "")
                  + (f" since {args.since}" if since else ""), file=out)
        # The audit log names patients and what happened to them: reading it is audited.
        audit(s, svc.clock.now(), cli_actor(), "audit_viewed", patient_id, entries=len(rows),
              since=args.since)
    return 0


def add_audit_commands(sub: Any) -> None:
    aud = sub.add_parser("audit", help="the audit log").add_subparsers(dest="sub", required=True)
    aud.add_parser("verify", help="check the hash chain: exit 0 if intact, 1 naming the first "
                   "broken entry").set_defaults(func=cmd_audit_verify)
    show = aud.add_parser("show", help="print audit entries, oldest first (audited)")
    show.add_argument("--patient", help="only this patient's, P-XXXXXX")
    show.add_argument("--since", help="from this day, YYYY-MM-DD (UTC)")
    show.add_argument("--limit", type=int, default=200, help="the latest N (default 200)")
    show.set_defaults(func=cmd_audit_show)

"""Practices, GPs, invites, channel linking and consent."""
from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.audit import audit
from bot.db.tables import ChannelIdentity, ConsentRecord, Gp, Invite, Patient, Practice

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EnrolmentError(ValueError):
    """Bad input to an enrolment operation; the message is for the operator."""


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-_]", "", code).upper()


@functools.lru_cache(maxsize=1)
def _code_key() -> bytes:
    """SECRET_KEY, read once per process (it does not change while one runs)."""
    from bot.core.settings import load_settings

    return load_settings().secret_key.encode()


def hash_code(code: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the normalised code with SECRET_KEY: with the database alone,
    the short codes cannot be found by trying them all offline."""
    return hmac.new(key if key is not None else _code_key(), normalise_code(code).encode(),
                    hashlib.sha256).hexdigest()


def _legacy_hash(code: str) -> str:
    """Invites made before codes were keyed (plain SHA-256); still redeemable until
    they expire (14 days by default)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


# Failed tries per sender before linking pauses for that sender, and for how long.
MAX_FAILED_TRIES = 5
TRY_WINDOW = timedelta(minutes=15)


def recent_failures(session: Session, channel: str, sender_id: str, now: datetime) -> int:
    from bot.db.tables import AuditLog

    return len(session.execute(select(AuditLog.id).where(
        AuditLog.actor == f"{channel}:{sender_id}"[:100], AuditLog.action == "invite_failed",
        AuditLog.at > now - TRY_WINDOW)).all())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def new_ref() -> str:
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def get_or_create_practice(session: Session, name: str, now: datetime, country: str = "NO",
                           timezone: str = "Europe/Oslo") -> Practice:
    name = name.strip()
    if not name:
        raise EnrolmentError("practice name must not be empty")
    practice = session.execute(select(Practice).where(Practice.name == name)).scalar_one_or_none()
    if practice is None:
        practice = Practice(name=name, country=country, timezone=timezone, created_at=now)
        session.add(practice)
        session.flush()
    return practice


def add_gp(session: Session, name: str, email: str, practice_name: str, now: datetime,
           country: str = "NO", timezone: str = "Europe/Oslo", language: str | None = None) -> Gp:
    """A GP at a practice (created if new). ``language``: the GP's own for briefs and
    notifications; None reads the practice's (bot.core.language)."""
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise EnrolmentError("GP name must not be empty")
    if not EMAIL_RE.match(email):
        raise EnrolmentError(f"{email!r} is not a valid e-mail address")
    if session.execute(select(Gp).where(Gp.email == email)).scalar_one_or_none():
        raise EnrolmentError(f"a GP with e-mail {email} already exists")
    practice = get_or_create_practice(session, practice_name, now, country, timezone)
    gp = Gp(practice_id=practice.id, name=name, email=email, created_at=now,
            notify_channels="console,email", language=language)
    session.add(gp)
    session.flush()
    audit(session, now, "cli", "gp_added", gp_id=gp.id, practice=practice.name)
    return gp


def find_gp(session: Session, ref: str) -> Gp:
    """A GP by id or e-mail; a clear error otherwise."""
    ref = ref.strip()
    gp = None
    if ref.isdigit():
        gp = session.get(Gp, int(ref))
    if gp is None:
        gp = session.execute(select(Gp).where(Gp.email == ref.lower())).scalar_one_or_none()
    if gp is None:
        raise EnrolmentError(f"no GP with id or e-mail {ref!r}; list them with 'python -m bot gps list'")
    return gp


@dataclass(frozen=True)
class NewInvite:
    patient: Patient
    code: str  # shown once; only its hash is stored
    expires_at: datetime


PRACTICE_RECORD = "use the practice record"
MAX_CONTACT_ROUTE = 200


def clean_contact_route(value: str | None) -> str | None:
    """The contact route a GP gives at invite ("phone 412 34 567", "use the practice
    record"); None when not given. Raises EnrolmentError for an unusable value."""
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        return None
    if len(value) > MAX_CONTACT_ROUTE:
        raise EnrolmentError(f"--contact is longer than {MAX_CONTACT_ROUTE} characters")
    return value


def invite_patient(session: Session, gp: Gp, now: datetime, ttl_days: int, language: str = "en",
                   timezone: str | None = None, patient: Patient | None = None,
                   contact_route: str | None = None) -> NewInvite:
    """Creates a patient (or reuses one, to link another channel) and a one-time code."""
    contact_route = clean_contact_route(contact_route)
    if patient is not None and contact_route:
        patient.contact_route = contact_route
    if patient is None:
        while True:
            ref = new_ref()
            if not session.execute(select(Patient).where(Patient.ref == ref)).scalar_one_or_none():
                break
        patient = Patient(ref=ref, gp_id=gp.id, language=language,
                          timezone=timezone or gp.practice.timezone, status="invited", created_at=now,
                          contact_route=contact_route)
        session.add(patient)
        session.flush()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + timedelta(days=ttl_days)
    session.add(Invite(code_hash=hash_code(code), patient_id=patient.id, created_at=now, expires_at=expires))
    audit(session, now, "cli", "invite_created", patient.id, gp_id=gp.id, expires_at=expires.isoformat())
    return NewInvite(patient=patient, code=code, expires_at=expires)


class LinkOutcome(enum.Enum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # this sender already belongs to a patient
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    MISSING = "missing"
    THROTTLED = "throttled"  # too many failed tries from this sender just now


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    patient: Patient | None = None


def find_patient(session: Session, channel: str, sender_id: str) -> Patient | None:
    row = session.execute(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                      ChannelIdentity.sender_id == sender_id)
    ).scalar_one_or_none()
    return row.patient if row else None


def redeem_invite(session: Session, channel: str, sender_id: str, code: str | None,
                  now: datetime) -> LinkResult:
    existing = find_patient(session, channel, sender_id)
    if not code or not normalise_code(code):
        return LinkResult(LinkOutcome.ALREADY_LINKED if existing else LinkOutcome.MISSING, existing)
    if recent_failures(session, channel, sender_id, now) >= MAX_FAILED_TRIES:
        audit(session, now, f"{channel}:{sender_id}"[:100], "invite_throttled", None)
        return LinkResult(LinkOutcome.THROTTLED, existing)
    invite = session.execute(
        select(Invite).where(Invite.code_hash.in_([hash_code(code), _legacy_hash(code)]))
    ).scalars().first()

    def failed(outcome: LinkOutcome) -> LinkResult:
        # Audited without the code; the reply is the same for every failure, so a
        # guesser learns nothing about which codes exist.
        audit(session, now, f"{channel}:{sender_id}"[:100], "invite_failed",
              existing.id if existing else None, reason=outcome.value)
        return LinkResult(LinkOutcome.ALREADY_LINKED if existing and outcome is LinkOutcome.WRONG
                          else outcome, existing)

    if invite is None:
        return failed(LinkOutcome.WRONG)
    if invite.used_at is not None:
        if invite.used_by == f"{channel}:{sender_id}":
            return LinkResult(LinkOutcome.ALREADY_LINKED, existing)
        return failed(LinkOutcome.USED)
    if invite.expires_at <= now:
        return failed(LinkOutcome.EXPIRED)
    if existing is not None and existing.id != invite.patient_id:
        # This chat already belongs to another patient; do not silently move it.
        return LinkResult(LinkOutcome.ALREADY_LINKED, existing)
    patient = session.get(Patient, invite.patient_id)
    assert patient is not None
    invite.used_at = now
    invite.used_by = f"{channel}:{sender_id}"
    if existing is None:
        session.add(ChannelIdentity(patient_id=patient.id, channel=channel, sender_id=sender_id,
                                    created_at=now))
    if patient.status == "invited":
        patient.status = "linked"
        patient.linked_at = now
    patient.last_active_at = now
    audit(session, now, f"patient:{patient.ref}", "channel_linked", patient.id, channel=channel)
    session.flush()
    return LinkResult(LinkOutcome.LINKED, patient)


def record_consent(session: Session, patient: Patient, version: int, language: str, text: str,
                   decision: str, now: datetime, share_workbook: bool | None = None) -> ConsentRecord:
    if decision not in {"agreed", "declined", "withdrawn"}:
        raise ValueError(f"unknown consent decision {decision!r}")
    record = ConsentRecord(patient_id=patient.id, version=version, language=language,
                           text_sha256=hashlib.sha256(text.encode()).hexdigest(), decision=decision,
                           share_workbook=share_workbook, at=now)
    session.add(record)
    if decision == "agreed":
        patient.status = "consented"
        patient.consented_at = patient.consented_at or now
    elif decision == "withdrawn":
        patient.status = "withdrawn"
    if share_workbook is not None:
        patient.share_workbook = share_workbook
    audit(session, now, f"patient:{patient.ref}", f"consent_{decision}", patient.id, version=version,
          share_workbook=share_workbook)
    return record


def latest_consent(session: Session, patient: Patient) -> ConsentRecord | None:
    return session.execute(
        select(ConsentRecord).where(ConsentRecord.patient_id == patient.id,
                                    ConsentRecord.decision == "agreed")
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1)
    ).scalar_one_or_none()

"""Practices, GPs, invites, channel linking and consent."""
from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.actors import patient_actor, sender_actor
from bot.db.audit import audit
from bot.db.tables import (
    AuditLog,
    ChannelIdentity,
    ConsentRecord,
    Gp,
    Invite,
    Patient,
    PendingLink,
    Practice,
)

log = logging.getLogger(__name__)

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EnrolmentError(ValueError):
    """Bad input to an enrolment operation; the message is for the operator."""


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-_]", "", code).upper()


@functools.lru_cache(maxsize=1)
def _code_keys() -> tuple[bytes, ...]:
    """SECRET_KEY and the retired keys (OLD_SECRET_KEYS), current first, read once per
    process (they do not change while one runs: a rotation restarts the processes)."""
    from bot.core.settings import load_settings

    return tuple(k.encode() for k in load_settings().secret_keys)


def _code_key() -> bytes:
    return _code_keys()[0]


def hash_code(code: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the normalised code with SECRET_KEY: with the database alone,
    the short codes cannot be found by trying them all offline."""
    return hmac.new(key if key is not None else _code_key(), normalise_code(code).encode(),
                    hashlib.sha256).hexdigest()


def code_hashes(code: str, keys: tuple[bytes, ...] | None = None) -> list[str]:
    """The code's hash under every key, current first: a code made before a key
    rotation is found by the hash its key gave it."""
    return [hash_code(code, key) for key in (keys if keys is not None else _code_keys())]


def _legacy_hash(code: str) -> str:
    """Invites made before codes were keyed (plain SHA-256); still redeemable until
    they expire (14 days by default)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


# Failed tries per sender before linking pauses for that sender, and for how long.
MAX_FAILED_TRIES = 5
TRY_WINDOW = timedelta(minutes=15)


# Failed tries from all senders together (invite and GP codes) before every try is
# refused, from everyone, until the failures of the last window fall below the limit:
# a guesser with many chats gets no further than one with a single chat. The first
# refusal of a window raises the operator alert (`code_burst`).
MAX_FAILED_OVERALL = 50
OVERALL_WINDOW = timedelta(minutes=10)


def _actor(channel: str, sender_id: str) -> str:
    # A keyed pseudonym, not the chat id: the audit log cannot be erased (bot.db.actors).
    return sender_actor(channel, sender_id)


def recent_failures(session: Session, channel: str, sender_id: str, now: datetime,
                    action: str = "invite_failed") -> int:
    return int(session.execute(select(func.count(AuditLog.id)).where(
        AuditLog.actor == _actor(channel, sender_id), AuditLog.action == action,
        AuditLog.at > now - TRY_WINDOW)).scalar_one())


def overall_failures(session: Session, now: datetime) -> int:
    """Failed invite and GP code tries from every sender in the last OVERALL_WINDOW."""
    return int(session.execute(select(func.count(AuditLog.id)).where(
        AuditLog.action == "invite_failed", AuditLog.at > now - OVERALL_WINDOW)).scalar_one())


def _burst_alert(session: Session, now: datetime, failures: int) -> None:
    """Once per window (across processes: the audit log says whether it was raised):
    an audit entry and an ERROR line for the operator, with counts only."""
    raised = session.execute(select(AuditLog.id).where(
        AuditLog.action == "code_burst", AuditLog.at > now - OVERALL_WINDOW).limit(1)).first()
    if raised is not None:
        return
    senders = int(session.execute(select(func.count(func.distinct(AuditLog.actor))).where(
        AuditLog.action == "invite_failed", AuditLog.at > now - OVERALL_WINDOW)).scalar_one())
    minutes = int(OVERALL_WINDOW.total_seconds() // 60)
    audit(session, now, "system", "code_burst", None, failures=failures, senders=senders,
          window_minutes=minutes, limit=MAX_FAILED_OVERALL)
    log.error("operator alert: %d failed invite/GP code tries from %d senders in %d minutes; "
              "every code is refused until fewer than %d fail in %d minutes (audit: code_burst)",
              failures, senders, minutes, MAX_FAILED_OVERALL, minutes)


def code_try_refused(session: Session, channel: str, sender_id: str, now: datetime,
                     what: str) -> bool:
    """True when this code try must be refused without looking at the code: too many
    failed tries from this sender, or from everyone together (audited as
    ``invite_throttled``; the sender gets the same reply as for a wrong code)."""
    scope = None
    if recent_failures(session, channel, sender_id, now) >= MAX_FAILED_TRIES:
        scope = "sender"
    else:
        failures = overall_failures(session, now)
        if failures >= MAX_FAILED_OVERALL:
            scope = "overall"
            _burst_alert(session, now, failures)
    if scope is None:
        return False
    audit(session, now, _actor(channel, sender_id), "invite_throttled", None, what=what,
          scope=scope)
    return True


def record_code_failure(session: Session, channel: str, sender_id: str, now: datetime,
                        patient_id: int | None = None, **details: object) -> None:
    """Audits a failed code try (never the code itself)."""
    audit(session, now, _actor(channel, sender_id), "invite_failed", patient_id, **details)


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
    THROTTLED = "throttled"  # too many failed tries from this sender, or from everyone
    PENDING = "pending"  # a second chat: to be confirmed from a chat already linked


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    patient: Patient | None = None  # None for PENDING: the new chat is not the patient yet
    confirm_code: str | None = None  # PENDING: the number to send from the linked chat
    language: str | None = None  # PENDING: the patient's language, for the new chat


# A second chat is linked only when a chat already linked confirms it (so a leaked or
# intercepted invite for an existing patient does not open their history): the number
# shown in the new chat lives CONFIRM_TTL, and MAX_CONFIRM_TRIES wrong numbers end it.
CONFIRM_TTL = timedelta(minutes=10)
CONFIRM_DIGITS = 6
MAX_CONFIRM_TRIES = 5


def _confirm_hashes(number: str) -> list[str]:
    return code_hashes(f"confirm:{number}")


def _pending_for(session: Session, channel: str, sender_id: str) -> PendingLink | None:
    return session.execute(select(PendingLink).where(
        PendingLink.channel == channel, PendingLink.sender_id == sender_id)).scalar_one_or_none()


def _start_pending(session: Session, channel: str, sender_id: str, patient: Patient,
                   now: datetime, again: bool = False) -> LinkResult:
    number = f"{secrets.randbelow(10 ** CONFIRM_DIGITS):0{CONFIRM_DIGITS}d}"
    row = _pending_for(session, channel, sender_id)
    if row is None:
        row = PendingLink(channel=channel, sender_id=sender_id, failed_tries=0)
        session.add(row)
    elif row.patient_id != patient.id:
        row.failed_tries = 0
    row.patient_id = patient.id
    row.code_hash = _confirm_hashes(number)[0]
    row.created_at = now
    row.expires_at = now + CONFIRM_TTL
    audit(session, now, _actor(channel, sender_id), "link_pending", patient.id, channel=channel,
          again=again)
    session.flush()
    return LinkResult(LinkOutcome.PENDING, None, confirm_code=number, language=patient.language)


def _has_channel(session: Session, patient_id: int) -> bool:
    return session.execute(select(ChannelIdentity.id).where(
        ChannelIdentity.patient_id == patient_id).limit(1)).first() is not None


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
    if code_try_refused(session, channel, sender_id, now, "invite"):
        return LinkResult(LinkOutcome.THROTTLED, existing)
    invite = session.execute(
        select(Invite).where(Invite.code_hash.in_([*code_hashes(code), _legacy_hash(code)]))
    ).scalars().first()

    def failed(outcome: LinkOutcome) -> LinkResult:
        # Audited without the code; the reply is the same for every failure, so a
        # guesser learns nothing about which codes exist.
        record_code_failure(session, channel, sender_id, now, existing.id if existing else None,
                            reason=outcome.value)
        return LinkResult(LinkOutcome.ALREADY_LINKED if existing and outcome is LinkOutcome.WRONG
                          else outcome, existing)

    if invite is None:
        return failed(LinkOutcome.WRONG)
    if invite.used_at is not None:
        if invite.used_by == f"{channel}:{sender_id}":
            if existing is not None:
                return LinkResult(LinkOutcome.ALREADY_LINKED, existing)
            # The same new chat sends the code again before confirming: a new number
            # (while the invite lasts and its confirmation was not ended by wrong tries).
            row = _pending_for(session, channel, sender_id)
            if (row is not None and row.patient_id == invite.patient_id
                    and row.failed_tries < MAX_CONFIRM_TRIES and invite.expires_at > now):
                patient = session.get(Patient, invite.patient_id)
                assert patient is not None
                return _start_pending(session, channel, sender_id, patient, now, again=True)
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
    if existing is None and _has_channel(session, patient.id):
        return _start_pending(session, channel, sender_id, patient, now)
    if existing is None:
        session.add(ChannelIdentity(patient_id=patient.id, channel=channel, sender_id=sender_id,
                                    created_at=now))
    if patient.status == "invited":
        patient.status = "linked"
        patient.linked_at = now
    patient.last_active_at = now
    audit(session, now, patient_actor(patient), "channel_linked", patient.id, channel=channel)
    session.flush()
    return LinkResult(LinkOutcome.LINKED, patient)


class ConfirmOutcome(enum.Enum):
    CONFIRMED = "confirmed"
    FAILED = "failed"  # wrong, expired or no number, a chat not linked, or throttled
    FROM_NEW_CHAT = "from_new_chat"  # sent from the chat waiting to be confirmed


@dataclass(frozen=True)
class ConfirmResult:
    outcome: ConfirmOutcome
    patient: Patient | None = None  # the confirming chat's patient, when it has one
    new_channel: str | None = None  # CONFIRMED: the chat now linked
    new_sender_id: str | None = None
    language: str | None = None  # FROM_NEW_CHAT: the patient's language


def confirm_link(session: Session, channel: str, sender_id: str, number: str | None,
                 now: datetime) -> ConfirmResult:
    """``/confirm NNNNNN`` from ``channel:sender_id``: links the pending chat that showed
    that number, when this chat is already linked to the same patient. Every step is
    audited (never the number); failures from one chat are throttled like codes."""
    actor = _actor(channel, sender_id)
    patient = find_patient(session, channel, sender_id)

    def failed(reason: str) -> ConfirmResult:
        audit(session, now, actor, "link_confirm_failed", patient.id if patient else None,
              reason=reason)
        return ConfirmResult(ConfirmOutcome.FAILED, patient)

    if recent_failures(session, channel, sender_id, now, "link_confirm_failed") >= MAX_FAILED_TRIES:
        audit(session, now, actor, "link_confirm_throttled", patient.id if patient else None)
        return ConfirmResult(ConfirmOutcome.FAILED, patient)
    if patient is None:
        own = _pending_for(session, channel, sender_id)
        if own is not None and own.expires_at > now:
            audit(session, now, actor, "link_confirm_failed", own.patient_id,
                  reason="from_new_chat")
            waiting = session.get(Patient, own.patient_id)
            return ConfirmResult(ConfirmOutcome.FROM_NEW_CHAT,
                                 language=waiting.language if waiting else None)
        return failed("not_linked")
    number = re.sub(r"\s", "", number or "")
    if not re.fullmatch(rf"\d{{{CONFIRM_DIGITS}}}", number):
        return failed("malformed")
    rows = session.execute(select(PendingLink).where(
        PendingLink.patient_id == patient.id, PendingLink.expires_at > now)).scalars().all()
    hashes = set(_confirm_hashes(number))
    match = next((r for r in rows if r.code_hash in hashes), None)
    if match is None:
        for row in rows:
            row.failed_tries += 1
            if row.failed_tries >= MAX_CONFIRM_TRIES:
                row.expires_at = now  # ended: the new chat needs a new invite
                audit(session, now, "system", "link_pending_ended", patient.id,
                      channel=row.channel, reason="too_many_wrong_numbers")
        return failed("wrong" if rows else "none_pending")
    new_channel, new_sender = match.channel, match.sender_id
    session.delete(match)
    if find_patient(session, new_channel, new_sender) is not None:
        return failed("already_linked_elsewhere")
    session.add(ChannelIdentity(patient_id=patient.id, channel=new_channel, sender_id=new_sender,
                                created_at=now))
    patient.last_active_at = now
    audit(session, now, patient_actor(patient), "link_confirmed", patient.id,
          channel=new_channel, confirmed_from=channel)
    audit(session, now, patient_actor(patient), "channel_linked", patient.id,
          channel=new_channel)
    session.flush()
    return ConfirmResult(ConfirmOutcome.CONFIRMED, patient, new_channel, new_sender)


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
    audit(session, now, patient_actor(patient), f"consent_{decision}", patient.id, version=version,
          share_workbook=share_workbook)
    return record


def latest_consent(session: Session, patient: Patient) -> ConsentRecord | None:
    return session.execute(
        select(ConsentRecord).where(ConsentRecord.patient_id == patient.id,
                                    ConsentRecord.decision == "agreed")
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1)
    ).scalar_one_or_none()

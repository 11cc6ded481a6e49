"""The audit log: who did what, when. Written in the caller's transaction.

Append-only: the database refuses UPDATE and DELETE on it (migration 0007; TRUNCATE too
on PostgreSQL, migration 0012), and a session that tries is stopped before it reaches the
database. Details hold codes, categories, scores and ids, never a patient's words (those
stay in the rows that a patient's erasure removes), so erasure never has to touch it.

Hash-chained, so that a change made around the application (a trigger dropped, a row
edited or deleted by hand) is found by ``python -m bot audit verify``:

* ``audit()`` adds an ordinary ``audit_log`` row at once, so the transaction that wrote
  it can read it (the invite throttle counts its own failures).
* At commit, the entries written in the transaction are chained: the writer first
  updates the one ``audit_head`` row (the write lock on SQLite, a row lock on PostgreSQL,
  so two processes cannot both chain onto the same predecessor), reads the last ``seq``
  and hash, writes one ``audit_chain`` row per entry with
  ``row_hash = sha256(prev_hash + canonical JSON of (seq, id, at, actor, action,
  patient_id, details))``, and moves the head. Doing this last, after the transaction's
  own writes are flushed, keeps the head locked only for the commit itself: no
  transaction waits for another lock while it holds the head, so the head cannot take
  part in a deadlock on PostgreSQL, and long transactions do not hold up every writer.
* The head also lets verify see entries removed from the end of the log.

The chain shows tampering by someone who can get past the triggers but does not rewrite
every later link and the head as well; for that, keep the head hash that ``audit
verify`` prints somewhere else (a ticket, an e-mail) and compare later.

The canonical form is fixed: changing ``entry_hash`` needs a migration that re-chains."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event, insert, inspect, select, true, update
from sqlalchemy.orm import Session, SessionTransaction

from bot.db.tables import AuditChain, AuditHead, AuditLog

GENESIS = "0" * 64  # the prev_hash of entry #1
HEAD_ID = 1  # audit_head has exactly one row
_PENDING = "bot.db.audit.pending"  # key in Session.info: entries not chained yet

_LOG = AuditLog.__table__
_CHAIN = AuditChain.__table__
_HEAD = AuditHead.__table__


class AuditLogIsAppendOnly(RuntimeError):
    pass


class AuditChainError(RuntimeError):
    """The chain cannot be extended (its head row is missing): nothing is committed."""


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, (AuditLog, AuditChain, AuditHead)) and (
                obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("the audit log is append-only")


def audit(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    patient_id: int | None = None,
    **details: Any,
) -> None:
    try:
        # Stored as what JSON gives back, so the hash at commit and verify's agree.
        plain = json.loads(json.dumps(details))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"audit details for {action!r} must be plain JSON values "
                        f"(codes, counts, ids): {exc}") from None
    entry = AuditLog(at=at, actor=actor, action=action, patient_id=patient_id, details=plain)
    session.add(entry)
    session.info.setdefault(_PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    session.flush()  # the transaction's own writes first: see the module's docstring
    # Entries written inside a savepoint that was rolled back are no longer persistent.
    ids = [e.id for e in session.info.pop(_PENDING) if inspect(e).persistent]
    if ids:
        chain_entries(session, ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def chain_entries(session: Session, ids: Sequence[int]) -> None:
    """Chains the (flushed) audit_log rows `ids`, in that order, onto the head."""
    locked = session.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq))
    if locked.rowcount != 1:
        raise AuditChainError(
            "the audit log's head row (table audit_head, id 1) is missing, so audit entries "
            "cannot be chained; run 'python -m bot db upgrade' on a new database, else run "
            "'python -m bot audit verify': someone has deleted it")
    seq, last = session.execute(
        select(_HEAD.c.seq, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)).one()
    rows = {r.id: r for r in session.execute(select(_LOG).where(_LOG.c.id.in_(list(ids))))}
    links = []
    for audit_id in ids:
        seq += 1
        r = rows[audit_id]
        digest = entry_hash(last, seq, r.id, r.at, r.actor, r.action, r.patient_id, r.details)
        links.append({"seq": seq, "audit_id": audit_id, "prev_hash": last, "row_hash": digest})
        last = digest
    session.execute(insert(_CHAIN), links)
    session.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=seq, last_hash=last))


def entry_hash(prev_hash: str, seq: int, audit_id: int, at: datetime, actor: str, action: str,
               patient_id: int | None, details: Any) -> str:
    """sha256 of the previous hash and the canonical JSON of one entry (sorted keys, no
    spaces, UTC time to the microsecond as stored)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    canonical = json.dumps(
        {"seq": seq, "id": audit_id, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"), "actor": actor,
         "action": action, "patient_id": patient_id, "details": details},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int  # entries walked (up to the first problem)
    head_hash: str  # the hash the head holds (record it to compare later)
    problem: str | None  # the first broken entry, in words; None: intact

    @property
    def intact(self) -> bool:
        return self.problem is None


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def _what(row: Mapping[str, Any]) -> str:
    at = row["at"]
    return f"audit id {row['id']}, {row['action']} at {at:%Y-%m-%d %H:%M:%S}Z"


def verify_chain(session: Session) -> ChainReport:
    """Walks the chain from entry #1 and reports the first broken entry.

    The head and the chain are read in one statement, so one snapshot: a writer
    committing meanwhile is not mistaken for tampering."""
    walk = (
        select(_HEAD.c.seq.label("head_seq"), _HEAD.c.last_hash.label("head_hash"),
               _CHAIN.c.seq, _CHAIN.c.audit_id, _CHAIN.c.prev_hash, _CHAIN.c.row_hash,
               _LOG.c.id, _LOG.c.at, _LOG.c.actor, _LOG.c.action, _LOG.c.patient_id,
               _LOG.c.details)
        .select_from(_HEAD.outerjoin(_CHAIN, true())
                     .outerjoin(_LOG, _LOG.c.id == _CHAIN.c.audit_id))
        .where(_HEAD.c.id == HEAD_ID)
        .order_by(_CHAIN.c.seq)
        .execution_options(stream_results=True)
    )
    n, prev = 0, GENESIS
    head_seq, head_hash = None, ""
    for row in session.execute(walk).mappings():
        head_seq, head_hash = row["head_seq"], row["head_hash"]
        seq = row["seq"]
        if seq is None:  # an empty chain: the head's row alone
            break
        if seq != n + 1:
            gone = f"#{n + 1}" if seq == n + 2 else f"#{n + 1}–#{seq - 1}"
            return ChainReport(n, head_hash, f"entry {gone} was deleted (the chain goes from "
                                             f"#{n} to #{seq})")
        if row["prev_hash"] != prev:
            return ChainReport(n, head_hash, f"entry #{seq} (audit id {row['audit_id']}) does "
                               f"not follow entry #{n}: its link was changed or an entry was "
                               "put in between")
        if row["id"] is None:
            return ChainReport(n, head_hash, f"entry #{seq} (audit id {row['audit_id']}) was "
                               "deleted from audit_log")
        if entry_hash(prev, seq, row["id"], row["at"], row["actor"], row["action"],
                      row["patient_id"], row["details"]) != row["row_hash"]:
            return ChainReport(n, head_hash, f"entry #{seq} ({_what(row)}) was changed after "
                               "it was written")
        n, prev = seq, row["row_hash"]
    if head_seq is None:
        return ChainReport(n, "", "the audit log's head (table audit_head) is missing: it "
                                  "was deleted, or the database was never upgraded")
    if head_seq > n:
        gone = f"#{head_seq}" if head_seq == n + 1 else f"#{n + 1}–#{head_seq}"
        return ChainReport(n, head_hash, f"the last {_entries(head_seq - n)} ({gone}) removed: "
                           f"the head says the log ends at #{head_seq}, the chain at #{n}")
    if head_seq < n:
        return ChainReport(n, head_hash, f"entries after #{head_seq} are past the head: "
                           "inserted out of chain")
    if head_hash != prev:
        return ChainReport(n, head_hash, f"the head's hash does not match entry #{n}: the head "
                           "was changed")
    stray = session.execute(
        select(_LOG.c.id, _LOG.c.at, _LOG.c.action)
        .where(~select(_CHAIN.c.seq).where(_CHAIN.c.audit_id == _LOG.c.id).exists())
        .order_by(_LOG.c.id).limit(1)).mappings().first()
    if stray is not None:
        return ChainReport(n, head_hash, f"{_what(stray)} is not in the chain: inserted out "
                           "of chain (written around the application)")
    return ChainReport(n, head_hash, None)

"""The escalation worker: delivers the outbox, and runs the timed jobs (acknowledgement
deadlines and fail-over, the disengagement sweep, the daily follow-up digest).

Delivery, one notification at a time:
  1. claim   - compare-and-set in its own transaction: pending (or sending with an
               expired lease) -> sending, attempts + 1, next_attempt_at = lease expiry.
               The new attempt count is the fencing token: only the claimant can
               complete the row.
  2. send    - the notifier returns once the other side accepted the message.
  3. settle  - in a new transaction, right away: sent; or back to pending with an
               exponential backoff; or failed after too many attempts / a permanent error.
A process killed between 2 and 3 leaves the row "sending"; when its lease expires it is
sent again (it cannot be proven sent). E-mails carry a Message-ID derived from the
notification's idempotency key, so that rare resend is recognisably the same message.
Nothing is lost: a row leaves the queue only when it is settled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update

from bot.core.logs import configure as configure_logging
from bot.core.settings import default_tracker_url, var_dir
from bot.db.audit import audit
from bot.db.tables import Escalation, Notification
from bot.db.tables.escalation import DeliveryAttempt
from bot.escalation.compose import OutgoingMessage, compose, stage_of
from bot.escalation.digest import send_digests
from bot.escalation.failover import check_deadlines
from bot.escalation.sweeps import sweep_disengaged
from bot.notify import DeliveryError, Notifier
from bot.privacy.data_rights import run_due_erasures
from bot.privacy.retention import purge_mail, purge_silent_conversations

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    lease: timedelta = timedelta(seconds=120)
    batch: int = 50
    backoff_base: float = 5.0  # seconds; doubles per attempt
    backoff_cap: float = 900.0
    max_attempts: int = 40  # about eight hours at the cap
    send_timeout: float = 60.0
    sweep_every: timedelta = timedelta(minutes=10)
    digest_every: timedelta = timedelta(minutes=1)


def build_notifiers(services: Services) -> dict[str, Notifier]:
    """The notifiers the composition root built (bot.app)."""
    return services.notifiers


class Worker:
    def __init__(
        self,
        services: Services,
        notifiers: dict[str, Notifier] | None = None,
        config: WorkerConfig | None = None,
        name: str | None = None,
    ) -> None:
        self.services = services
        self.notifiers = notifiers if notifiers is not None else build_notifiers(services)
        self.config = config or WorkerConfig()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._last_sweep: datetime | None = None
        self._last_retention: datetime | None = None
        self._last_digest: datetime | None = None

    def now(self) -> datetime:
        return self.services.clock.now()

    def backoff(self, attempt: int) -> timedelta:
        c = self.config
        return timedelta(seconds=min(c.backoff_base * 2 ** max(attempt - 1, 0), c.backoff_cap))

    # ---- delivery ------------------------------------------------------------
    def due_ids(self) -> list[int]:
        now = self.now()
        with self.services.db.session() as s:
            return list(
                s.execute(
                    select(Notification.id)
                    .where(
                        or_(Notification.status == "pending", Notification.status == "sending"),
                        Notification.next_attempt_at <= now,
                    )
                    .order_by(Notification.next_attempt_at, Notification.id)
                    .limit(self.config.batch)
                ).scalars()
            )

    def claim(self, notification_id: int) -> tuple[OutgoingMessage, int] | None:
        """Takes the row if it is still due; returns the message and the fencing attempt."""
        now = self.now()
        with self.services.db.session() as s:
            row = s.get(Notification, notification_id)
            if row is None or row.status not in ("pending", "sending") or row.next_attempt_at > now:
                return None
            prev_status, prev_attempts = row.status, row.attempts
            esc = s.get(Escalation, row.escalation_id)
            if (
                esc is not None
                and esc.status != "open"
                and esc.kind != "digest"
                and stage_of(row.idempotency_key) in ("reminder1", "failover")
            ):
                row.status, row.last_error = "cancelled", "acknowledged before it was sent"
                return None
            taken = s.execute(
                update(Notification)
                .where(
                    Notification.id == row.id,
                    Notification.status == prev_status,
                    Notification.attempts == prev_attempts,
                )
                .values(
                    status="sending",
                    attempts=prev_attempts + 1,
                    next_attempt_at=now + self.config.lease,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                s.rollback()
                return None  # another worker got there first
            if prev_status == "sending":
                # The previous attempt's worker died after claiming: it may have sent it.
                s.execute(
                    update(DeliveryAttempt)
                    .where(
                        DeliveryAttempt.notification_id == row.id, DeliveryAttempt.outcome.is_(None)
                    )
                    .values(outcome="interrupted", finished_at=now)
                    .execution_options(synchronize_session=False)
                )
                audit(
                    s,
                    now,
                    "system",
                    "notification_resend_after_interruption",
                    esc.patient_id if esc else None,
                    notification_id=row.id,
                    escalation_id=row.escalation_id,
                )
            s.add(
                DeliveryAttempt(
                    notification_id=row.id,
                    attempt=prev_attempts + 1,
                    worker=self.name[:100],
                    started_at=now,
                )
            )
            message = compose(s, self.services.settings, row)
            return message, prev_attempts + 1

    def settle(self, notification_id: int, attempt: int, error: DeliveryError | None) -> str:
        now = self.now()
        with self.services.db.session() as s:
            fence = (
                Notification.id == notification_id,
                Notification.status == "sending",
                Notification.attempts == attempt,
            )
            if error is None:
                status = "sent"
                values: dict[str, object] = {"status": "sent", "sent_at": now, "last_error": None}
            elif error.permanent or attempt >= self.config.max_attempts:
                status = "failed"
                values = {"status": "failed", "last_error": str(error)[:2000]}
            else:
                status = "pending"
                values = {
                    "status": "pending",
                    "last_error": str(error)[:2000],
                    "next_attempt_at": now + self.backoff(attempt),
                }
            done = s.execute(
                update(Notification)
                .where(*fence)
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            s.execute(
                update(DeliveryAttempt)
                .where(
                    DeliveryAttempt.notification_id == notification_id,
                    DeliveryAttempt.attempt == attempt,
                    DeliveryAttempt.outcome.is_(None),
                )
                .values(
                    outcome="sent" if error is None else "error",
                    finished_at=now,
                    error=None if error is None else str(error)[:2000],
                )
                .execution_options(synchronize_session=False)
            )
            if done and status == "failed":
                row = s.get(Notification, notification_id)
                audit(
                    s,
                    now,
                    "system",
                    "notification_failed",
                    None,
                    notification_id=notification_id,
                    escalation_id=row.escalation_id if row else None,
                    error=str(error)[:500],
                )
                log.error("notification #%s failed for good: %s", notification_id, error)
            return status if done else "lost-lease"

    async def deliver_one(self, notification_id: int) -> str | None:
        claimed = self.claim(notification_id)
        if claimed is None:
            return None
        message, attempt = claimed
        notifier = self.notifiers.get(message.channel)
        error: DeliveryError | None = None
        if notifier is None:
            error = DeliveryError(
                f"channel {message.channel!r} is not configured (see the README: GP notifications)"
            )
        else:
            try:
                await asyncio.wait_for(notifier.send(message), self.config.send_timeout)
            except DeliveryError as exc:
                error = exc
            except asyncio.TimeoutError:
                error = DeliveryError(f"{message.channel} send timed out")
            except Exception as exc:
                log.exception("notifier %s crashed", message.channel)
                error = DeliveryError(f"{type(exc).__name__}: {exc}")
        status = self.settle(notification_id, attempt, error)
        if error is not None:
            log.warning(
                "notification #%s (%s to %s) attempt %s: %s -> %s",
                notification_id,
                message.channel,
                message.recipient,
                attempt,
                error,
                status,
            )
        else:
            log.info(
                "notification #%s sent (%s to %s)",
                notification_id,
                message.channel,
                message.recipient,
            )
        return status

    async def deliver_due(self) -> int:
        done = 0
        for notification_id in self.due_ids():
            if await self.deliver_one(notification_id) is not None:
                done += 1
        for notifier in self.notifiers.values():
            try:
                await notifier.close()
            except Exception:
                log.exception("closing a notifier failed")
        return done

    # ---- timed jobs ----------------------------------------------------------
    def run_jobs(self, force: bool = False) -> None:
        now = self.now()
        settings = self.services.settings
        try:
            with self.services.db.session() as s:
                check_deadlines(s, now)
        except Exception:
            log.exception("deadline check failed")
        if force or self._last_sweep is None or now - self._last_sweep >= self.config.sweep_every:
            self._last_sweep = now
            try:
                with self.services.db.session() as s:
                    found = sweep_disengaged(s, now, settings.disengaged_after_days)
                if found:
                    log.info("disengagement sweep: %s escalation(s)", len(found))
            except Exception:
                log.exception("disengagement sweep failed")
            try:
                run_due_erasures(self.services.db, default_tracker_url(), var_dir(), now)
            except Exception:
                log.exception("erasure failed (it is tried again at the next sweep)")
        if force or self._last_retention is None or now - self._last_retention >= timedelta(days=1):
            self._last_retention = now
            try:
                purge_mail(var_dir() / "mail", now, settings.mail_retention_days)
                purge_silent_conversations(default_tracker_url(), now,
                                           settings.conversation_retention_days)
            except Exception:
                log.exception("retention failed (it is tried again tomorrow)")
        if (
            force
            or self._last_digest is None
            or now - self._last_digest >= self.config.digest_every
        ):
            self._last_digest = now
            try:
                with self.services.db.session() as s:
                    send_digests(s, now, settings.digest_hour)
            except Exception:
                log.exception("digest failed")

    async def tick(self, force_jobs: bool = False) -> int:
        self.run_jobs(force=force_jobs)
        return await self.deliver_due()

    async def run_forever(self, poll: float = 1.0, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        log.info(
            "escalation worker %s started (channels: %s)", self.name, ", ".join(self.notifiers)
        )
        while not stop.is_set():
            try:
                done = await self.tick()
            except Exception:
                log.exception("worker tick failed")
                done = 0
            if done == 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll)
        log.info("escalation worker stopped")


def main(poll: float = 1.0, lease_seconds: float = 120.0, once: bool = False) -> int:
    from bot.app import get_services

    services = get_services()
    configure_logging(services.settings.log_level)
    if not services.settings.smtp_host:
        log.warning("SMTP_HOST is not set: e-mails to GPs are written to var/mail/, not sent")
    worker = Worker(services, config=WorkerConfig(lease=timedelta(seconds=lease_seconds)))
    if once:
        asyncio.run(worker.tick(force_jobs=True))
    else:
        asyncio.run(worker.run_forever(poll))
    return 0

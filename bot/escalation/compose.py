"""What a notification says: who, what happened, how urgent, what to do, by when, and
a link to the detail. Privacy by default: no clinical detail leaves the product unless
the deployment asks for it (EMAIL_INCLUDE_CLINICAL_DETAIL, for secure health networks).

The text is derived from the notification row and its escalation alone, so a re-sent
message is the same message (same Message-ID, same words)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db.models import Escalation, Gp, Notification, Patient, Practice
from bot.escalation.links import ack_callback_data, link
from bot.settings import Settings

KIND_LABEL = {
    "risk": "risk reported",
    "deterioration": "PHQ-9 deterioration",
    "followup_due": "module finished: follow-up due",
    "disengaged": "no activity",
    "program_finished": "program finished: review due",
    "new_patient": "new patient enrolled",
    "withdrawn": "stopped the program (consent withdrawn)",
    "digest": "follow-ups due",
}
WHAT_TO_DO = {
    "risk": "Contact the patient today to assess risk and safety.",
    "deterioration": "Review the patient within 2 days; consider an appointment.",
    "followup_due": "Book a 10-15 minute follow-up; the brief has a suggested agenda.",
    "disengaged": "Consider contacting the patient to check how they are.",
    "program_finished": "Book a review consultation; the brief has a suggested agenda.",
    "new_patient": "No action needed; for your information.",
    "withdrawn": "Nothing more is sent to the patient. Consider checking in at their next "
                 "contact; to erase their data, export it first (python -m bot patients export).",
    "digest": "Book or record the follow-ups listed below.",
}


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    idempotency_key: str
    channel: str
    recipient: str
    subject: str
    text: str
    urgency: str
    links: dict[str, str] = field(default_factory=dict)  # label -> URL
    ack_callback: str | None = None  # Telegram button data

    def message_id(self, domain: str) -> str:
        """An RFC 5322 Message-ID derived only from the idempotency key: every resend of
        one notification carries the same id, so the receiving side can de-duplicate."""
        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:32]
        return f"<{digest}@{domain}>"


def stage_of(key: str) -> str:
    """initial | reminder1 | failover | digest, from the notification's idempotency key."""
    return key.rsplit(":", 1)[-1]


def local_time(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b} ({tz})"


def compose(session: Session, settings: Settings, note: Notification) -> OutgoingMessage:
    esc = session.get(Escalation, note.escalation_id)
    assert esc is not None
    gp = session.get(Gp, esc.gp_id) if esc.gp_id else None
    patient = session.get(Patient, esc.patient_id) if esc.patient_id else None
    practice = session.get(Practice, gp.practice_id) if gp else None
    tz = practice.timezone if practice else settings.default_timezone
    stage = stage_of(note.idempotency_key)
    secret, base = settings.secret_key, settings.gp_web_url
    clinical = (
        note.channel == "email" and settings.email_include_clinical_detail
    ) or note.channel == "console"

    if esc.kind == "digest":
        return _digest(esc, note, settings, clinical)

    ref = patient.ref if patient else "unknown patient"
    label = KIND_LABEL.get(esc.kind, esc.kind)
    urgency = esc.urgency.upper()
    subject = f"[{urgency}] {ref}: {label}"
    lines: list[str] = []
    if stage == "reminder1":
        subject = f"REMINDER {subject}: not yet acknowledged"
        lines.append("REMINDER: this has not been acknowledged yet.")
    elif stage == "failover":
        subject = f"FAIL-OVER {subject}"
        who = gp.name if gp else "the patient's GP"
        lines.append(
            f"You are receiving this as the practice's duty doctor or fallback contact: "
            f"{who} has not acknowledged it in time."
        )
    greeting = gp.name if (gp and stage != "failover") else "Doctor"
    lines += [
        f"{greeting},",
        "",
        f"{urgency}: {label} for patient {ref}" + (f" (GP: {gp.name})" if gp else "") + ".",
        f"What to do: {WHAT_TO_DO.get(esc.kind, 'See the brief.')}",
    ]
    if esc.ack_deadline is not None and esc.status == "open":
        lines.append(
            f"Please acknowledge by {local_time(esc.ack_deadline, tz)}"
            + (
                ", or the practice's duty doctor will be alerted."
                if esc.urgency == "urgent"
                else "."
            )
        )
    if clinical:
        lines += ["", f"Summary: {esc.summary}"]
        evidence = (esc.details or {}).get("evidence")
        if evidence and note.channel == "email":
            lines.append(f"Detail: {evidence}")
    else:
        lines += ["", "The clinical detail is behind the link below, not in this message."]
    links = {
        "Open the brief": link(base, secret, esc.id, "brief", note.recipient),
        "Acknowledge": link(base, secret, esc.id, "ack", note.recipient),
    }
    if esc.kind in ("followup_due", "program_finished"):
        links["Record the follow-up"] = link(base, secret, esc.id, "followup", note.recipient)
    lines.append("")
    lines += [f"{k}: {v}" for k, v in links.items()]
    lines += [
        "",
        f"Escalation #{esc.id}. Or on the server: "
        f"python -m bot escalations ack {esc.id} --by <you>",
    ]
    return OutgoingMessage(
        notification_id=note.id,
        idempotency_key=note.idempotency_key,
        channel=note.channel,
        recipient=note.recipient,
        subject=subject,
        text="\n".join(lines),
        urgency=esc.urgency,
        links=links,
        ack_callback=ack_callback_data(secret, esc.id) if esc.status == "open" else None,
    )


def _digest(
    esc: Escalation, note: Notification, settings: Settings, clinical: bool
) -> OutgoingMessage:
    items = list((esc.details or {}).get("items", []))
    lines = [
        f"{esc.details.get('gp_name', 'Doctor')},",
        "",
        f"{len(items)} follow-up(s) are due or overdue:",
    ]
    for item in items:
        state = "OVERDUE" if item.get("overdue") else "due"
        lines.append(f"- {item['ref']}: {item['label']} since {item['since']} ({state})")
        for label, action in (("brief", "brief"), ("record", "followup")):
            url = link(settings.gp_web_url, settings.secret_key, item["escalation_id"], action,
                       note.recipient)
            lines.append(f"  {label}: {url}")
    lines += [
        "",
        "The next module opens for each patient when you record the follow-up, "
        "or after the practice's waiting time.",
    ]
    return OutgoingMessage(
        notification_id=note.id,
        idempotency_key=note.idempotency_key,
        channel=note.channel,
        recipient=note.recipient,
        subject=f"[ROUTINE] {len(items)} follow-up(s) due",
        text="\n".join(lines),
        urgency="routine",
    )

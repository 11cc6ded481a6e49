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

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.texts import gp_line
from bot.core.dates import format_date
from bot.core.language import gp_language, practice_language
from bot.core.settings import Settings
from bot.db.tables import Escalation, Gp, Notification, Patient, Practice
from bot.escalation.links import ack_callback_data, link

KINDS = ("risk", "deterioration", "followup_due", "disengaged", "program_finished",
         "new_patient", "withdrawn", "erasure_requested", "digest")
CATEGORIES = ("active_ideation", "passive_ideation", "plan_or_intent", "self_harm",
              "harm_to_others", "abuse")


def kind_label(kind: str, lang: str = "en") -> str:
    return gp_line(lang, f"kind_{kind}") if kind in KINDS else kind


def what_to_do(kind: str, lang: str = "en") -> str:
    return gp_line(lang, f"todo_{kind}") if kind in KINDS else gp_line(lang, "todo_other")


def category_label(category: str | None, lang: str = "en") -> str:
    if category in CATEGORIES:
        return gp_line(lang, f"category_{category}")
    return (category or gp_line(lang, "category_risk")).replace("_", " ")


def summary_for(esc: Escalation, lang: str = "en") -> str:
    """The escalation's one-line summary in ``lang``: from the key it was raised with
    (details.say), else the English text stored with it (older rows)."""
    say = (esc.details or {}).get("say")
    if not isinstance(say, dict) or "key" not in say:
        return esc.summary
    values = dict(say.get("values") or {})
    if "category" in values:
        values["category"] = category_label(values["category"], lang)
    try:
        return gp_line(lang, str(say["key"]), **values)
    except (KeyError, IndexError, ValueError):
        return esc.summary


def recipient_language(session: Session, recipient: str, gp: Gp | None,
                       practice: Practice | None) -> str:
    """The language of whoever a notification goes to: the GP it names (by e-mail or
    Telegram chat), else the practice's (a fallback contact)."""
    if gp is not None and recipient in (gp.email, gp.telegram_chat_id):
        return gp_language(gp)
    other = session.execute(select(Gp).where(
        (Gp.email == recipient) | (Gp.telegram_chat_id == recipient))).scalars().first()
    return gp_language(other) if other is not None else practice_language(practice)


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


def local_time(when: datetime, tz: str, lang: str = "en") -> str:
    local = when.astimezone(ZoneInfo(tz))
    return gp_line(lang, "local_time", time=f"{local:%H:%M}",
                   date=format_date(local, lang, "short"), tz=tz)


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
    lang = recipient_language(session, note.recipient, gp, practice)

    def say(key: str, **values: object) -> str:
        return gp_line(lang, key, **values)

    if esc.kind == "digest":
        return _digest(esc, note, settings, clinical, lang)

    ref = patient.ref if patient else say("unknown_patient")
    label = kind_label(esc.kind, lang)
    urgency = say(f"urgency_{esc.urgency}") if esc.urgency in ("urgent", "soon", "routine") \
        else esc.urgency.upper()
    subject = say("subject", urgency=urgency, ref=ref, label=label)
    lines: list[str] = []
    if stage == "reminder1":
        subject = say("subject_reminder", subject=subject)
        lines.append(say("reminder_line"))
    elif stage == "failover":
        subject = say("subject_failover", subject=subject)
        who = gp.name if gp else say("failover_who_unknown")
        lines.append(say("failover_line", who=who))
    greeting = say("greeting", name=gp.name) if (gp and stage != "failover") \
        else say("greeting_doctor")
    headline = (say("headline_with_gp", urgency=urgency, label=label, ref=ref, gp=gp.name)
                if gp else say("headline", urgency=urgency, label=label, ref=ref))
    lines += [greeting, "", headline, say("what_to_do", todo=what_to_do(esc.kind, lang))]
    if esc.ack_deadline is not None and esc.status == "open":
        when = local_time(esc.ack_deadline, tz, lang)
        lines.append(say("ack_by_urgent", when=when) if esc.urgency == "urgent"
                     else say("ack_by", when=when))
    if clinical:
        lines += ["", say("summary_line", summary=summary_for(esc, lang))]
        evidence = (esc.details or {}).get("evidence")
        if evidence and note.channel == "email":
            lines.append(say("detail_line", detail=evidence))
    else:
        lines += ["", say("no_clinical_detail")]
    links = {
        say("link_brief"): link(base, secret, esc.id, "brief", note.recipient),
        say("link_ack"): link(base, secret, esc.id, "ack", note.recipient),
    }
    if esc.kind in ("followup_due", "program_finished"):
        links[say("link_followup")] = link(base, secret, esc.id, "followup", note.recipient)
    lines.append("")
    lines += [f"{k}: {v}" for k, v in links.items()]
    lines += ["", say("server_line", id=esc.id)]
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
    esc: Escalation, note: Notification, settings: Settings, clinical: bool, lang: str = "en"
) -> OutgoingMessage:
    def say(key: str, **values: object) -> str:
        return gp_line(lang, key, **values)

    items = list((esc.details or {}).get("items", []))
    name = esc.details.get("gp_name")
    lines = [
        say("greeting", name=name) if name else say("greeting_doctor"),
        "",
        say("digest_intro", count=len(items)),
    ]
    for item in items:
        state = say("digest_overdue") if item.get("overdue") else say("digest_due")
        label = kind_label(item["kind"], lang) if item.get("kind") else item["label"]
        lines.append(say("digest_item", ref=item["ref"], label=label, since=item["since"],
                         state=state))
        for key, action in (("digest_brief", "brief"), ("digest_record", "followup")):
            url = link(settings.gp_web_url, settings.secret_key, item["escalation_id"], action,
                       note.recipient)
            lines.append(f"  {say(key)}: {url}")
    lines += ["", say("digest_footer")]
    return OutgoingMessage(
        notification_id=note.id,
        idempotency_key=note.idempotency_key,
        channel=note.channel,
        recipient=note.recipient,
        subject=say("digest_subject", count=len(items)),
        text="\n".join(lines),
        urgency="routine",
    )

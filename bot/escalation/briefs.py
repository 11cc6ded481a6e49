"""The follow-up brief: what a GP reads in two minutes before a 10-15 minute
consultation, for followup_due and program_finished escalations (and, shorter, for
the others). Rendered as plain text (CLI, e-mail when clinical detail is allowed) and
HTML (the GP web page, with a small PHQ-9 chart)."""

from __future__ import annotations

import base64
import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.checkins import instruments as ins
from bot.checkins.history import completed
from bot.content import ContentRepository
from bot.db.models import (
    AuditLog,
    Escalation,
    Gp,
    ModuleProgress,
    Patient,
    RiskEvent,
    WorkbookEntry,
)
from bot.escalation.compose import KIND_LABEL, WHAT_TO_DO
from bot.escalation.followups import last_followup

log = logging.getLogger(__name__)

MOOD_DAYS = 14  # the daily mood ratings and two-question checks a brief summarises
RECENT_ENTRIES = 8  # workbook entries in a brief without a module


def _parse_time(value: object) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass
class Brief:
    escalation_id: int
    title: str
    kind: str
    urgency: str
    status: str
    patient_ref: str
    gp_name: str
    created_at: datetime
    what_to_do: str
    summary: str
    module_title: str | None = None
    key_points: list[str] = field(default_factory=list)
    watch_for: list[str] = field(default_factory=list)
    agenda: list[tuple[int, str]] = field(default_factory=list)
    workbook: list[tuple[str, str]] | None = None  # (prompt, answer); None: not shared
    workbook_scope: str = "this module"  # or "the last 14 days" for a brief without a module
    phq9: list[tuple[datetime, int]] = field(default_factory=list)
    phq2: list[tuple[datetime, int, bool]] = field(default_factory=list)  # when, total, positive
    mood: list[tuple[datetime, int]] = field(default_factory=list)  # the last MOOD_DAYS
    risks: list[tuple[datetime, str, str]] = field(default_factory=list)  # when, category, answer
    # Asked directly about suicide or self-harm (the decision was unsure) and said no.
    declined: list[tuple[datetime, str | None]] = field(default_factory=list)  # when, category
    modules_done: int = 0
    modules_total: int = 0
    steps_done: int = 0
    days_active: int = 0
    next_module: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    timezone: str = "UTC"  # the practice's: every time in the brief is shown in it
    contact_route: str | None = None  # None: not given at invite
    # The risk event a risk brief is about: what was read, and what was said around it.
    risk_at: datetime | None = None
    risk_category: str | None = None
    risk_evidence: list[str] = field(default_factory=list)
    risk_where: str | None = None
    risk_answer: str | None = None
    transcript: list[tuple[datetime | None, str, str]] = field(default_factory=list)  # when, who, text


def phq9_trend(session: Session, patient_id: int) -> list[tuple[datetime, int]]:
    return completed(session, patient_id, ins.PHQ9)


def build_brief(session: Session, content: ContentRepository, esc: Escalation) -> Brief:
    patient = session.get(Patient, esc.patient_id) if esc.patient_id else None
    gp = session.get(Gp, esc.gp_id) if esc.gp_id else None
    brief = Brief(
        escalation_id=esc.id,
        title=f"{KIND_LABEL.get(esc.kind, esc.kind).capitalize()}",
        kind=esc.kind,
        urgency=esc.urgency,
        status=esc.status,
        patient_ref=patient.ref if patient else "-",
        gp_name=gp.name if gp else "-",
        created_at=esc.created_at,
        what_to_do=WHAT_TO_DO.get(esc.kind, ""),
        summary=esc.summary,
        details=dict(esc.details or {}),
    )
    if gp is not None and gp.practice is not None:
        brief.timezone = gp.practice.timezone or "UTC"
    if esc.risk_event_id:
        event = session.get(RiskEvent, esc.risk_event_id)
        if event is not None:
            brief.risk_at = event.detected_at
            brief.risk_category = event.category
            brief.risk_evidence = [str(x) for x in (event.evidence or [])]
            brief.risk_where = event.context
            brief.risk_answer = event.safety_answer
            brief.transcript = [(_parse_time(t.get("at")), str(t.get("who", "")), str(t.get("text", "")))
                                for t in (event.transcript or [])]
            if not brief.transcript:  # an event from before transcripts were kept
                brief.transcript = [(event.detected_at, "patient", event.message_text)]
    if patient is None:
        return brief
    brief.contact_route = patient.contact_route
    program = content.program(patient.language)
    module_id = brief.details.get("module_id")
    if module_id and program.has_module(module_id):
        module = program.module(module_id)
        brief.module_title = f"Module {module.order}: {module.title}"
        brief.key_points = list(module.gp.key_points)
        brief.watch_for = list(module.gp.watch_for)
        brief.agenda = [(a.minutes, a.item) for a in module.gp.agenda]
        nxt = next((m for m in program.modules if m.order > module.order), None)
        brief.next_module = f"Module {nxt.order}: {nxt.title} - {nxt.summary}" if nxt else None
        if patient.share_workbook:
            entries = session.execute(
                select(WorkbookEntry)
                .where(WorkbookEntry.patient_id == patient.id, WorkbookEntry.module_id == module_id)
                .order_by(WorkbookEntry.created_at, WorkbookEntry.id)
            ).scalars()
            brief.workbook = [
                (e.prompt, e.answer if e.answer is not None else "(skipped)") for e in entries
            ]
    elif patient.share_workbook:
        # No module (a risk or deterioration brief): what the patient wrote lately, in
        # any module; an exercise answer may hold what matters most.
        brief.workbook_scope = f"the last {MOOD_DAYS} days"
        entries = session.execute(
            select(WorkbookEntry)
            .where(WorkbookEntry.patient_id == patient.id,
                   WorkbookEntry.created_at >= esc.created_at - timedelta(days=MOOD_DAYS))
            .order_by(WorkbookEntry.created_at.desc(), WorkbookEntry.id.desc()).limit(RECENT_ENTRIES)
        ).scalars().all()
        brief.workbook = [(e.prompt, e.answer if e.answer is not None else "(skipped)")
                          for e in reversed(entries)]
    if not brief.agenda:
        brief.agenda = _default_agenda(esc.kind)
    brief.phq9 = phq9_trend(session, patient.id)
    recent = esc.created_at - timedelta(days=MOOD_DAYS)
    brief.mood = completed(session, patient.id, ins.MOOD, recent)
    brief.phq2 = [(w, t, t >= ins.PHQ2_POSITIVE)
                  for w, t in completed(session, patient.id, ins.PHQ2, recent)]
    since = last_followup(session, patient.id)
    q = select(RiskEvent).where(RiskEvent.patient_id == patient.id)
    if since is not None:
        q = q.where(RiskEvent.detected_at > since.recorded_at)
    brief.risks = [
        (r.detected_at, r.category, r.safety_answer or "not answered")
        for r in session.execute(q.order_by(RiskEvent.detected_at)).scalars()
    ]
    asked = select(AuditLog).where(AuditLog.patient_id == patient.id,
                                   AuditLog.action == "risk_question_declined")
    if since is not None:
        asked = asked.where(AuditLog.at > since.recorded_at)
    brief.declined = [(a.at, (a.details or {}).get("category"))
                      for a in session.execute(asked.order_by(AuditLog.at)).scalars()]
    rows = (
        session.execute(select(ModuleProgress).where(ModuleProgress.patient_id == patient.id))
        .scalars()
        .all()
    )
    brief.modules_done = sum(1 for r in rows if r.status == "finished")
    brief.modules_total = len(program.modules)
    brief.steps_done = sum(r.steps_done for r in rows)
    days = (
        session.execute(
            select(AuditLog.at).where(
                AuditLog.patient_id == patient.id, AuditLog.actor == f"patient:{patient.ref}"
            )
        )
        .scalars()
        .all()
    )
    brief.days_active = len({d.date() for d in days})
    if brief.days_active == 0:
        brief.days_active = session.execute(
            select(func.count(func.distinct(func.date(WorkbookEntry.created_at)))).where(
                WorkbookEntry.patient_id == patient.id
            )
        ).scalar_one()
    return brief


def _default_agenda(kind: str) -> list[tuple[int, str]]:
    if kind == "risk":
        return [
            (5, "Ask directly about suicidal thoughts, plans and means"),
            (5, "Agree a safety plan and who the patient can contact"),
            (3, "Decide on referral or urgent review"),
        ]
    if kind == "deterioration":
        return [
            (4, "Review the PHQ-9 trend and what changed"),
            (5, "Screen for risk"),
            (4, "Consider stepping up care (therapy referral, medication review)"),
        ]
    return [
        (3, "How has the program been going?"),
        (5, "Barriers and what helped"),
        (3, "Agree the next step"),
    ]


# ---- rendering -----------------------------------------------------------------
def _about(category: str | None) -> str:
    return f" (after a message that read as possible {category.replace('_', ' ')})" if category else ""


def _fmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


def _local(b: Brief, when: datetime | None) -> str:
    """A time in the practice's timezone: "2026-12-03 14:02"."""
    if when is None:
        return "(time unknown)"
    try:
        zone = ZoneInfo(b.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")


ANSWER_LABEL = {"safe": "said they are safe", "not_safe": "said they are NOT safe",
                "unclear": "answered unclearly (asked again)", None: "has not answered yet"}


def contact_line(b: Brief) -> str:
    return ("How to reach the patient: " + b.contact_route if b.contact_route else
            "How to reach the patient: no contact route was given at invite; use the practice record.")


def risk_facts(b: Brief) -> list[str]:
    """What was read as risk, when and where, and why."""
    facts = [f"Read as: {(b.risk_category or 'risk').replace('_', ' ')}, {_local(b, b.risk_at)} "
             f"({b.timezone})" + (f", during {b.risk_where.replace('_', ' ')}" if b.risk_where else "")]
    if b.risk_evidence:
        facts.append("Why: " + "; ".join(b.risk_evidence[:4]))
    return facts


def answer_line(b: Brief) -> str:
    return f"Asked \"are you safe right now?\": the patient {ANSWER_LABEL.get(b.risk_answer, b.risk_answer)}."


def _clock(b: Brief, when: datetime | None) -> str:
    return _local(b, when)[11:] if when else "--:--"


def risk_lines(b: Brief) -> list[str]:
    """What the GP needs to act on a risk: what was read, when, where, the words
    around it with times, what the bot did and what the patient answered."""
    if b.risk_at is None:
        return []
    return [*risk_facts(b), f"The conversation (times {b.timezone}):",
            *[f"  {_clock(b, w)}  {who}: {text}" for w, who, text in b.transcript], answer_line(b)]


def render_text(b: Brief) -> str:
    out = [
        f"{b.title} - patient {b.patient_ref} (escalation #{b.escalation_id})",
        f"Urgency: {b.urgency}   status: {b.status}   GP: {b.gp_name}   "
        f"raised: {_local(b, b.created_at)} ({b.timezone})",
        f"What to do: {b.what_to_do}",
        f"Summary: {b.summary}",
        "",
    ]
    if b.risk_at is not None:
        out += [*risk_lines(b), contact_line(b), ""]
    if b.module_title:
        out += [b.module_title, "Key points:"] + [f"  - {p}" for p in b.key_points]
        if b.watch_for:
            out += ["Watch for:"] + [f"  - {w}" for w in b.watch_for]
        out.append("")
    out.append(f"Suggested agenda ({sum(m for m, _ in b.agenda)} minutes):")
    out += [f"  {m:>2} min  {item}" for m, item in b.agenda]
    out.append("")
    if b.workbook is None:
        out.append("Workbook: the patient chose not to share it.")
    elif b.workbook:
        out.append(f"What the patient wrote ({b.workbook_scope}):")
        for prompt, answer in b.workbook:
            out += [f"  Q: {prompt.strip()}", f"  A: {answer.strip()}"]
    else:
        out.append(f"Workbook (shared): nothing written in {b.workbook_scope}.")
    out.append("")
    out.append("PHQ-9 trend:" if b.phq9 else "PHQ-9: no check-ins yet.")
    out += [f"  {_fmt(w)}  {s:>2}" for w, s in b.phq9]
    out.append(mood_line(b))
    out += [f"Two-question check (PHQ-2) {_fmt(w)}: {t}/6, "
            f"{'positive' if p else 'negative'} screen" for w, t, p in b.phq2]
    out.append("Risk events since the last follow-up: " + ("none" if not b.risks else ""))
    out += [f"  {_fmt(w)}  {cat.replace('_', ' ')}  (safe now? {ans})" for w, cat, ans in b.risks]
    out += [f"Asked directly about suicide or self-harm {_fmt(w)}{_about(c)}: said no"
            for w, c in b.declined]
    out += [
        f"Adherence: {b.modules_done}/{b.modules_total} modules, {b.steps_done} steps done, "
        f"active on {b.days_active} day(s)."
    ]
    if b.next_module:
        out.append(f"Next: {b.next_module}")
    if b.kind == "deterioration" and b.details.get("evidence"):
        out.append(f"Detector evidence: {b.details.get('evidence')}")
    return "\n".join(out)


def mood_line(b: Brief) -> str:
    if not b.mood:
        return f"Daily mood: no ratings in the last {MOOD_DAYS} days."
    ratings = [r for _, r in b.mood]
    return (f"Daily mood, last {MOOD_DAYS} days: average {sum(ratings) / len(ratings):.1f}/10 "
            f"from {len(ratings)} rating(s), lowest {min(ratings)}, latest {ratings[-1]}.")


def phq9_chart_png(points: list[tuple[datetime, int]]) -> bytes | None:
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bot.checkins.trend import figure_png, shade_phq9_bands

    fig, ax = plt.subplots(figsize=(4, 1.8), dpi=100)
    try:
        shade_phq9_bands(ax)
        ax.plot([w for w, _ in points], [s for _, s in points], marker="o", color="#1a237e")
        return figure_png(fig)
    finally:
        plt.close(fig)


def render_html(b: Brief, links: dict[str, str] | None = None) -> str:
    e = html.escape
    parts = [
        f"<h1>{e(b.title)} &ndash; {e(b.patient_ref)}</h1>",
        f"<p><b>{e(b.urgency.upper())}</b> &middot; status {e(b.status)} &middot; GP {e(b.gp_name)}"
        f" &middot; raised {_local(b, b.created_at)} ({e(b.timezone)}) &middot; escalation #{b.escalation_id}</p>",
        f"<p class=todo><b>What to do:</b> {e(b.what_to_do)}</p>",
        f"<p>{e(b.summary)}</p>",
    ]
    if b.risk_at is not None:
        parts.append("<h2>What happened</h2>" + "".join(f"<p>{e(x)}</p>" for x in risk_facts(b)))
        parts.append(f"<h3>The conversation (times {e(b.timezone)})</h3><table>" + "".join(
            f"<tr><td>{e(_clock(b, w))}</td><td>{e(who)}</td><td>{e(text)}</td></tr>"
            for w, who, text in b.transcript) + "</table>")
        parts.append(f"<p><b>{e(answer_line(b))}</b></p>")
        parts.append(f"<p class=todo><b>{e(contact_line(b))}</b></p>")
    if links:
        parts.append(
            "<p>"
            + " &middot; ".join(f'<a href="{e(u)}">{e(k)}</a>' for k, u in links.items())
            + "</p>"
        )
    if b.module_title:
        parts.append(
            f"<h2>{e(b.module_title)}</h2><ul>"
            + "".join(f"<li>{e(p)}</li>" for p in b.key_points)
            + "</ul>"
        )
        if b.watch_for:
            parts.append(
                "<h3>Watch for</h3><ul>"
                + "".join(f"<li>{e(w)}</li>" for w in b.watch_for)
                + "</ul>"
            )
    parts.append(
        f"<h2>Suggested agenda ({sum(m for m, _ in b.agenda)} min)</h2><ol>"
        + "".join(f"<li>{m} min: {e(i)}</li>" for m, i in b.agenda)
        + "</ol>"
    )
    parts.append("<h2>Workbook</h2>")
    if b.workbook is None:
        parts.append("<p>The patient chose not to share their workbook.</p>")
    elif not b.workbook:
        parts.append(f"<p>Shared; nothing written in {e(b.workbook_scope)}.</p>")
    else:
        parts.append(
            f"<p>What the patient wrote ({e(b.workbook_scope)}):</p><dl>"
            + "".join(f"<dt>{e(p)}</dt><dd>{e(a)}</dd>" for p, a in b.workbook) + "</dl>"
        )
    parts.append("<h2>PHQ-9</h2>")
    if not b.phq9:
        parts.append("<p>No check-ins yet.</p>")
    else:
        parts.append(
            "<table><tr><th>date</th><th>score</th></tr>"
            + "".join(f"<tr><td>{_fmt(w)}</td><td>{s}</td></tr>" for w, s in b.phq9)
            + "</table>"
        )
        png = phq9_chart_png(b.phq9)
        if png:
            parts.append(
                f'<img alt="PHQ-9 trend" src="data:image/png;base64,'
                f'{base64.b64encode(png).decode()}">'
            )
    parts.append(f"<p>{e(mood_line(b))}</p>")
    if b.phq2:
        parts.append("<ul>" + "".join(
            f"<li>Two-question check (PHQ-2) {_fmt(w)}: {t}/6, "
            f"{'positive' if p else 'negative'} screen</li>" for w, t, p in b.phq2) + "</ul>")
    parts.append("<h2>Risk events since the last follow-up</h2>")
    parts.append(
        "<p>None.</p>"
        if not b.risks
        else "<ul>"
        + "".join(
            f"<li>{_fmt(w)}: {e(c.replace('_', ' '))} (safe now? {e(a)})</li>"
            for w, c, a in b.risks
        )
        + "</ul>"
    )
    if b.declined:
        parts.append("<p>Asked directly about suicide or self-harm and said no:</p><ul>" + "".join(
            f"<li>{_fmt(w)}{e(_about(c))}</li>" for w, c in b.declined) + "</ul>")
    parts.append(
        f"<h2>Adherence</h2><p>{b.modules_done}/{b.modules_total} modules, "
        f"{b.steps_done} steps done, active on {b.days_active} day(s).</p>"
    )
    if b.next_module:
        parts.append(f"<h2>Next module</h2><p>{e(b.next_module)}</p>")
    return page(f"Brief {b.patient_ref}", "\n".join(parts))


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<meta name=robots content=noindex><title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:1em auto;"
        "padding:0 1em;line-height:1.4}.todo{background:#fff8e1;padding:.5em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}</style>"
        f"</head><body>{body}</body></html>"
    )

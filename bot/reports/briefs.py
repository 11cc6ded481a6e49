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
from bot.content.texts import gp_line
from bot.core.language import gp_language
from bot.db.actors import patient_actor
from bot.db.tables import (
    AuditLog,
    Escalation,
    Gp,
    ModuleProgress,
    Patient,
    RiskEvent,
    WorkbookEntry,
)
from bot.escalation.compose import category_label, kind_label, summary_for, what_to_do
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
    lang: str = "en"  # the reading GP's (bot.core.language.gp_language)

    def say(self, key: str, **values: object) -> str:
        return gp_line(self.lang, key, **values)


def phq9_trend(session: Session, patient_id: int) -> list[tuple[datetime, int]]:
    return completed(session, patient_id, ins.PHQ9)


def build_brief(session: Session, content: ContentRepository, esc: Escalation,
                lang: str | None = None) -> Brief:
    """The brief for ``esc`` in ``lang`` (default: the language of the patient's GP)."""
    patient = session.get(Patient, esc.patient_id) if esc.patient_id else None
    gp = session.get(Gp, esc.gp_id) if esc.gp_id else None
    lang = lang or gp_language(gp)
    label = kind_label(esc.kind, lang)
    brief = Brief(
        escalation_id=esc.id,
        title=label[:1].upper() + label[1:],
        kind=esc.kind,
        urgency=esc.urgency,
        status=esc.status,
        patient_ref=patient.ref if patient else "-",
        gp_name=gp.name if gp else "-",
        created_at=esc.created_at,
        what_to_do=what_to_do(esc.kind, lang) if esc.kind in _KINDS_WITH_TODO else "",
        summary=summary_for(esc, lang),
        details=dict(esc.details or {}),
        lang=lang,
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
    program = content.program(lang)  # the GP section in the GP's language
    module_id = brief.details.get("module_id")
    skipped = brief.say("workbook_skipped")
    if module_id and program.has_module(module_id):
        module = program.module(module_id)
        brief.module_title = brief.say("brief_module", order=module.order, title=module.title)
        brief.key_points = list(module.gp.key_points)
        brief.watch_for = list(module.gp.watch_for)
        brief.agenda = [(a.minutes, a.item) for a in module.gp.agenda]
        nxt = next((m for m in program.modules if m.order > module.order), None)
        brief.next_module = brief.say("brief_next_module", order=nxt.order, title=nxt.title,
                                      summary=nxt.summary) if nxt else None
        brief.workbook_scope = brief.say("workbook_scope_module")
        if patient.share_workbook:
            entries = session.execute(
                select(WorkbookEntry)
                .where(WorkbookEntry.patient_id == patient.id, WorkbookEntry.module_id == module_id)
                .order_by(WorkbookEntry.created_at, WorkbookEntry.id)
            ).scalars()
            brief.workbook = [
                (e.prompt, e.answer if e.answer is not None else skipped) for e in entries
            ]
    elif patient.share_workbook:
        # No module (a risk or deterioration brief): what the patient wrote lately, in
        # any module; an exercise answer may hold what matters most.
        brief.workbook_scope = brief.say("workbook_scope_days", days=MOOD_DAYS)
        entries = session.execute(
            select(WorkbookEntry)
            .where(WorkbookEntry.patient_id == patient.id,
                   WorkbookEntry.created_at >= esc.created_at - timedelta(days=MOOD_DAYS))
            .order_by(WorkbookEntry.created_at.desc(), WorkbookEntry.id.desc()).limit(RECENT_ENTRIES)
        ).scalars().all()
        brief.workbook = [(e.prompt, e.answer if e.answer is not None else skipped)
                          for e in reversed(entries)]
    if not brief.agenda:
        brief.agenda = _default_agenda(esc.kind, lang)
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
                AuditLog.patient_id == patient.id, AuditLog.actor == patient_actor(patient)
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


_KINDS_WITH_TODO = ("risk", "deterioration", "followup_due", "disengaged", "program_finished",
                    "new_patient", "withdrawn", "digest")


def _default_agenda(kind: str, lang: str = "en") -> list[tuple[int, str]]:
    which = kind if kind in ("risk", "deterioration") else "default"
    minutes = {"risk": (5, 5, 3), "deterioration": (4, 5, 4), "default": (3, 5, 3)}[which]
    return [(m, gp_line(lang, f"agenda_{which}_{i}")) for i, m in enumerate(minutes, 1)]


# ---- rendering -----------------------------------------------------------------
def _about(b: Brief, category: str | None) -> str:
    return b.say("declined_about", category=category_label(category, b.lang)) if category else ""


def _fmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


def _local(b: Brief, when: datetime | None) -> str:
    """A time in the practice's timezone: "2026-12-03 14:02"."""
    if when is None:
        return b.say("time_unknown")
    try:
        zone = ZoneInfo(b.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")


ANSWER_KEY = {"safe": "answer_safe", "not_safe": "answer_not_safe",
              "unclear": "answer_unclear", None: "answer_none"}


def _answer(b: Brief, answer: str | None) -> str:
    key = ANSWER_KEY.get(answer)
    return b.say(key) if key else str(answer)


def _short_answer(b: Brief, answer: str | None) -> str:
    key = {"safe": "risk_answer_safe", "not_safe": "risk_answer_not_safe",
           "unclear": "risk_answer_unclear", "not answered": "risk_answer_none"}.get(answer or "")
    return b.say(key) if key else str(answer)


def contact_line(b: Brief) -> str:
    return (b.say("contact_route", route=b.contact_route) if b.contact_route
            else b.say("contact_none"))


def risk_facts(b: Brief) -> list[str]:
    """What was read as risk, when and where, and why."""
    category = category_label(b.risk_category, b.lang)
    when = _local(b, b.risk_at)
    facts = [b.say("read_as_where", category=category, when=when, tz=b.timezone,
                   where=b.risk_where.replace("_", " ")) if b.risk_where
             else b.say("read_as", category=category, when=when, tz=b.timezone)]
    if b.risk_evidence:
        facts.append(b.say("why", why="; ".join(b.risk_evidence[:4])))
    return facts


def answer_line(b: Brief) -> str:
    return b.say("asked_safe", answer=_answer(b, b.risk_answer))


def _clock(b: Brief, when: datetime | None) -> str:
    return _local(b, when)[11:] if when else "--:--"


def _said(b: Brief, who: str, text: str) -> str:
    """A transcript line; the bot's own summary of its crisis reply in the GP's words
    (stored in English, as gp.yaml's bot_did)."""
    return b.say("bot_did") if who == "bot" and text == gp_line("en", "bot_did") else text


def _who(b: Brief, who: str) -> str:
    return b.say(f"who_{who}") if who in ("patient", "bot") else who


def risk_lines(b: Brief) -> list[str]:
    """What the GP needs to act on a risk: what was read, when, where, the words
    around it with times, what the bot did and what the patient answered."""
    if b.risk_at is None:
        return []
    return [*risk_facts(b), b.say("conversation", tz=b.timezone),
            *[f"  {_clock(b, w)}  {_who(b, who)}: {_said(b, who, text)}"
              for w, who, text in b.transcript],
            answer_line(b)]


def _status(b: Brief) -> str:
    return b.say(f"status_{b.status}") if b.status in ("open", "acknowledged", "closed") \
        else b.status


def _phq2(b: Brief, when: datetime, total: int, positive: bool) -> str:
    return b.say("phq2_line", date=_fmt(when), total=total,
                 screen=b.say("phq2_positive" if positive else "phq2_negative"))


def _adherence(b: Brief) -> str:
    return b.say("adherence", done=b.modules_done, total=b.modules_total, steps=b.steps_done,
                 days=b.days_active)


def render_text(b: Brief) -> str:
    say = b.say
    out = [
        say("brief_heading", title=b.title, ref=b.patient_ref, id=b.escalation_id),
        say("brief_facts", urgency=b.urgency, status=_status(b), gp=b.gp_name,
            when=_local(b, b.created_at), tz=b.timezone),
        say("what_to_do", todo=b.what_to_do),
        say("summary_line", summary=b.summary),
        "",
    ]
    if b.risk_at is not None:
        out += [*risk_lines(b), contact_line(b), ""]
    if b.module_title:
        out += [b.module_title, say("key_points")] + [f"  - {p}" for p in b.key_points]
        if b.watch_for:
            out += [say("watch_for") + ":"] + [f"  - {w}" for w in b.watch_for]
        out.append("")
    out.append(say("agenda", minutes=sum(m for m, _ in b.agenda)) + ":")
    out += [f"  {m:>2} min  {item}" for m, item in b.agenda]
    out.append("")
    if b.workbook is None:
        out.append(say("workbook_not_shared_line"))
    elif b.workbook:
        out.append(say("workbook_wrote", scope=b.workbook_scope))
        for prompt, answer in b.workbook:
            out += [f"  {say('question', text=prompt.strip())}",
                    f"  {say('answer', text=answer.strip())}"]
    else:
        out.append(say("workbook_empty_line", scope=b.workbook_scope))
    out.append("")
    out.append(say("phq9_trend") if b.phq9 else say("phq9_none_text"))
    out += [f"  {_fmt(w)}  {s:>2}" for w, s in b.phq9]
    out.append(mood_line(b))
    out += [_phq2(b, w, t, p) for w, t, p in b.phq2]
    out.append(f"{say('risks_heading')}: " + (say("risks_none") if not b.risks else ""))
    out += ["  " + say("risk_item", date=_fmt(w), category=category_label(cat, b.lang),
                       answer=_short_answer(b, ans)) for w, cat, ans in b.risks]
    out += [say("declined_item", date=_fmt(w), about=_about(b, c)) for w, c in b.declined]
    out.append(f"{say('adherence_heading')}: {_adherence(b)}")
    if b.next_module:
        out.append(say("next_line", module=b.next_module))
    if b.kind == "deterioration" and b.details.get("evidence"):
        out.append(say("detector_evidence", evidence=b.details.get("evidence")))
    return "\n".join(out)


def mood_line(b: Brief) -> str:
    if not b.mood:
        return b.say("mood_none", days=MOOD_DAYS)
    ratings = [r for _, r in b.mood]
    return b.say("mood_line", days=MOOD_DAYS, average=f"{sum(ratings) / len(ratings):.1f}",
                 count=len(ratings), lowest=min(ratings), latest=ratings[-1])


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
    say = b.say
    parts = [
        f"<h1>{e(b.title)} &ndash; {e(b.patient_ref)}</h1>",
        "<p>" + e(say("brief_facts_html", urgency="\0", status=_status(b), gp=b.gp_name,
                      when=_local(b, b.created_at), tz=b.timezone, id=b.escalation_id)
                  ).replace("\0", f"<b>{e(b.urgency.upper())}</b>", 1) + "</p>",
        f"<p class=todo><b>{e(say('what_to_do', todo='').rstrip())}</b> {e(b.what_to_do)}</p>",
        f"<p>{e(b.summary)}</p>",
    ]
    if b.risk_at is not None:
        parts.append(f"<h2>{e(say('what_happened'))}</h2>"
                     + "".join(f"<p>{e(x)}</p>" for x in risk_facts(b)))
        parts.append(f"<h3>{e(say('conversation', tz=b.timezone).rstrip(':'))}</h3><table>"
                     + "".join(f"<tr><td>{e(_clock(b, w))}</td><td>{e(_who(b, who))}</td>"
                               f"<td>{e(_said(b, who, text))}</td></tr>"
                               for w, who, text in b.transcript)
                     + "</table>")
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
                f"<h3>{e(say('watch_for'))}</h3><ul>"
                + "".join(f"<li>{e(w)}</li>" for w in b.watch_for)
                + "</ul>"
            )
    parts.append(
        f"<h2>{e(say('agenda', minutes=sum(m for m, _ in b.agenda)))}</h2><ol>"
        + "".join(f"<li>{e(say('agenda_item', minutes=m, item=i))}</li>" for m, i in b.agenda)
        + "</ol>"
    )
    parts.append(f"<h2>{e(say('workbook'))}</h2>")
    if b.workbook is None:
        parts.append(f"<p>{e(say('workbook_not_shared'))}</p>")
    elif not b.workbook:
        parts.append(f"<p>{e(say('workbook_empty', scope=b.workbook_scope))}</p>")
    else:
        parts.append(
            f"<p>{e(say('workbook_wrote', scope=b.workbook_scope))}</p><dl>"
            + "".join(f"<dt>{e(p)}</dt><dd>{e(a)}</dd>" for p, a in b.workbook) + "</dl>"
        )
    parts.append(f"<h2>{e(say('phq9'))}</h2>")
    if not b.phq9:
        parts.append(f"<p>{e(say('phq9_none'))}</p>")
    else:
        parts.append(
            f"<table><tr><th>{e(say('date'))}</th><th>{e(say('score'))}</th></tr>"
            + "".join(f"<tr><td>{_fmt(w)}</td><td>{s}</td></tr>" for w, s in b.phq9)
            + "</table>"
        )
        png = phq9_chart_png(b.phq9)
        if png:
            parts.append(
                f'<img alt="{e(say("phq9_trend").rstrip(":"))}" src="data:image/png;base64,'
                f'{base64.b64encode(png).decode()}">'
            )
    parts.append(f"<p>{e(mood_line(b))}</p>")
    if b.phq2:
        parts.append("<ul>" + "".join(f"<li>{e(_phq2(b, w, t, p))}</li>" for w, t, p in b.phq2)
                     + "</ul>")
    parts.append(f"<h2>{e(say('risks_heading'))}</h2>")
    parts.append(
        f"<p>{e(say('risks_none').capitalize())}.</p>"
        if not b.risks
        else "<ul>"
        + "".join(
            "<li>" + e(say("risk_item", date=_fmt(w), category=category_label(c, b.lang),
                           answer=_short_answer(b, a))) + "</li>"
            for w, c, a in b.risks
        )
        + "</ul>"
    )
    if b.declined:
        parts.append(f"<p>{e(say('declined_heading'))}</p><ul>" + "".join(
            f"<li>{_fmt(w)}{e(_about(b, c))}</li>" for w, c in b.declined) + "</ul>")
    parts.append(f"<h2>{e(say('adherence_heading'))}</h2><p>{e(_adherence(b))}</p>")
    if b.next_module:
        parts.append(f"<h2>{e(say('next_heading'))}</h2><p>{e(b.next_module)}</p>")
    return page(say("page_brief_title", ref=b.patient_ref), "\n".join(parts), b.lang)


def page(title: str, body: str, lang: str = "en") -> str:
    return (
        f"<!doctype html><html lang={html.escape(lang)}><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<meta name=robots content=noindex><title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:1em auto;"
        "padding:0 1em;line-height:1.4}.todo{background:#fff8e1;padding:.5em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}</style>"
        f"</head><body>{body}</body></html>"
    )

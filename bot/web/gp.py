"""A small aiohttp app for GPs, reached by the signed links in notifications.

  GET  /brief/<token>     the follow-up brief (HTML)
  GET  /ack/<token>       a confirm button (GET never changes anything: mail scanners
  POST /ack/<token>       prefetch links), POST acknowledges
  GET  /followup/<token>  a small form: date held + short note
  POST /followup/<token>  records the follow-up (unlocks the patient's next module)
  GET  /health

The signed link is the credential: it names one escalation and one action and expires
(see bot.escalation.links). Pages are not cached and not indexed.
"""

from __future__ import annotations

import html
import logging
from datetime import date

from aiohttp import web
from sqlalchemy.orm import Session

from bot.app import Services
from bot.content.texts import gp_line
from bot.core.logs import configure as configure_logging
from bot.db.audit import audit
from bot.db.tables import Escalation, Gp, Practice
from bot.escalation.ack import acknowledge
from bot.escalation.compose import kind_label, recipient_language
from bot.escalation.followups import FollowUpError, record_followup
from bot.escalation.links import LinkClaim, LinkError, link, read_token
from bot.reports.briefs import build_brief, page, render_html

log = logging.getLogger(__name__)
SERVICES = web.AppKey("services", Services)
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", headers=HEADERS)


def _claim(request: web.Request, action: str) -> LinkClaim:
    svc = request.app[SERVICES]
    try:
        return read_token(svc.settings.secret_keys, request.match_info["token"], action)
    except LinkError as exc:
        raise web.HTTPForbidden(text=str(exc)) from exc


def _who(claim: LinkClaim) -> str:
    return f"link:{claim.recipient}"[:100]


def _reader_language(s: Session, esc: Escalation | None, recipient: str) -> str:
    """The language of the GP the link was sent to (their own, else the practice's)."""
    gp = s.get(Gp, esc.gp_id) if esc is not None and esc.gp_id else None
    practice = s.get(Practice, gp.practice_id) if gp is not None else None
    return recipient_language(s, recipient, gp, practice)


def _no_escalation(lang: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=gp_line(lang, "page_not_found"))


async def brief(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "brief")
    with svc.db.session() as s:
        esc = s.get(Escalation, claim.escalation_id)
        lang = _reader_language(s, esc, claim.recipient)
        if esc is None:
            raise _no_escalation(lang)
        b = build_brief(s, svc.content, esc, lang)
        # Every read of patient data is audited: who (the link's recipient), what, when,
        # from where.
        audit(s, svc.clock.now(), _who(claim), "brief_viewed", esc.patient_id,
              escalation_id=esc.id, kind=esc.kind, remote=request.remote or "")
        base, secret = svc.settings.gp_web_url, svc.settings.secret_key
        links = {}
        if esc.status == "open":
            links[gp_line(lang, "link_ack")] = link(base, secret, esc.id, "ack", claim.recipient)
        if esc.kind in ("followup_due", "program_finished"):
            links[gp_line(lang, "link_followup")] = link(base, secret, esc.id, "followup",
                                                         claim.recipient)
        return _html(render_html(b, links))


async def ack_form(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "ack")
    with svc.db.session() as s:
        esc = s.get(Escalation, claim.escalation_id)
        lang = _reader_language(s, esc, claim.recipient)
        if esc is None:
            raise _no_escalation(lang)

        def say(key: str, **values: object) -> str:
            return html.escape(gp_line(lang, key, **values))

        # It says what the escalation is about and how urgent: a read, audited like a brief.
        audit(s, svc.clock.now(), _who(claim), "ack_page_viewed", esc.patient_id,
              escalation_id=esc.id, remote=request.remote or "")
        if esc.status != "open":
            return _html(page(gp_line(lang, "page_acked_title"), "<p>" + say(
                "page_already_acked", id=esc.id,
                who=esc.acknowledged_by or gp_line(lang, "someone")) + "</p>", lang))
        return _html(page(
            gp_line(lang, "page_ack_title"),
            "<p>" + say("page_ack_question", id=esc.id, kind=kind_label(esc.kind, lang),
                        urgency=gp_line(lang, f"urgency_{esc.urgency}") if esc.urgency in
                        ("urgent", "soon", "routine") else esc.urgency) + "</p>"
            f"<form method=post><button type=submit>{say('page_ack_button')}</button></form>",
            lang))


async def ack_post(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "ack")
    with svc.db.session() as s:
        found = s.get(Escalation, claim.escalation_id)
        lang = _reader_language(s, found, claim.recipient)
        if found is None:
            raise _no_escalation(lang)
        esc = acknowledge(s, claim.escalation_id, _who(claim), "link", svc.clock.now())
        return _html(page(gp_line(lang, "page_acked_title"), "<p>" + html.escape(gp_line(
            lang, "page_acked", id=esc.id, who=esc.acknowledged_by or "")) + "</p>", lang))


def _followup_form(esc_id: int, today: date, lang: str, error: str = "") -> str:
    def say(key: str, **values: object) -> str:
        return html.escape(gp_line(lang, key, **values))

    err = f"<p style='color:#b00'>{html.escape(error)}</p>" if error else ""
    return page(
        gp_line(lang, "page_followup_title"),
        f"<h1>{say('page_followup_heading', id=esc_id)}</h1>{err}"
        f"<form method=post><p><label>{say('page_followup_date')} <input type=date name=held_on "
        f"value={today.isoformat()} required></label></p><p><label>{say('page_followup_note')}<br>"
        "<textarea name=note rows=4 cols=50 maxlength=2000></textarea></label></p>"
        f"<p><button type=submit>{say('page_followup_button')}</button></p></form>"
        f"<p>{say('page_followup_opens')}</p>",
        lang,
    )


def _link_language(svc: Services, claim: LinkClaim) -> str:
    with svc.db.session() as s:
        return _reader_language(s, s.get(Escalation, claim.escalation_id), claim.recipient)


async def followup_form(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "followup")
    return _html(_followup_form(claim.escalation_id, svc.clock.now().date(),
                                _link_language(svc, claim)))


async def followup_post(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "followup")
    lang = _link_language(svc, claim)
    form = await request.post()
    try:
        held_on = date.fromisoformat(str(form.get("held_on", "")).strip())
    except ValueError:
        return _html(
            _followup_form(claim.escalation_id, svc.clock.now().date(), lang,
                           gp_line(lang, "page_followup_bad_date")),
            status=400,
        )
    try:
        with svc.db.session() as s:
            fu = record_followup(
                s,
                claim.escalation_id,
                held_on,
                str(form.get("note", "")),
                _who(claim),
                svc.clock.now(),
            )
            text = "<p>" + html.escape(gp_line(lang, "page_recorded",
                                               date=fu.held_on.isoformat())) + "</p>"
    except FollowUpError as exc:
        return _html(
            _followup_form(claim.escalation_id, svc.clock.now().date(), lang, str(exc)),
            status=400,
        )
    return _html(page(gp_line(lang, "page_recorded_title"), text, lang))


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[SERVICES] = services
    app.add_routes(
        [
            web.get("/health", health),
            web.get("/brief/{token}", brief),
            web.get("/ack/{token}", ack_form),
            web.post("/ack/{token}", ack_post),
            web.get("/followup/{token}", followup_form),
            web.post("/followup/{token}", followup_post),
        ]
    )
    return app


def main(port: int | None = None, host: str | None = None) -> int:
    from bot.app import get_services

    services = get_services()
    configure_logging(services.settings.log_level)
    web.run_app(
        make_app(services),
        host=host or services.settings.bind_host,
        port=port or services.settings.gp_web_port,
        print=lambda *_: None,
        access_log=None,
    )
    return 0

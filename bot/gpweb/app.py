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

from bot.app import Services
from bot.audit import audit
from bot.db.models import Escalation
from bot.escalation.ack import acknowledge
from bot.escalation.briefs import build_brief, page, render_html
from bot.escalation.followups import FollowUpError, record_followup
from bot.escalation.links import LinkClaim, LinkError, link, read_token
from bot.logs import configure as configure_logging

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
        return read_token(svc.settings.secret_key, request.match_info["token"], action)
    except LinkError as exc:
        raise web.HTTPForbidden(text=str(exc)) from exc


def _who(claim: LinkClaim) -> str:
    return f"link:{claim.recipient}"[:100]


async def brief(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "brief")
    with svc.db.session() as s:
        esc = s.get(Escalation, claim.escalation_id)
        if esc is None:
            raise web.HTTPNotFound(text="no such escalation")
        b = build_brief(s, svc.content, esc)
        # Every read of patient data is audited: who (the link's recipient), what, when,
        # from where.
        audit(s, svc.clock.now(), _who(claim), "brief_viewed", esc.patient_id,
              escalation_id=esc.id, kind=esc.kind, remote=request.remote or "")
        base, secret = svc.settings.gp_web_url, svc.settings.secret_key
        links = {}
        if esc.status == "open":
            links["Acknowledge"] = link(base, secret, esc.id, "ack", claim.recipient)
        if esc.kind in ("followup_due", "program_finished"):
            links["Record the follow-up"] = link(base, secret, esc.id, "followup", claim.recipient)
        return _html(render_html(b, links))


async def ack_form(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "ack")
    with svc.db.session() as s:
        esc = s.get(Escalation, claim.escalation_id)
        if esc is None:
            raise web.HTTPNotFound(text="no such escalation")
        if esc.status != "open":
            return _html(
                page(
                    "Acknowledged",
                    f"<p>Escalation #{esc.id} was already acknowledged"
                    f" by {html.escape(esc.acknowledged_by or 'someone')}.</p>",
                )
            )
        return _html(
            page(
                "Acknowledge",
                f"<p>Acknowledge escalation #{esc.id} "
                f"({html.escape(esc.kind)}, {html.escape(esc.urgency)})?</p>"
                "<form method=post><button type=submit>Acknowledge</button></form>",
            )
        )


async def ack_post(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "ack")
    with svc.db.session() as s:
        if s.get(Escalation, claim.escalation_id) is None:
            raise web.HTTPNotFound(text="no such escalation")
        esc = acknowledge(s, claim.escalation_id, _who(claim), "link", svc.clock.now())
        return _html(
            page(
                "Acknowledged",
                f"<p>Escalation #{esc.id} is acknowledged "
                f"by {html.escape(esc.acknowledged_by or '')}. Thank you.</p>",
            )
        )


def _followup_form(esc_id: int, today: date, error: str = "") -> str:
    err = f"<p style='color:#b00'>{html.escape(error)}</p>" if error else ""
    return page(
        "Record follow-up",
        f"<h1>Record the follow-up (escalation #{esc_id})</h1>{err}"
        "<form method=post><p><label>Date held <input type=date name=held_on "
        f"value={today.isoformat()} required></label></p><p><label>Short note<br>"
        "<textarea name=note rows=4 cols=50 maxlength=2000></textarea></label></p>"
        "<p><button type=submit>Record</button></p></form>"
        "<p>Recording it opens the patient's next module.</p>",
    )


async def followup_form(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "followup")
    return _html(_followup_form(claim.escalation_id, svc.clock.now().date()))


async def followup_post(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    claim = _claim(request, "followup")
    form = await request.post()
    try:
        held_on = date.fromisoformat(str(form.get("held_on", "")).strip())
    except ValueError:
        return _html(
            _followup_form(
                claim.escalation_id, svc.clock.now().date(), "Please give the date as YYYY-MM-DD."
            ),
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
            text = f"<p>Follow-up of {fu.held_on.isoformat()} recorded. Thank you.</p>"
    except FollowUpError as exc:
        return _html(
            _followup_form(claim.escalation_id, svc.clock.now().date(), str(exc)), status=400
        )
    return _html(page("Recorded", text))


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

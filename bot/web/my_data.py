"""The patient's own copy of their data, behind the signed link "send me my data" gives
them in chat (actions/privacy.py): a page to read, and the same as a JSON file. Served
by the chat page's server (bot/web/chat_page.py), the patients' public address.

  GET /my-data/<token>        the page, in the patient's language
  GET /my-data/<token>/json   everything, as a file to keep

The link is the credential: it names the patient and expires after a day. Every
opening is audited (``patient_exported``). Nothing is cached or indexed.
"""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from bot.app import Services
from bot.content.texts import gp_line
from bot.core.dates import format_date
from bot.core.settings import default_tracker_url
from bot.db.tables import Patient
from bot.privacy.data_rights import DataRightsError, export_patient, read_export_token
from bot.reports.briefs import page

HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'"),
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _when(raw: Any, lang: str) -> str:
    if not raw:
        return ""
    if isinstance(raw, str):
        moment = datetime.fromisoformat(raw)
    else:  # Rasa's tracker stores epoch seconds
        moment = datetime.fromtimestamp(float(raw), tz=timezone.utc)
    return f"{format_date(moment, lang, 'short')} {moment.year} {moment:%H:%M}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th scope=col>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def render(data: dict[str, Any], t: Any, lang: str, json_url: str) -> str:
    """The export as a page; ``t(key)`` is the patient's messages table."""
    none = f"<p>{html.escape(t('mydata_none'))}</p>"
    parts = [f"<h1>{html.escape(t('mydata_title'))}</h1>",
             f"<p>{html.escape(t('mydata_intro', when=_when(data['exported_at'], lang)))}</p>",
             f"<p><a href='{html.escape(json_url)}' download>{html.escape(t('mydata_json'))}</a></p>"]

    def section(key: str, content: str) -> None:
        parts.append(f"<h2>{html.escape(t(key))}</h2>{content}")

    work = [[_when(w["created_at"], lang), w.get("prompt") or "", w.get("answer") or ""]
            for w in data.get("workbook_entries", [])]
    section("mydata_workbook", _table([t("mydata_col_when"), t("mydata_col_question"),
                                       t("mydata_col_answer")], work) if work else none)
    checks = [[_when(c.get("completed_at") or c["started_at"], lang), c["instrument"].upper(),
               "" if c.get("total") is None else str(c["total"]), c.get("note") or ""]
              for c in data.get("checkins", [])]
    section("mydata_checkins", _table([t("mydata_col_when"), t("mydata_col_what"),
                                       t("mydata_col_score"), t("mydata_col_note")], checks)
            if checks else none)
    chat = [[_when(m["at"], lang), t("mydata_you") if m["who"] == "patient" else t("mydata_bot"),
             m.get("text") or ""] for m in data.get("conversation", [])]
    section("mydata_conversation", _table([t("mydata_col_when"), t("mydata_col_who"),
                                           t("mydata_col_text")], chat) if chat else none)
    told = [[_when(e["created_at"], lang), gp_line(lang, f"kind_{e['kind']}"), e["status"]]
            for e in data.get("escalations", [])]
    section("mydata_gp", _table([t("mydata_col_when"), t("mydata_col_what"),
                                 t("mydata_col_status")], told) if told else none)
    consents = [[_when(c.get("at"), lang),
                 c.get("decision", ""), str(c.get("version", ""))]
                for c in data.get("consent_records", [])]
    section("mydata_consent", _table([t("mydata_col_when"), t("mydata_col_decision"),
                                      t("mydata_col_version")], consents) if consents else none)
    parts.append(f"<p>{html.escape(t('mydata_footer'))}</p>")
    return page(t("mydata_title"), "".join(parts), lang)


def _export(request: web.Request, services: Services) -> tuple[dict[str, Any], str]:
    token = request.match_info["token"]
    try:
        patient_id = read_export_token(services.settings.secret_keys, token)
    except DataRightsError as exc:
        raise web.HTTPForbidden(text=services.texts.get("mydata_link_invalid")) from exc
    with services.db.session() as s:
        patient = s.get(Patient, patient_id)
        if patient is None or patient.status == "erased":
            raise web.HTTPNotFound(text=services.texts.get("mydata_link_invalid"))
        data = export_patient(s, patient, default_tracker_url(), services.clock.now(),
                              actor="patient:link")
        return data, patient.language


def add_routes(app: web.Application, services_of: Callable[[], Services]) -> None:
    """On the chat page's server (the patients' public address, PUBLIC_BASE_URL);
    ``services_of`` builds the services on first use."""
    async def as_page(request: web.Request) -> web.Response:
        services = services_of()
        data, lang = _export(request, services)

        def t(key: str, **values: Any) -> str:
            return services.texts.get(key, lang, **values)

        body = render(data, t, lang, f"{request.match_info['token']}/json")
        return web.Response(text=body, content_type="text/html", headers=HEADERS)

    async def as_file(request: web.Request) -> web.Response:
        data, _ = _export(request, services_of())
        return web.Response(
            body=json.dumps(data, ensure_ascii=False, indent=2, default=str).encode(),
            content_type="application/json",
            headers={**HEADERS, "Content-Disposition": "attachment; filename=my-data.json"})

    app.router.add_get("/my-data/{token}", as_page)
    app.router.add_get("/my-data/{token}/json", as_file)

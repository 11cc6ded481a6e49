"""The patients' web chat page: `python -m bot web` (aiohttp) on WEB_PORT.

Serves web/index.html with the practice's name, a short privacy and safety notice and
the settings the widget needs, the page's own CSS and script from web/static/, and the
rasa-webchat bundle from web/node_modules (installed by scripts/ensure_web.sh; nothing
is loaded from a CDN). The widget talks to Rasa's socket.io channel directly: at
RASA_PUBLIC_URL, or by default on the page's own host at RASA_PORT.

`/?code=ABCD-EFGH` links the chat with that invite code on its first visit, as a
Telegram deep link does.
"""
from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.content.texts import Texts
from bot.core.logs import configure as configure_logging
from bot.core.settings import REPO_ROOT, Settings, load_settings
from bot.web.my_data import add_routes as add_my_data_routes

log = logging.getLogger(__name__)

WEB_DIR = REPO_ROOT / "web"
BUNDLE = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,20}$")
HOST_RE = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def practice_name(settings: Settings) -> str | None:
    """PRACTICE_NAME, else the only practice in the database, else None (the page
    then says "your GP practice" in its language)."""
    if settings.practice_name:
        return settings.practice_name
    try:
        from sqlalchemy import select

        from bot.db import Database
        from bot.db.tables import Practice

        db = Database(settings.database_url)
        try:
            with db.session() as session:
                names = session.execute(select(Practice.name).limit(2)).scalars().all()
        finally:
            db.dispose()
        if len(names) == 1:
            return str(names[0])
    except Exception as exc:  # the page works without a database
        log.info("practice name not read from the database (%s)", exc)
    return None


def emergency_phone(settings: Settings) -> str:
    """The first crisis number as digits for a tap-to-call link ("113"); "" if none."""
    try:
        from bot.content.crisis import resources_for

        first = resources_for(settings.default_country, settings.default_language)[0]
        return re.sub(r"[^\d+]", "", first.phone or "")
    except Exception:
        return ""


# The widget's bundle asks for a web font from Google; the page loads nothing from
# outside (its own CSP would block it anyway), so the import is taken out when served.
_EXTERNAL_IMPORT = re.compile(rb"@import url\(https?://[^)]*\);?")


def local_bundle(path: Path) -> bytes | None:
    return _EXTERNAL_IMPORT.sub(b"", path.read_bytes()) if path.is_file() else None


def is_linked(db: Any, session_id: str) -> bool:
    """Is this web chat session linked to a patient (so the page can hide the code box)?"""
    from sqlalchemy import select

    from bot.db.tables import ChannelIdentity
    from bot.rasa.channels.socketio import valid_session_id

    if valid_session_id(session_id) is None:
        return False
    try:
        with db.session() as session:
            return session.execute(select(ChannelIdentity.id).where(
                ChannelIdentity.channel == "socketio",
                ChannelIdentity.sender_id == session_id)).first() is not None
    except Exception as exc:  # the page works without a database
        log.info("linked state not read (%s)", type(exc).__name__)
        return False


def emergency_line(settings: Settings, lang: str | None = None) -> str:
    try:
        from bot.content.crisis import resources_for

        first = resources_for(settings.default_country, lang or settings.default_language)[0]
        return f"{first.phone} ({first.name})" if first.phone else first.name
    except Exception:
        return "112"


def socket_url(settings: Settings, request: web.Request) -> str:
    if settings.rasa_public_url:
        return settings.rasa_public_url
    raw = request.host or ""
    # An IPv6 literal keeps its brackets ([::1]:8080); otherwise drop the port.
    host = raw.split("]", 1)[0] + "]" if raw.startswith("[") else raw.split(":", 1)[0]
    if not HOST_RE.fullmatch(host):
        host = "127.0.0.1"  # never echo a strange Host header into the page
    scheme = "https" if request.secure else "http"
    return f"{scheme}://{host}:{settings.rasa_port}"


def _json_for_html(data: dict[str, Any]) -> str:
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_language(request: web.Request, default: str) -> str:
    """?lang=nb, else the browser's first supported language, else the default."""
    from bot.core.language import SUPPORTED, normalise

    asked = normalise(request.query.get("lang"))
    if asked in SUPPORTED:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        lang = normalise(part.split(";")[0])
        if lang in SUPPORTED:
            return lang
    return default if default in SUPPORTED else "en"


def render_page(template: str, settings: Settings, practice: str | None, emergency: str,
                socket: str, code: str | None, phone: str = "", lang: str | None = None,
                texts: Texts | None = None) -> str:
    """The page in ``lang``: every {{web_*}} slot from messages.yaml (escaped), with
    {practice} and {tel} (the tap-to-call link) filled in."""
    from bot.core.language import SUPPORTED

    lang = lang or settings.default_language
    texts = texts or Texts(settings.content_dir)
    practice = practice or texts.get("web_default_practice", lang)
    tel = (f'<a class="tel" href="tel:{html.escape(phone or "112")}"><strong>'
           f"{html.escape(emergency)}</strong></a>")
    keys = sorted(k for k in texts.keys("en") if k.startswith("web_"))

    def line(key: str) -> str:
        raw = texts.get(key, lang)
        return html.escape(raw).replace("{practice}", html.escape(practice)).replace(
            "{tel}", tel)

    other = next((x for x in SUPPORTED if x != lang), "en")
    config = {
        "socketUrl": socket,
        "socketPath": "/socket.io/",
        "practice": practice,
        "language": lang,
        "inviteCode": code,
        "initPayload": f"/start {code}" if code else "/greet",
        "texts": {k: texts.get(k, lang) for k in keys if k.startswith("web_js_")},
    }
    values = {
        "PRACTICE": html.escape(practice),
        "EMERGENCY": html.escape(emergency),
        "EMERGENCY_TEL": html.escape(phone or "112"),
        "LANG": html.escape(lang),
        "OTHER_LANG": html.escape(other),
        "OTHER_LANGUAGE_URL": f"?lang={html.escape(other)}",
        "CONFIG": _json_for_html(config),
        **{k: line(k) for k in keys},
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values.get(m.group(1), m.group(0)), template)


def security_headers(socket: str) -> dict[str, str]:
    parts = urlsplit(socket)
    ws = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    origin = f"{parts.scheme}://{parts.netloc}"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: https:; connect-src 'self' {origin} {ws}; "
            "font-src 'self' data:; frame-ancestors *; base-uri 'none'; form-action 'self'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


async def _no_content() -> web.Response:
    return web.Response(status=204)


def _services() -> Any:
    """The product's services, built on the first export request, not at start-up."""
    from bot.app import get_services

    return get_services()


def make_app(settings: Settings | None = None, web_dir: Path = WEB_DIR) -> web.Application:
    settings = settings or load_settings()
    template = (web_dir / "index.html").read_text(encoding="utf-8")
    practice = practice_name(settings)
    texts = Texts(settings.content_dir)
    emergencies = {lang: emergency_line(settings, lang) for lang in ("en", "nb")}
    phone = emergency_phone(settings)
    bundle = web_dir / "node_modules" / "rasa-webchat" / "lib" / "index.js"
    bundle_bytes = local_bundle(bundle)

    async def index(request: web.Request) -> web.Response:
        code = request.query.get("code", "").strip()
        socket = socket_url(settings, request)
        lang = page_language(request, settings.default_language)
        page = render_page(template, settings, practice, emergencies.get(lang, ""), socket,
                           code if CODE_RE.match(code) else None, phone, lang, texts)
        return web.Response(text=page, content_type="text/html", charset="utf-8",
                            headers=security_headers(socket))

    async def widget(request: web.Request) -> web.StreamResponse:
        if bundle_bytes is None:
            return web.Response(status=503, content_type="text/plain", text=(
                "The chat widget is not installed: run scripts/ensure_web.sh "
                "(npm ci in web/)."))
        return web.Response(body=bundle_bytes, content_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=3600"})

    databases: list[Any] = []  # one pool for the page's lifetime, made on first use

    async def linked(request: web.Request) -> web.Response:
        if not databases:
            from bot.db import Database

            databases.append(Database(settings.database_url))
        state = is_linked(databases[0], request.query.get("session", ""))
        return web.json_response({"linked": state}, headers={"Cache-Control": "no-store"})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "widget": bundle.is_file()})

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_get("/linked", linked)

    async def database_pool(_: web.Application) -> AsyncIterator[None]:
        yield
        for db in databases:
            db.dispose()

    app.cleanup_ctx.append(database_pool)
    app.router.add_get("/favicon.ico", lambda request: _no_content())
    app.router.add_get("/vendor/rasa-webchat.js", widget)
    app.router.add_static("/static/", web_dir / "static", follow_symlinks=False)
    add_my_data_routes(app, _services)  # the patient's own copy ("send me my data")
    return app


def run_web(port: int | None = None, host: str | None = None) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    web.run_app(make_app(settings), host=host or settings.bind_host, port=port or settings.web_port,
                print=lambda *_: None, access_log=None)
    return 0

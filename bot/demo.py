"""Demo data for a first `make run` on the embedded defaults."""
from __future__ import annotations

from typing import TextIO

from sqlalchemy import select

from bot.app import Services
from bot.db.models import Gp
from bot.enrolment import add_gp, format_code, invite_patient

DEMO_EMAIL = "demo.gp@example.org"


def ensure_demo(services: Services, out: TextIO) -> str | None:
    """Creates the demo practice, GP and an invite the first time; returns the code."""
    now = services.clock.now()
    with services.db.session() as session:
        if session.execute(select(Gp).limit(1)).scalar_one_or_none() is not None:
            print("==> GPs exist; new invite: python -m bot patients invite --gp <id or e-mail>",
                  file=out)
            return None
        gp = add_gp(session, "Dr Demo", DEMO_EMAIL, "Demo Practice", now,
                    country=services.settings.default_country,
                    timezone=services.settings.default_timezone)
        gp.notify_channels = "console"
        invite = invite_patient(session, gp, now, services.settings.invite_ttl_days)
        code = format_code(invite.code)
    print(f"==> created demo practice, demo GP ({DEMO_EMAIL}) and an invite: /start {code}", file=out)
    print(f"    chat in a browser: http://127.0.0.1:{services.settings.web_port}/?code={code}"
          "  (or type /start CODE in any channel)", file=out)
    return code

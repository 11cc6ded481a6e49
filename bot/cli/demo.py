"""Demo data for a first `make run` on the embedded defaults."""
from __future__ import annotations

from typing import TextIO

from sqlalchemy import select

from bot.app import Services
from bot.db.tables import Gp
from bot.enrolment.service import add_gp, format_code, invite_patient

DEMO_EMAIL = "demo.gp@example.org"


def ensure_demo(services: Services, out: TextIO) -> str | None:
    """Makes the demo practice and GP the first time, and on every run a fresh invite
    for the demo GP (codes are stored hashed, so an earlier one cannot be shown
    again); returns the code. An installation with real GPs gets no demo."""
    now = services.clock.now()
    with services.db.session() as session:
        gp = session.execute(select(Gp).where(Gp.email == DEMO_EMAIL)).scalar_one_or_none()
        if gp is None and session.execute(select(Gp).limit(1)).scalar_one_or_none() is not None:
            print("==> GPs exist; new invite: python -m bot patients invite --gp <id or e-mail>",
                  file=out)
            return None
        made = gp is None
        if gp is None:
            gp = add_gp(session, "Dr Demo", DEMO_EMAIL, "Demo Practice", now,
                        country=services.settings.default_country,
                        timezone=services.settings.default_timezone,
                        language=services.settings.default_language)
            gp.notify_channels = "console"
        # The demo speaks DEFAULT_LANGUAGE (en unless set; DEFAULT_LANGUAGE=nb make run
        # for the Norwegian product); a patient can change it in chat.
        invite = invite_patient(session, gp, now, services.settings.invite_ttl_days,
                                language=services.settings.default_language)
        code = format_code(invite.code)
        name, practice = gp.name, gp.practice.name
    what = "created" if made else "using"
    print(f"==> {what} the demo GP {name} ({DEMO_EMAIL}, {practice}); "
          f"an invite for this run: /start {code}", file=out)
    return code

""""How am I doing?": the patient's own trend in plain words, and a small chart."""
from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy.orm import Session

from bot.checkins import instruments as ins
from bot.checkins.service import CheckinService
from bot.core.dates import format_date
from bot.db.tables import Patient

IMAGE_CHANNELS = {"rest", "socketio", "telegram"}


def _date(at: datetime, patient: Patient, service: CheckinService) -> str:
    local = at.astimezone(service.reminders.tz(patient))
    if patient.language == "nb":
        return format_date(local, "nb", "short").split(" ", 1)[1]  # "3. des."
    return f"{local.day} {local:%b}"


def trend_text(session: Session, service: CheckinService, patient: Patient) -> str:
    now = service.clock.now()
    phq = service.history(session, patient, ins.PHQ9)
    mood = service.history(session, patient, ins.MOOD, since=now - timedelta(days=14))
    t = service.t
    parts: list[str] = []
    if len(phq) == 1:
        at, total = phq[0]
        parts.append(t(patient, "trend_phq9_one", date=_date(at, patient, service), total=total,
                       band=ins.band_label(ins.severity_band(total), patient.language)))
    elif len(phq) > 1:
        (pat, prev), (at, total) = phq[-2], phq[-1]
        key = "trend_better" if total < prev else "trend_worse" if total > prev else "trend_same"
        parts.append(t(patient, "trend_phq9_many", total=total,
                       band=ins.band_label(ins.severity_band(total), patient.language),
                       date=_date(at, patient, service), previous=prev,
                       previous_date=_date(pat, patient, service), direction=t(patient, key),
                       count=len(phq), first=phq[0][1]))
    week = [v for at, v in mood if at >= now - timedelta(days=7)]
    before = [v for at, v in mood if at < now - timedelta(days=7)]
    if week:
        avg = mean(week)
        compare = ""
        if before:
            prev_avg = mean(before)
            if avg - prev_avg >= 0.5:
                compare = t(patient, "trend_mood_up", previous=f"{prev_avg:.1f}")
            elif prev_avg - avg >= 0.5:
                compare = t(patient, "trend_mood_down", previous=f"{prev_avg:.1f}")
            else:
                compare = t(patient, "trend_mood_same")
        count = len(week)
        parts.append(t(patient, "trend_mood", average=f"{avg:.1f}", count=count,
                       ratings=t(patient, "trend_one_rating" if count == 1 else "trend_n_ratings",
                                 count=count),
                       compare=compare))
    if not parts:
        return t(patient, "trend_none")
    return "\n\n".join(parts)


# PHQ-9 severity bands (Kroenke, Spitzer & Williams 2001), lightest for minimal.
PHQ9_BANDS = ((0, 5, "#e8f5e9"), (5, 10, "#f1f8e9"), (10, 15, "#fffde7"), (15, 20, "#fff3e0"),
              (20, 27, "#ffebee"))


def shade_phq9_bands(ax: Any) -> None:
    for low, high, colour in PHQ9_BANDS:
        ax.axhspan(low, high, color=colour, zorder=0)
    ax.set_ylim(0, 27)
    ax.set_ylabel("PHQ-9")


def figure_png(fig: Any) -> bytes:
    """A finished matplotlib figure as PNG bytes (the caller closes the figure)."""
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def chart_png(session: Session, service: CheckinService, patient: Patient) -> bytes | None:
    """PHQ-9 totals (with the severity bands) and daily mood over the last 12 weeks."""
    since = service.clock.now() - timedelta(weeks=12)
    phq = service.history(session, patient, ins.PHQ9, since=since)
    mood = service.history(session, patient, ins.MOOD, since=since)
    if len(phq) + len(mood) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    tz = service.reminders.tz(patient)
    panels = [p for p in (("phq", phq), ("mood", mood)) if p[1]]
    fig, axes = plt.subplots(len(panels), 1, figsize=(5, 1.9 * len(panels) + 0.4), dpi=90,
                             sharex=True, squeeze=False)
    try:
        for ax, (kind, data) in zip(axes[:, 0], panels, strict=False):
            xs = [at.astimezone(tz) for at, _ in data]
            ys = [v for _, v in data]
            if kind == "phq":
                shade_phq9_bands(ax)
                ax.invert_yaxis()  # better is up, as with mood: said on the axis
                ax.set_ylabel("PHQ-9\n(up = fewer\nsymptoms)", fontsize=8)
                ax.plot(xs, ys, "o-", color="#1565c0")
            else:
                ax.set_ylim(0, 10)
                ax.set_ylabel("Mood")
                ax.plot(xs, ys, "o-", color="#2e7d32", markersize=3)
            ax.grid(alpha=0.3)
        # One label per day at most (a short span once showed "03 Dec" five times).
        every = [at.astimezone(tz) for _, data in panels for at, _ in data]
        span_days = max(1, (max(every) - min(every)).days)
        bottom = axes[-1, 0]
        bottom.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, span_days // 5), tz=tz))
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%d %b", tz=tz))
        if span_days <= 1:
            lo = min(every) - timedelta(hours=12)
            bottom.set_xlim(lo, max(every) + timedelta(hours=12))
        return figure_png(fig)
    finally:
        plt.close(fig)


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

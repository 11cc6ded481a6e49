"""Dates in words, per language, without the process locale (strftime's %A and %B
follow the C locale, which is English on every server here)."""
from __future__ import annotations

from datetime import date, datetime

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"),
}


def format_date(when: date | datetime, lang: str = "en", style: str = "long") -> str:
    """long: "Thursday 3 December" / "torsdag 3. desember";
    short: "Thu 3 Dec" / "tor. 3. des."."""
    lang = lang if lang in _DAYS else "en"
    day, month = _DAYS[lang][when.weekday()], _MONTHS[lang][when.month - 1]
    if style == "short":
        day, month = day[:3], month[:3]
        if lang == "nb":
            return f"{day}. {when.day}. {month}."
        return f"{day} {when.day} {month}"
    if lang == "nb":
        return f"{day} {when.day}. {month}"
    return f"{day} {when.day} {month}"

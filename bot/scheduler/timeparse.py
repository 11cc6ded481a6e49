"""Plain-words reminder settings: times ("8pm", "20:00", "8.30", "kl 20"), pauses
("pause for a week", "pause i tre dager") and quiet hours."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "a couple of": 2,
    "a few": 3, "en": 1, "ei": 1, "ett": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6,
    "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "noen": 3,
    "et par": 2,
}
_EVENING = re.compile(r"\b(evening|tonight|night|afternoon|kveld|kvelden|ettermiddag|"
                      r"ettermiddagen|natt)\b")
_MORNING = re.compile(r"\b(morning|morgen|morgenen|formiddag|formiddagen)\b")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").casefold().replace("’", "'")).strip()


def parse_time(text: str) -> time | None:
    """A clock time from a message; None when there is none or it is ambiguous."""
    s = _norm(text)
    if not s:
        return None
    if re.search(r"\b(noon|midday|middag)\b", s) and not re.search(r"\d", s):
        return time(12, 0)
    if re.search(r"\b(midnight|midnatt)\b", s):
        return time(0, 0)
    # "half past 8", "halv ni" (Norwegian "halv ni" is 8:30)
    m = re.search(r"\bhalf past (\d{1,2})\b", s)
    if m:
        return _resolve(int(m.group(1)), 30, None, s)
    m = re.search(r"\bhalv (\d{1,2}|\w+)\b", s)
    if m:
        raw = m.group(1)
        hour = int(raw) if raw.isdigit() else _WORD_NUM.get(raw)
        if hour is not None and 1 <= hour <= 24:
            return _resolve(hour - 1 if hour > 1 else 12, 30, None, s)
    candidates = list(re.finditer(
        r"(?<![\d/])(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?![\d/])", s))
    if len(candidates) != 1:
        # "kl 20" / "at 8" with a number word, e.g. "at eight pm"
        m = re.search(r"\b(?:at|kl\.?|klokka|klokken)\s+([a-zæøå]+)\s*(am|pm)?\b", s)
        if m and m.group(1) in _WORD_NUM and m.group(1) not in ("a", "an", "en", "ei", "ett"):
            return _resolve(_WORD_NUM[m.group(1)], 0, m.group(2), s)
        return None
    m = candidates[0]
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    meridiem = (m.group(3) or "").replace(".", "") or None
    if minute > 59:
        return None
    return _resolve(hour, minute, meridiem, s)


def _resolve(hour: int, minute: int, meridiem: str | None, s: str) -> time | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour == 24:
        hour = 0
    elif hour > 23:
        return None
    elif 1 <= hour <= 11:
        if _EVENING.search(s):
            hour += 12
        elif not _MORNING.search(s) and hour <= 7:
            # "remind me at 7" means the evening: 7 in the morning is quiet hours anyway.
            hour += 12
    return time(hour, minute)


def parse_days(text: str, default: int = 7) -> int:
    """How long a pause lasts: "for a week" 7, "3 days" 3, "to uker" 14; default otherwise."""
    s = _norm(text)
    m = re.search(r"(\d{1,3}|[a-zæøå]+(?: (?:couple of|few|par))?)\s+(days?|dager|dag|døgn|"
                  r"weeks?|uker?|uka|months?|måneder?|måned)\b", s)
    if m:
        raw = m.group(1)
        n = int(raw) if raw.isdigit() else _WORD_NUM.get(raw)
        if n is not None:
            unit = m.group(2)
            if unit.startswith(("week", "uk")):
                n *= 7
            elif unit.startswith(("month", "måned")):
                n *= 30
            return max(1, min(n, 90))
    if re.search(r"\b(tomorrow|i morgen|imorgen)\b", s):
        return 1
    if re.search(r"\b(weekend|helgen|helga)\b", s):
        return 3
    if re.search(r"\b(week|uke|uka)\b", s):
        return 7
    return default


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, spec: str) -> QuietHours:
        a, b = spec.split("-")
        return cls(time.fromisoformat(a), time.fromisoformat(b))

    def contains(self, t: time) -> bool:
        t = t.replace(second=0, microsecond=0, tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def next_allowed(self, local: datetime) -> datetime:
        """`local` if outside quiet hours, else the end of the quiet period (same tz)."""
        if not self.contains(local.timetz()):
            return local
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day = day + timedelta(days=1)
        return at_local(day, self.end, local.tzinfo)

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def at_local(day: date, t: time, tz: tzinfo | None) -> datetime:
    """`day` at wall-clock `t` in `tz`; a time skipped by a DST change moves forward."""
    naive = datetime.combine(day, t.replace(tzinfo=None))
    local = naive.replace(tzinfo=tz)
    if tz is not None and isinstance(tz, ZoneInfo):
        # Round-trip through UTC to normalise a non-existent wall time (spring forward).
        from datetime import timezone as _tz

        local = local.astimezone(_tz.utc).astimezone(tz)
    return local


def format_time(t: time) -> str:
    return f"{t:%H:%M}"

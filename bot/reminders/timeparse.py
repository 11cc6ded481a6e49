"""Plain-words reminder settings: times ("8pm", "20:00", "8.30", "kl 20"), pauses
("pause for a week", "pause i tre dager") and quiet hours."""
from __future__ import annotations

import functools
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
    meridiem = (m.group(3) or "").replace(".", "") or None
    return _resolve(int(m.group(1)), int(m.group(2) or 0), meridiem, s)


def _to_time(hour: int, minute: int, meridiem: str | None, pm_if_bare: bool) -> time | None:
    """A clock time; `pm_if_bare`: read 1-11 without am/pm as the afternoon or evening."""
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour == 24:
        hour = 0
    elif hour > 23:
        return None
    elif pm_if_bare and 1 <= hour <= 11:
        hour += 12
    return time(hour, minute)


def _resolve(hour: int, minute: int, meridiem: str | None, s: str) -> time | None:
    # "remind me at 7" means the evening: 7 in the morning is quiet hours anyway.
    pm = bool(_EVENING.search(s)) or (not _MORNING.search(s) and hour <= 7)
    return _to_time(hour, minute, meridiem, pm)


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
        """"22:00-08:00"; ValueError otherwise."""
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

    def length(self) -> timedelta:
        start = datetime.combine(date(2000, 1, 1), self.start)
        end = datetime.combine(date(2000, 1, 1), self.end)
        return end - start if end > start else end + timedelta(days=1) - start


_CLOCK = re.compile(r"(?<![\d/])(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?![\d/])")
_BEFORE = re.compile(r"\b(before|until|till|til|før|fram til|frem til)\b")
_AFTER = re.compile(r"\b(after|later than|past|etter|seinere enn|senere enn)\b")


def _clock(m: re.Match[str], pm_if_bare: bool) -> time | None:
    return _to_time(int(m.group(1)), int(m.group(2) or 0),
                    (m.group(3) or "").replace(".", "") or None, pm_if_bare)


def parse_quiet(text: str, current: QuietHours) -> QuietHours | None:
    """A patient's own quiet hours: "quiet hours 23:00-07:00", "from 11pm to 7am",
    "not before 10am" (the end moves), "nothing after 9" (the start moves, read as the
    evening). Bare two numbers are 24-hour times ("between 23 and 7"). None: unclear."""
    s = _norm(text)
    found = list(_CLOCK.finditer(s))
    if len(found) == 2:
        start, end = _clock(found[0], False), _clock(found[1], False)
        if start is None or end is None or start == end:
            return None
        return QuietHours(start, end)
    if len(found) != 1:
        return None
    m = found[0]
    before, after = _BEFORE.search(s[:m.start()]), _AFTER.search(s[:m.start()])
    if after and not before:
        start = _clock(m, not _MORNING.search(s))
        return QuietHours(start, current.end) if start and start != current.end else None
    if before and not after:
        end = _clock(m, bool(_EVENING.search(s)))
        return QuietHours(current.start, end) if end and end != current.start else None
    return None


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


# ---- places -> timezones ("I'm in London this week", "remind me at 8pm New York time") ----

# Countries and regions people name instead of a city; only where one timezone fits.
_PLACE_ALIASES = {
    "norway": "Europe/Oslo", "norge": "Europe/Oslo", "bergen": "Europe/Oslo",
    "trondheim": "Europe/Oslo", "stavanger": "Europe/Oslo", "tromsø": "Europe/Oslo",
    "tromso": "Europe/Oslo", "kristiansand": "Europe/Oslo", "bodø": "Europe/Oslo",
    "uk": "Europe/London", "england": "Europe/London", "scotland": "Europe/London",
    "wales": "Europe/London", "britain": "Europe/London", "great britain": "Europe/London",
    "united kingdom": "Europe/London", "storbritannia": "Europe/London",
    "edinburgh": "Europe/London", "manchester": "Europe/London",
    "ireland": "Europe/Dublin", "irland": "Europe/Dublin",
    "sweden": "Europe/Stockholm", "sverige": "Europe/Stockholm",
    "gothenburg": "Europe/Stockholm", "göteborg": "Europe/Stockholm",
    "denmark": "Europe/Copenhagen", "danmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki", "iceland": "Atlantic/Reykjavik",
    "germany": "Europe/Berlin", "tyskland": "Europe/Berlin", "munich": "Europe/Berlin",
    "münchen": "Europe/Berlin", "hamburg": "Europe/Berlin", "france": "Europe/Paris",
    "frankrike": "Europe/Paris", "spain": "Europe/Madrid", "spania": "Europe/Madrid",
    "barcelona": "Europe/Madrid", "malaga": "Europe/Madrid", "alicante": "Europe/Madrid",
    "mallorca": "Europe/Madrid", "majorca": "Europe/Madrid",
    "canary islands": "Atlantic/Canary", "kanariøyene": "Atlantic/Canary",
    "tenerife": "Atlantic/Canary", "gran canaria": "Atlantic/Canary",
    "las palmas": "Atlantic/Canary", "portugal": "Europe/Lisbon",
    "italy": "Europe/Rome", "italia": "Europe/Rome", "greece": "Europe/Athens",
    "hellas": "Europe/Athens", "poland": "Europe/Warsaw", "polen": "Europe/Warsaw",
    "netherlands": "Europe/Amsterdam", "nederland": "Europe/Amsterdam",
    "tyrkia": "Europe/Istanbul",  # not "turkey": the bird is more common in these chats
    "thailand": "Asia/Bangkok", "japan": "Asia/Tokyo", "india": "Asia/Kolkata",
    "new york city": "America/New_York", "nyc": "America/New_York",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "washington": "America/New_York", "boston": "America/New_York", "utc": "UTC",
}
# Zone areas people live in (not Etc/, US/ or other legacy names).
_AREAS = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
          "Pacific/")


# Zone names that are everyday words (or legacy abbreviations) rather than places.
_NOT_PLACES = {"act", "nsw", "lhi", "north", "south", "west", "center", "hope", "wake",
               "easter", "christmas", "midway", "virgin", "jersey", "guernsey", "reunion",
               "knox", "marengo", "vevay", "oral", "yap", "truk", "chuuk", "general",
               "tell city", "beulah", "winamac", "monticello", "petersburg", "isle of man",
               "victoria"}


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name by its lower-case spelling (read from disk once)."""
    from zoneinfo import available_timezones

    return {name.casefold(): name for name in available_timezones()}


@functools.cache
def _places() -> tuple[dict[str, str], re.Pattern[str]]:
    """Place name -> zone (tz database cities in _AREAS, plus _PLACE_ALIASES, minus
    _NOT_PLACES), and one pattern that finds them, longest first ("new york" before
    "york")."""
    index: dict[str, str] = {}
    for name in sorted(_zone_names().values()):
        if name.startswith(_AREAS):
            index.setdefault(zone_label(name).casefold(), name)
    index.update(_PLACE_ALIASES)
    places = {k: v for k, v in index.items() if k not in _NOT_PLACES}
    names = sorted(places, key=len, reverse=True)
    return places, re.compile(r"(?<![\w])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


def parse_zone(text: str, with_time_word: bool = False) -> str | None:
    """The IANA timezone of a place named in a message ("London", "New York",
    "Europe/Oslo", "Tenerife"); None when no place, or a word that is also common
    English or Norwegian, is named. `with_time_word`: only "<place> time" counts
    ("remind me at 8pm London time"), for messages that are about something else."""
    s = _norm(text)
    m = re.search(r"\b([a-z]+/[a-z_]+(?:/[a-z_]+)?)\b", s)
    if m and m.group(1) in _zone_names():  # written as a timezone name
        return _zone_names()[m.group(1)]
    places, pattern = _places()
    for hit in pattern.finditer(s):
        if not with_time_word or re.match(r"\s+(time|tid)\b", s[hit.end():]):
            return places[hit.group(1)]
    return None


def zone_label(name: str) -> str:
    """"Europe/New_York" -> "New York": how a patient would name it."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def place_names() -> list[str]:
    """Every place name parse_zone knows, for the NLU's lookup table."""
    return sorted(_places()[0])


if __name__ == "__main__":  # python -m bot.reminders.timeparse > nlu_data/places.yml
    print('version: "3.1"\n# Generated by `python -m bot.reminders.timeparse`: the places the '
          "reminder\n# settings know (tz database cities and common countries). A feature "
          'for the NLU:\n# "I\'m in Lisbon this week" is about the timezone.\nnlu:\n'
          "  - lookup: place\n    examples: |")
    for name in place_names():
        print(f"      - {name}")

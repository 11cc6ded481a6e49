"""Typed answers to the questionnaires, in English and Norwegian (bokmål).

A button sends an explicit payload (`/phq_answer{"phq_value":"2"}`); a patient who
types gets the same result for "2", "more than half the days", "most days",
"nearly every day", "flere dager", "nesten hver dag" and the like. Anything
unclear returns None, and the question is asked again kindly.
"""
from __future__ import annotations

import json
import re
import unicodedata

# Phrases per PHQ answer value. Longest match wins; a message that matches two
# different values (and no longer phrase explains both) is unclear.
PHQ_PHRASES: dict[int, tuple[str, ...]] = {
    0: (
        "not at all", "none at all", "never", "no", "nope", "not once", "none", "zero",
        "0 days", "no days", "not really", "ikke i det hele tatt", "ikke i hele tatt",
        "aldri", "nei", "ingen dager", "ikke", "null", "ingen", "ikkje i det heile tatt",
        "itte i det hele tatt", "ikkje", "itte",
    ),
    1: (
        "several days", "some days", "a few days", "few days", "a couple of days",
        "couple of days", "sometimes", "occasionally", "now and then", "a bit", "a little",
        "once or twice", "not often", "not very often", "rarely", "hardly ever",
        "less than half the days", "less than half", "several",
        "flere dager", "noen dager", "et par dager", "av og til", "iblant", "litt",
        "noen ganger", "mindre enn halvparten", "sjelden", "nokre dagar", "nokon gonger",
    ),
    2: (
        "more than half the days", "more than half of the days", "more than half the time",
        "more than half", "over half the days", "over half", "most days", "most of the days",
        # Half exactly sits between two answers; the higher one is the careful reading.
        "half the time", "half the days", "about half the days", "about half", "half of the days",
        "halvparten av tiden", "halvparten av dagene", "halvparten",
        "most of the time", "often", "a lot", "lots of days", "many days", "quite often",
        "mer enn halvparten av dagene", "mer enn halvparten", "over halvparten",
        "de fleste dagene", "de fleste dager", "mesteparten av tiden", "ofte", "mange dager",
    ),
    3: (
        "nearly every day", "nearly everyday", "almost every day", "almost everyday",
        "every day", "everyday", "every single day", "all the time", "always", "daily",
        "constantly", "each day", "nesten hver dag", "nesten daglig", "hver dag", "hele tiden",
        "alltid", "daglig", "hver eneste dag", "hele tida", "heile tida", "nesten kvar dag",
        "kvar dag", "nesten hver eneste dag",
    ),
}

DIFFICULTY_PHRASES: dict[int, tuple[str, ...]] = {
    0: ("not difficult at all", "not difficult", "not at all", "no", "none", "fine", "easy",
        "ikke vanskelig i det hele tatt", "ikke vanskelig", "ikke i det hele tatt", "nei"),
    1: ("somewhat difficult", "somewhat", "a bit difficult", "a little difficult", "a bit",
        "a little", "slightly", "litt vanskelig", "litt", "noe vanskelig"),
    2: ("very difficult", "very hard", "really difficult", "really hard", "hard", "difficult",
        "veldig vanskelig", "svært vanskelig", "vanskelig"),
    3: ("extremely difficult", "extremely hard", "extremely", "impossible",
        "ekstremt vanskelig", "ekstremt", "umulig"),
}

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
    "null": 0, "en": 1, "ett": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6,
    "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10,
}

STOP_WORDS = {
    "stop", "pause", "later", "not now", "stop please", "can we stop", "do this later",
    "i'll do it later", "ill do it later", "not today", "cancel", "quit", "exit",
    "finish later", "continue later", "stopp", "senere", "ikke nå", "avbryt",
    "slutt", "ta resten senere", "/pause", "/deny", "/goodbye", "/stop_checkin",
}
SKIP_WORDS = {"skip", "no note", "nothing", "no thanks", "nah", "nope", "no", "none", "n/a",
              "/skip", "/deny", "hopp over", "nei", "ingenting", "nei takk", "-"}

_PAYLOAD_RE = re.compile(r"^/(\w+)(\{.*\})?\s*$", re.S)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("’", "'")
    text = re.sub(r"[!?.,;:()\"“”«»…]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def payload_entity(text: str, name: str) -> str | None:
    """The value of entity `name` in a button payload like /phq_answer{"phq_value":"2"}."""
    m = _PAYLOAD_RE.match((text or "").strip())
    if not m or not m.group(2):
        return None
    try:
        data = json.loads(m.group(2))
    except ValueError:
        return None
    value = data.get(name) if isinstance(data, dict) else None
    return None if value is None else str(value)


def is_payload(text: str) -> bool:
    return bool(_PAYLOAD_RE.match((text or "").strip()))


def _phrase_hits(norm: str, table: dict[int, tuple[str, ...]]) -> list[tuple[int, int, int, int]]:
    """(start, end, value, length) of every phrase found on word boundaries."""
    hits = []
    for value, phrases in table.items():
        for phrase in phrases:
            for m in re.finditer(rf"(?<![\w]){re.escape(phrase)}(?![\w])", norm):
                hits.append((m.start(), m.end(), value, len(phrase)))
    return hits


def _by_phrases(norm: str, table: dict[int, tuple[str, ...]]) -> int | None:
    hits = _phrase_hits(norm, table)
    if not hits:
        return None
    # Drop hits contained in a longer hit ("not at all" inside "not difficult at all";
    # "half" phrases inside "less than half").
    kept = [h for h in hits
            if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and o[3] > h[3] for o in hits)]
    values = {h[2] for h in kept}
    return values.pop() if len(values) == 1 else None


def _scale_number(norm: str, top: int) -> int | None:
    """A lone number 0..top ("2", "2 - more than half", "i'd say 2", "6/10")."""
    nums = re.findall(r"(?<![\d.,])(\d{1,2})(?:\s*(?:/|out of|av)\s*(\d{1,2}))?(?![\d])", norm)
    values = set()
    for num, denom in nums:
        if denom and int(denom) != top and not (top == 3 and int(denom) in (3,)):
            continue
        values.add(int(num))
    if len(values) == 1:
        value = values.pop()
        return value if 0 <= value <= top else None
    return None


# Words around a number that do not change it ("about a three i guess").
_HEDGE_WORDS = frozenset({
    "about", "around", "roughly", "maybe", "probably", "prob", "perhaps", "like", "a", "an",
    "i", "guess", "think", "say", "id", "i'd", "would", "be", "its", "it's", "it", "is", "so",
    "um", "hmm", "ca", "cirka", "kanskje", "vel", "sånn", "omtrent", "rundt", "tror", "jeg",
})


def _word_number(norm: str, top: int, max_rest: int = 1) -> int | None:
    """A number word with nothing else but hedges (and at most ``max_rest`` other
    words): "about a six", "seks tror jeg"."""
    words = [w for w in norm.split() if w in NUMBER_WORDS]
    values = {NUMBER_WORDS[w] for w in words}
    rest = [w for w in norm.split() if w not in NUMBER_WORDS and w not in _HEDGE_WORDS]
    if len(values) == 1 and len(rest) <= max_rest:
        value = values.pop()
        return value if value <= top else None
    return None


def _parse_scale(text: str, phrases: dict[int, tuple[str, ...]], *, other_digits_unclear: bool) -> int | None:
    """0-3 from a button payload, a digit or a phrase; None if unclear or contradictory."""
    raw = (text or "").strip()
    for entity in ("phq_value", "value"):
        value = payload_entity(raw, entity)
        if value is not None:
            return int(value) if value.isdigit() and int(value) <= 3 else None
    if is_payload(raw):
        return None
    norm = normalise(raw)
    if not norm:
        return None
    number = _scale_number(norm, 3)
    phrase = _by_phrases(norm, phrases)
    if number is not None and phrase is not None and number != phrase:
        return None
    if number is not None:
        return number
    if other_digits_unclear and re.search(r"\d", norm):
        return None  # "5 days", "4": not an answer on this scale
    if phrase is None:
        # "about a two, i guess"; not "three days" (that is a frequency, not the scale).
        return _word_number(norm, 3, max_rest=0)
    return phrase


def parse_phq_answer(text: str) -> int | None:
    """0-3 from a button payload, a digit or a frequency phrase (en/nb); None if unclear."""
    return _parse_scale(text, PHQ_PHRASES, other_digits_unclear=True)


def parse_difficulty(text: str) -> int | None:
    return _parse_scale(text, DIFFICULTY_PHRASES, other_digits_unclear=False)


def parse_mood(text: str) -> int | None:
    """0-10 from a payload, "6", "6/10", "about a 6", "seks"; None if unclear."""
    raw = (text or "").strip()
    value = payload_entity(raw, "mood_value")
    if value is not None:
        return int(value) if value.isdigit() and int(value) <= 10 else None
    if is_payload(raw):
        return None
    norm = normalise(raw)
    if not norm:
        return None
    number = _scale_number(norm, 10)
    if number is not None:
        return number
    if re.search(r"\d", norm):
        return None
    return _word_number(norm, 10)


def is_stop(text: str) -> bool:
    norm = normalise(text)
    raw = (text or "").strip().lower()
    return raw in STOP_WORDS or norm in STOP_WORDS or raw.startswith(("/pause", "/stop_checkin"))


def is_skip(text: str) -> bool:
    raw = (text or "").strip().lower()
    return raw in SKIP_WORDS or normalise(text) in SKIP_WORDS


def is_plain_answer(text: str, max_words: int = 5) -> bool:
    """A short reply that is nothing but a check-in answer ("several days", "flere
    dager", "about a 6", "3"): the learned risk model is not asked about it (the
    rules still are), because on its own it says nothing about risk, and PHQ-9 item 9
    has its own rule. Longer replies are read in full."""
    raw = (text or "").strip()
    if not raw or len(raw.split()) > max_words:
        return False
    return (parse_phq_answer(raw) is not None or parse_difficulty(raw) is not None
            or parse_mood(raw) is not None)

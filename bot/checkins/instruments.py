"""The questionnaires: PHQ-9, PHQ-2 and the daily mood rating, with their scoring.

PHQ-9 (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606-613): nine items
scored 0-3 over the last two weeks, total 0-27, and an unscored tenth question on
how difficult the problems have made things. Severity bands 0-4 minimal, 5-9 mild,
10-14 moderate, 15-19 moderately severe, 20-27 severe. PHQ-2 is items 1 and 2; a
total of 3 or more is a positive screen (Kroenke, Spitzer & Williams 2003).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PHQ9 = "phq9"
PHQ2 = "phq2"
MOOD = "mood"
PHQ9_VERSION = "PHQ-9/2001"
PHQ2_VERSION = "PHQ-2/2003"
MOOD_VERSION = "mood-0-10/1"
VERSIONS = {PHQ9: PHQ9_VERSION, PHQ2: PHQ2_VERSION, MOOD: MOOD_VERSION}

DIFFICULTY_ITEM = 10  # the unscored "how difficult" question is stored as item 10
ITEM9 = 9

PHQ9_STEM = {
    "en": "Over the last 2 weeks, how often have you been bothered by this?",
    "nb": "Hvor ofte har du vært plaget av dette de siste 2 ukene?",
}

PHQ9_ITEMS: dict[str, tuple[str, ...]] = {
    "en": (
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself "
        "or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    "nb": (
        "Lite interesse for eller glede av å gjøre ting",
        "Følt deg nedfor, deprimert eller håpløs",
        "Problemer med å sovne eller sove gjennom natten, eller sovet for mye",
        "Følt deg trett eller hatt lite energi",
        "Dårlig appetitt eller spist for mye",
        "Dårlig selvfølelse — eller følt at du er mislykket eller har sviktet deg selv "
        "eller familien din",
        "Problemer med å konsentrere deg, for eksempel om å lese avisen eller se på TV",
        "Beveget deg eller snakket så langsomt at andre kunne merke det? Eller det motsatte — "
        "vært så urolig eller rastløs at du har beveget deg mye mer enn vanlig",
        "Tanker om at det ville vært bedre om du var død, eller om å skade deg selv på en eller "
        "annen måte",
    ),
}

PHQ9_OPTIONS: dict[str, tuple[str, ...]] = {
    "en": ("Not at all", "Several days", "More than half the days", "Nearly every day"),
    "nb": ("Ikke i det hele tatt", "Flere dager", "Mer enn halvparten av dagene",
           "Nesten hver dag"),
}

DIFFICULTY_QUESTION = {
    "en": "If you checked off any problems, how difficult have these problems made it for you "
          "to do your work, take care of things at home, or get along with other people?",
    "nb": "Hvis du har krysset av for noen av problemene, hvor vanskelig har disse problemene "
          "gjort det for deg å utføre arbeidet ditt, ta deg av ting hjemme eller komme overens "
          "med andre?",
}
DIFFICULTY_OPTIONS: dict[str, tuple[str, ...]] = {
    "en": ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"),
    "nb": ("Ikke vanskelig i det hele tatt", "Litt vanskelig", "Veldig vanskelig",
           "Ekstremt vanskelig"),
}

MOOD_QUESTION = {
    "en": "How would you rate your mood today, from 0 (the worst) to 10 (the best)?",
    "nb": "Hvordan vil du gi humøret ditt i dag en karakter fra 0 (verst) til 10 (best)?",
}

# (lowest total, band id, plain-language label)
BANDS: tuple[tuple[int, str], ...] = (
    (0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately_severe"), (20, "severe"),
)
BAND_LABELS = {
    "en": {"minimal": "minimal", "mild": "mild", "moderate": "moderate",
           "moderately_severe": "moderately severe", "severe": "severe"},
    "nb": {"minimal": "minimal", "mild": "mild", "moderate": "moderat",
           "moderately_severe": "moderat til alvorlig", "severe": "alvorlig"},
}
RELIABLE_CHANGE = 5  # points on the PHQ-9 treated as a reliable change


def lang_of(lang: str) -> str:
    return lang if lang in PHQ9_ITEMS else "en"


def severity_band(total: int) -> str:
    if not 0 <= total <= 27:
        raise ValueError(f"a PHQ-9 total is 0..27, not {total}")
    band = BANDS[0][1]
    for low, name in BANDS:
        if total >= low:
            band = name
    return band


def band_label(band: str, lang: str = "en") -> str:
    return BAND_LABELS[lang_of(lang)][band]


@dataclass(frozen=True)
class Phq9Score:
    total: int
    band: str
    item9: int
    complete: bool


def _check(answers: Mapping[int, int], items: range) -> None:
    for item, value in answers.items():
        if item not in items and item != DIFFICULTY_ITEM:
            raise ValueError(f"no PHQ item {item}")
        if not 0 <= int(value) <= 3:
            raise ValueError(f"PHQ answers are 0..3, item {item} has {value}")


def score_phq9(answers: Mapping[int, int]) -> Phq9Score:
    """Answers by item number (1-9; 10 is the unscored difficulty question)."""
    _check(answers, range(1, 10))
    scored = [int(answers[i]) for i in range(1, 10) if i in answers]
    total = sum(scored)
    return Phq9Score(total=total, band=severity_band(total), item9=int(answers.get(ITEM9, 0)),
                     complete=len(scored) == 9)


PHQ2_POSITIVE = 3  # a PHQ-2 total from which the screen is positive


def score_phq2(answers: Mapping[int, int]) -> tuple[int, bool]:
    """(total 0-6, positive screen): items 1 and 2; 3 or more is positive."""
    _check(answers, range(1, 3))
    total = int(answers.get(1, 0)) + int(answers.get(2, 0))
    return total, total >= PHQ2_POSITIVE


def item9_risk(value: int) -> tuple[str, str] | None:
    """(category, urgency) of a PHQ-9 item 9 answer above 0, else None.

    "Several days" is read as passive ideation; more than half the days or nearly
    every day as active ideation. Either way it starts the crisis response.
    """
    if value <= 0:
        return None
    if value == 1:
        return "passive_ideation", "soon"
    return "active_ideation", "urgent"


def deterioration(previous_total: int | None, total: int) -> str | None:
    """Why a new PHQ-9 total is a reliable worsening, or None."""
    if previous_total is None:
        return None
    if total - previous_total >= RELIABLE_CHANGE:
        return f"PHQ-9 up {total - previous_total} points ({previous_total} -> {total})"
    if severity_band(total) == "severe" and severity_band(previous_total) != "severe":
        return f"PHQ-9 into the severe band ({previous_total} -> {total})"
    return None

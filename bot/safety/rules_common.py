"""Shared building blocks for the risk rule tables.

A rule is a named regular expression that is matched against *normalised* text
(see ``detector.normalise``): lower case, no apostrophes (``don't`` -> ``dont``),
words separated by single spaces, sentence ends written as `` . `` and commas as
`` , ``.  Because a "word" never contains ``.`` or ``,``, the gap macros below
(``%G2%`` = up to two words) never reach across a sentence or comma boundary.

Macros (``%NAME%``) are expanded by :func:`expand` before compiling, so the rule
tables can stay readable for clinicians.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES: tuple[str, ...] = (
    "plan_or_intent",
    "active_ideation",
    "self_harm",
    "harm_to_others",
    "abuse",
    "passive_ideation",
    "past_attempt",
)

URGENCY: dict[str, str] = {
    "plan_or_intent": "urgent",
    "active_ideation": "urgent",
    "self_harm": "urgent",
    "harm_to_others": "urgent",
    "abuse": "urgent",
    "passive_ideation": "soon",
    "past_attempt": "routine",
}


@dataclass(frozen=True)
class Rule:
    """One detection rule.

    id:        stable rule name, shown in evidence (e.g. ``en.slang_kms``).
    category:  one of CATEGORIES.
    pattern:   regex over normalised text (macros allowed).
    requires:  optional regex that must ALSO occur somewhere in the message.
    unless:    optional regex; if it occurs anywhere in the message the rule is
               suppressed (an innocent context), unless ``distress_overrides``
               is set and the message also contains a distress marker.
    negatable: a denial right before the match ("not", "never", "ikke", ...)
               cancels this match.  False for rules whose wording already
               contains the negation ("don't want to live").
    past_ok:   a past-time marker in the same sentence ("when I was 19",
               "for noen år siden") turns the match into ``past_attempt``.
    attempt:   the rule describes an attempt; it is ``past_attempt`` unless a
               recent-time marker ("last night", "i går") makes it current
               (then ``self_harm``).
    """

    id: str
    category: str
    pattern: str
    requires: str | None = None
    unless: str | None = None
    negatable: bool = True
    past_ok: bool = False
    attempt: bool = False
    distress_overrides: bool = False


# Norwegian letters may be typed as ASCII: æ -> ae/a/e, ø -> oe/o, å -> aa/a.
_NB_FOLD = {"æ": "(?:æ|ae|a|e)", "ø": "(?:ø|oe|o)", "å": "(?:å|aa|a)"}


def fold_nb(pattern: str) -> str:
    """Let a Norwegian pattern also match text typed without æ/ø/å."""
    return "".join(_NB_FOLD.get(ch, ch) for ch in pattern)


MACROS: dict[str, str] = {
    # gaps of up to N words (never crossing " . " or " , ")
    # (a gap word is never a denial word, so "I have not ... hurt myself" is not
    #  swallowed by a gap; denials are handled by the detector's negation check)
    "NEGW": r"(?:not|no|never|dont|didnt|doesnt|havent|hasnt|wont|wouldnt|ikke|aldri|ingen)\b",
    "G1": r"(?:(?!%NEGW%)\w+ )?",
    "G2": r"(?:(?!%NEGW%)\w+ ){0,2}",
    "G3": r"(?:(?!%NEGW%)\w+ ){0,3}",
    "G4": r"(?:(?!%NEGW%)\w+ ){0,4}",
    "G6": r"(?:(?!%NEGW%)\w+ ){0,6}",
    # --- English
    "SELF": r"(?:myself|my self|meself|mysefl|myslef|mysel)",
    "KILL": r"(?:kill|kil|killing|kiling|killed|murder|murdering|off|offing)",
    "WANT": (
        r"(?:want|wanted|wanting|wnat|wan|wamt|whant|wish|wished|wishing|would like|"
        r"d like|need|needed|ready|longing|desire|tempted|going|planning|plan|"
        r"trying|try|tried|urge|urges|decided)"
    ),
    "THINK": (
        r"(?:think|thinking|thought|thoughts|considering|considered|fantasi[sz]ing|"
        r"fantasi[sz]e|dreaming|obsessing|imagining|imagine)"
    ),
    "IAM": r"(?:i am|im|i m)",
    "SUICIDE": r"(?:s[uy]i?[cs]i?d(?:e|al|ally|es)?|sui|suicidial|suicidle)",
    "LIFE": r"(?:my (?:own )?life|my own|it all|my existence)",
    "MEDS": (
        r"(?:pills?|tablets?|meds|medications?|medicines?|paracetamol|panadol|"
        r"ibuprofen|co codamol|codeine|tramadol|sertraline|citalopram|fluoxetine|"
        r"mirtazapine|amitriptyline|sleeping pills?|insulin|antidepressants?|"
        r"painkillers?|opioids?|zopiclone|diazepam|oxy\w*|morphine|aspirin|"
        r"piller|pillene|tabletter|tablettene|paracet|paracetamol|sovepiller|"
        r"sovetabletter|medisiner|medisinene|smertestillende|ibux|pinex|paralgin)"
    ),
    "PLACE": (
        r"(?:bridge|building|roof|rooftop|cliff|balcony|window|ledge|car park|"
        r"multi storey|tower|train|trains|tracks|railway|motorway|lorry|bus|traffic|"
        r"bru|brua|broa|broen|brukanten|taket|stupet|toget|togskinnene|skinnene|"
        r"jernbanen|vinduet|balkongen|bilen|trailer|traileren|bussen)"
    ),
    "OTHERS": (
        r"(?:(?:my |the |our |her |his |that |this )?(?:\w+ )?(?:baby|babies|newborn|"
        r"child|children|kid|kids|son|sons|daughter|daughters|toddler|partner|husband|"
        r"wife|boyfriend|girlfriend|bf|gf|boss|manager|mum|mom|mother|dad|father|"
        r"brother|sister|neighbour|neighbor|colleague|coworker|ex|family|flatmate|"
        r"teacher|friend)|(?:the |those |these |all the |that |this )?(?:people|person|guy|"
        r"man|woman|men|women|lads|girls|bastards?|idiots?)(?: who| that| at| in)?|"
        r"him|her|them|someone|somebody|anyone|anybody|people|everyone|a person)"
    ),
    "ABUSER": (
        r"(?:he|she|they|(?:my |her |his |mums |moms )(?:\w+ )?(?:partner|husband|wife|"
        r"boyfriend|girlfriend|bf|gf|dad|father|mum|mom|mother|stepdad|stepfather|"
        r"stepmum|stepmom|stepmother|ex|brother|sister|uncle|aunt|grandad|grandpa|"
        r"cousin|fiance|fiancee|carer|flatmate|son|daughter|coach|teacher))"
    ),
    # --- Norwegian (folded for ASCII typing when compiled)
    "JEG": r"(?:jeg|eg|e|æ|jæ|je)",
    "MEG": r"(?:meg|mæ|mæg|meij)",
    "NBWANT": (
        r"(?:vil|ville|vill|ønsker å|ønske å|ønsker|lyst til å|lyst å|lyst til|"
        r"lyst|lengter etter å|klar for å|klar til å|tenker på å|tenkt på å|tenker å|"
        r"tanker om å|planlegger å|vurderer å|vurdert å|kommer til å|skal|bare)"
    ),
    "SELVMORD": r"(?:sel[vf]?mor[dt]?|selvmord)",
    "NBOTHERS": (
        r"(?:(?:\w+ )?(?:babyen|baby|barnet|barna|ungen|ungene|sønnen|datteren|"
        r"dattera|mannen|kona|samboeren|kjæresten|sjefen|kollegaen|kollegaene|naboen|"
        r"mamma|pappa|moren|faren|broren|søsteren|eksen|venninnen|vennen)(?: min| mitt| mine)?|"
        r"(?:de|dem|folk|folka|han|hun|ham|henne|alle|noen) som|"
        r"ham|han|henne|hun|dem|noen|folk|andre|alle)"
    ),
    # children (for child-safety and filicide-risk families)
    "KIDS": (
        r"(?:(?:my |the |our |her |his |their |that |this |those |these |a |next doors |"
        r"the neighbours |the neighbors )?(?:\w+ )?(?:baby|babies|newborn|child|children|kid|"
        r"kids|son|sons|daughter|daughters|toddler|boy|girl|boys|girls|grandson|granddaughter|"
        r"grandkids|grandchildren|niece|nephew|stepson|stepdaughter|pupil|pupils)|them)"
    ),
    "NBKIDS": (
        r"(?:(?:\w+ )?(?:babyen|barnet|barna|ungen|ungene|sønnen|sønnene|datteren|dattera|"
        r"døtrene|gutten|guttene|jenta|jentene|nabobarna|nabobarnet|nabogutten|nabojenta|"
        r"eleven|elevene|barnebarnet|barnebarna|lillebroren|lillesøsteren|poden|småbarna)"
        r"(?: min| mi| mitt| mine| vår| våre| hans| hennes| deres)?|dem)"
    ),
    # future-time expressions (plan + timing)
    "NBTIME": (
        r"(?:i kveld|i natt|i morgen|i dag|i helga|i helgen|til helga|til helgen|"
        r"neste uke|snart|nå|etter jul|etter nyttår|før jul|på bursdagen min|"
        r"på (?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)|"
        r"når (?:ungene|barna|alle|de andre|mannen|kona|samboeren) (?:sover|er borte|drar))"
    ),
    # body parts, for self-harm with an object ("burned my arm")
    "BODY": (
        r"(?:wrists?|arms?|forearms?|legs?|thighs?|skin|stomach|belly|hips?|body|hands?|"
        r"chest|ankles?|shoulders?|face)"
    ),
    "NBBODY": (
        r"(?:armen|armene|underarmen|håndleddet|håndleddene|låret|lårene|magen|huden|beina|"
        r"leggen|leggene|hofta|hoftene|brystet|hånda|hånden|hendene|ansiktet|skuldra)"
    ),
    "NBABUSER": (
        r"(?:han|hun|de|(?:mannen|kona|samboeren|kjæresten|typen|faren|pappa|moren|mamma|"
        r"stefaren|stemoren|eksen|broren|søsteren|onkelen|bestefaren|fetteren)(?: min| mi)?|"
        r"(?:min|mitt) \w+)"
    ),
}

_MACRO_RE = re.compile(r"%([A-Z0-9]+)%")


def expand(pattern: str) -> str:
    """Expand %MACRO% references and drop apostrophes (text has none)."""
    for _ in range(3):  # macros may reference other macros
        new = _MACRO_RE.sub(lambda m: MACROS[m.group(1)], pattern)
        if new == pattern:
            break
        pattern = new
    return pattern.replace("'", "")


class Anywhere:
    """Message-level conditions ("does the pattern occur anywhere in this text?"),
    each searched once per text: asked once per match or per clause they made long
    messages quadratic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._seen: dict[re.Pattern[str], bool] = {}

    def __call__(self, rx: re.Pattern[str]) -> bool:
        if rx not in self._seen:
            self._seen[rx] = rx.search(self.text) is not None
        return self._seen[rx]

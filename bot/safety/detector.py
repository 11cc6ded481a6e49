"""Deterministic, explainable risk detector (English + Norwegian bokmål).

Pipeline
--------
1. ``normalise`` turns the message into one or two *variants* of plain text:
   NFKC, Unicode look-alikes from other scripts folded into Latin
   (``bot.safety.confusables``), casefold, curly quotes -> ', zero-width/format chars removed, control
   chars -> space, risk emoji -> marker words (``emoknife``), leetspeak and
   ``*``-masked words decoded (``k!ll``, ``d1e``, ``s*icide``), chat spellings
   and common typos mapped (``wnat`` -> ``want``, ``selvmor`` -> ``selvmord``),
   spaced letters joined (``k m s``), apostrophes dropped (``don't`` -> ``dont``),
   other punctuation removed.  Norwegian verb-second order after a fronted phrase
   ("i kveld tar jeg", "noen ganger tenker jeg") is rewritten to "jeg tar" /
   "jeg tenker" (never clause-initially, so yes/no questions are left alone).  Sentence ends (. ! ? ; : newline) become `` . ``
   and commas `` , `` so that rule gaps never cross a sentence.  Letters repeated
   3+ times are collapsed to two (``diiiie`` -> ``diie``) and, as a second
   variant, to one (``die``).
2. Every rule of both languages (``rules_en``, ``rules_nb``) is run over every
   variant of the whole message.  Gaps inside rules are word-bounded and stop at
   sentence/comma boundaries, so a risk sentence buried in a long message is
   found exactly as if it stood alone.
3. Each hit is checked against the rule's ``requires`` / ``unless`` context,
   then against a *local* negation test: the hit is cancelled only when a
   denial word ("not", "never", "no", "ikke", "aldri", "ingen") governs that very
   phrase (only filler words like "I have ever thought about" in between), or the
   phrase is answered with a bare "no"/"nei".  Other hits in the same message
   are unaffected ("I'm not suicidal, I just wouldn't care if I didn't wake up").
   A denied suicide/self-harm phrase followed by a hedge ("..., but the thought
   keeps coming back", "..., men tanken kommer") is kept as ``passive_ideation``
   (rule id ``hedged_denial``).  ``requires`` is tested first as a prefilter.
4. Self-harm/attempt hits are re-labelled ``past_attempt`` when their sentence
   has a past-time marker and no recent-time marker.
5. The concept co-occurrence layer (``concepts.find_concepts``) tags words with
   clinical concepts (SELF, WISH, DEATH, METHOD, PREP, VIOLENCE, ...) and fires
   when the right concepts co-occur in a clause (or it and the next clause);
   its hits are merged with the rule hits (union) with evidence like
   ``concepts SELF+WISH+DEATH: 'i' 'want' 'die' (concept/active_ideation)``.
6. The most urgent category wins (see ``CATEGORIES``); all hits are reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.safety import rules_en, rules_nb
from bot.safety.concepts import find_concepts
from bot.safety.confusables import fold_confusables
from bot.safety.rules_common import CATEGORIES, URGENCY, Anywhere, Rule, expand, fold_nb

__all__ = ["CATEGORIES", "RiskMatch", "RiskResult", "detect", "normalise"]

MAX_CHARS = 50_000  # longer input is truncated (it is still scanned up to this size)


@dataclass(frozen=True)
class RiskMatch:
    category: str
    urgency: str
    evidence: str  # matched span of the normalised text (concept layer: quoted words)
    rule: str
    concepts: str = ""  # concept layer only, e.g. "SELF+WISH+DEATH"

    def explain(self) -> str:
        if self.concepts:
            return f"concepts {self.concepts}: {self.evidence} (concept/{self.category})"
        return f"'{self.evidence}' ({self.category}/{self.rule})"


@dataclass(frozen=True)
class RiskResult:
    risk: bool
    category: str | None
    urgency: str | None
    evidence: list[str] = field(default_factory=list)
    matches: tuple[RiskMatch, ...] = ()

    @property
    def categories(self) -> list[str]:
        seen = {m.category for m in self.matches}
        return [c for c in CATEGORIES if c in seen]

    def to_dict(self) -> dict:
        return {
            "risk": self.risk,
            "category": self.category,
            "urgency": self.urgency,
            "evidence": list(self.evidence),
            "categories": self.categories,
        }


# --------------------------------------------------------------------------- normalisation

_FACES = "😵😐😶😑😩😫😖😣🙂🙃😬😀😁😄😊😌😪🫠"
_SAD_FACES = "😞😔😢😭💔😿🥺😓😥☹🙁😟"
_CHAR_MAP: dict[int, str] = {}
for _ch in "\u2018\u2019\u201a\u201b\u2032\u02bc\u02b9`´\uff07":
    _CHAR_MAP[ord(_ch)] = "'"
for _ch in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb":
    _CHAR_MAP[ord(_ch)] = '"'
for _cp in [0x00AD, 0x180E, 0xFEFF, 0xFE0E, 0xFE0F, 0x200D, 0x034F,
            *range(0x200B, 0x200D), *range(0x200E, 0x2010), *range(0x202A, 0x202F),
            *range(0x2060, 0x2065), *range(0x2066, 0x206A)]:
    _CHAR_MAP[_cp] = ""
for _cp in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]:
    _CHAR_MAP[_cp] = " "
for _cp in (0x0A, 0x0D, 0x2028, 0x2029):
    _CHAR_MAP[_cp] = " . "
_CHAR_MAP[ord("…")] = " . "
_EMOJI = {
    "🔪": "emoknife", "🗡": "emoknife", "🩸": "emoblood", "🪒": "emorazor",
    "💊": "emopills", "⚰": "emocoffin", "🪦": "emocoffin", "⚱": "emocoffin",
    "🔫": "emogun", "🪢": "emorope",
}
for _ch, _word in _EMOJI.items():
    _CHAR_MAP[ord(_ch)] = f" {_word} "
for _ch in _FACES:
    _CHAR_MAP[ord(_ch)] = " emoface "
for _ch in _SAD_FACES:
    _CHAR_MAP[ord(_ch)] = " emoface emosad "

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "+": "t"})
_LEET_CHARS = frozenset("013457@$!|€+*#")
_NUMBERISH = re.compile(
    r"\d+(?:[.,:]\d+)*(?:mg|ml|g|kg|am|pm|x|st|nd|rd|th|s|h|t|min|år|kr|km|k|%)?"
)
# Words a masked token (s*icide, k*ll) may stand for.
_MASK_LEXICON = (
    "suicide", "suicidal", "kill", "killing", "die", "dying", "dead", "death", "myself",
    "selfharm", "harm", "cut", "cutting", "rape", "raped", "unalive", "overdose",
    "selvmord", "selvmordstanker", "drepe", "voldtatt", "pills", "hang",
)
# Chat spellings / frequent typos, word by word (values may be several words).
TYPOS: dict[str, str] = {
    # English
    "wnat": "want", "wnt": "want", "wamt": "want", "whant": "want", "wan": "want",
    "wanna": "want to", "wana": "want to", "wannna": "want to", "wan2": "want to",
    "gonna": "going to", "gona": "going to", "gunna": "going to", "finna": "going to",
    "tryna": "trying to", "kil": "kill", "kiil": "kill", "myslef": "myself", "mysefl": "myself",
    "mysef": "myself", "meself": "myself", "mysself": "myself", "myselff": "myself",
    "u": "you", "ur": "your", "cuz": "because", "coz": "because", "bc": "because",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tonite": "tonight",
    "2nite": "tonight", "2night": "tonight", "2day": "today", "ppl": "people",
    "every1": "everyone", "some1": "someone", "any1": "anyone", "no1": "no one",
    "dnt": "dont", "dint": "didnt", "cnt": "cant", "cannot": "cant", "wudnt": "wouldnt",
    "wouldn": "wouldnt", "idk": "i dont know", "idc": "i dont care", "rn": "right now",
    "anymore": "anymore", "nomore": "no more", "alive": "alive", "sucidal": "suicidal",
    "suicdal": "suicidal", "sucide": "suicide", "suicde": "suicide", "suiside": "suicide",
    "dye": "dye", "unaliv": "unalive", "selfharm": "self harm", "selfharming": "self harming",
    "hurtin": "hurting", "cuttin": "cutting", "killin": "killing", "dyin": "dying",
    "thinkin": "thinking", "wantin": "wanting", "sh": "sh",
    # Norwegian
    "selvmor": "selvmord", "selmord": "selvmord", "selvmordtanker": "selvmordstanker",
    "selvmorstanker": "selvmordstanker", "selvmordstanke": "selvmordstanker",
    "selvmordtanke": "selvmordstanker", "ikkje": "ikke", "ikkj": "ikke", "ikek": "ikke",
    "ikk": "ikke", "ike": "ikke", "jg": "jeg", "jei": "jeg", "mæ": "meg", "mei": "meg",
    "orkar": "orker", "lengre": "lenger", "mit": "mitt", "vill": "vil", "livt": "livet",
    "killmyself": "kill myself", "kilmyself": "kill myself", "wanttodie": "want to die",
    "iwanttodie": "i want to die", "endmylife": "end my life", "hurtmyself": "hurt myself",
    "cutmyself": "cut myself", "selfdelete": "self delete", "wannadie": "want to die",
    "lyst2": "lyst til", "i'll": "i will", "i'ma": "im going to", "imma": "im going to",
    "d0": "dø", "doo": "dø", "døø": "dø",
    # Norwegian dialect / nynorsk-ish spellings people type in chat
    "sjøl": "selv", "sjæl": "selv", "sjol": "selv", "sæl": "selv", "meir": "mer",
    "døy": "dø", "berre": "bare", "vere": "være", "dæ": "deg", "heilt": "helt",
    "itj": "ikke", "itte": "ikke",
    "noko": "noe", "ønskjer": "ønsker", "leva": "leve", "livå": "livet",
    # English chat spellings
    "wna": "want to", "wnna": "want to", "wanted2": "wanted to", "myslf": "myself",
    "mself": "myself", "slef": "self", "dont't": "dont", "cant't": "cant",
    "aint": "am not", "prolly": "probably", "b4": "before", "tho": "though",
    "bout": "about", "abt": "about", "thru": "through", "nd": "and",
}

_PUNCT_TRIM = ".,!?;:()[]{}\"'«»-–—/\\<>*#~_^`|+=&"
_SENT_END = re.compile(r"[.!?;:]")
_INNER_NONWORD = re.compile(r"[^\w']+")
_SPACED = re.compile(r"(?<!\w)(?:[a-zæøå] ){2,}[a-zæøå](?!\w)")
_TRIPLE = re.compile(r"([^\W\d_])\1{2,}")
_MULTISPACE = re.compile(r"\s+")
# Norwegian verb-second word order puts the verb before "jeg" after a fronted
# phrase ("i kveld tar jeg alle pillene", "noen ganger tenker jeg på å ...").
# When the verb is NOT clause-initial (so it is not a yes/no question), the pair is
# rewritten to subject-verb order so that one rule covers both word orders.
_NB_V2_VERBS = (
    "vil|ville|skal|skulle|kan|kunne|må|måtte|tenker|tenkte|tenkt|har|hadde|er|var|kommer|"
    "kom|orker|gidder|føler|følte|prøver|prøvde|prøvd|forsøkte|tok|tar|ønsker|ønsket|"
    "gjør|gjorde|stikker|dreper|slår|slo|kutter|kuttet|skar|brente|svelger|svelget|"
    "lengter|håper|drømmer|planlegger|vurderer|blir|ble|trenger|fortjener|ristet|rister|"
    "sparket|dyttet|vet|lå|gikk|går|hopper|tenkjer|vurderte|tror|trodde"
)
_NB_V2 = re.compile(rf"(?<=[^\s.,] )({_NB_V2_VERBS}) (jeg|eg|æ)(?= )")
_BOUNDARY_RUN = re.compile(r"(?:\s*[.,]\s*)*\.(?:\s*[.,]\s*)*")


def _unmask(core: str) -> str:
    """Resolve a masked token (``s*icide``) against the risk lexicon."""
    pat = re.escape(core).replace(r"\*", "[a-zæøå]{0,3}").replace(r"\#", "[a-zæøå]{0,3}")
    rx = re.compile(pat)
    for word in _MASK_LEXICON:
        if rx.fullmatch(word):
            return word
    return core.replace("*", "").replace("#", "")


def _decode_token(core: str) -> str:
    if "'" in core and core in TYPOS:
        return TYPOS[core]
    if (_LEET_CHARS.intersection(core) and any(c.isalpha() for c in core)
            and not _NUMBERISH.fullmatch(core)):
        if "*" in core or "#" in core:
            core = _unmask(core)
        core = core.translate(_LEET)
    return _INNER_NONWORD.sub(" ", core.replace("'", "")).strip()


def normalise(text: str) -> list[str]:
    """Return the normalised variants of ``text`` (1 or 2 strings)."""
    if not isinstance(text, str):
        raise TypeError(f"detect() expects str, got {type(text).__name__}")
    text = fold_confusables(unicodedata.normalize("NFKC", text[:MAX_CHARS]))
    text = text.translate(_CHAR_MAP).casefold()
    out: list[str] = []
    for raw in text.split():
        core = raw.strip(_PUNCT_TRIM)
        if core:
            lead = raw[: raw.find(core[0])] if core else ""
            if _SENT_END.search(lead):
                out.append(".")
            decoded = _decode_token(core)
            if decoded:
                out.append(decoded)
            tail = raw[raw.rfind(core[-1]) + 1:]
        else:
            tail = raw
        if _SENT_END.search(tail):
            out.append(".")
        elif "," in tail:
            out.append(",")
    base = " ".join(out)
    base = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), base)
    base = " ".join(TYPOS.get(tok, tok) for tok in base.split())
    base = _BOUNDARY_RUN.sub(" . ", base)
    base = _NB_V2.sub(r"\2 \1", base)
    base = " " + _MULTISPACE.sub(" ", base).strip() + " "
    two = _TRIPLE.sub(r"\1\1", base)
    one = _TRIPLE.sub(r"\1", base)
    return [two] if one == two else [two, one]


# --------------------------------------------------------------------------- context

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATIONS = _words(
    "not no never dont doesnt didnt isnt arent wasnt werent havent hasnt hadnt wont wouldnt "
    "nor neither nope without ikke aldri ingen ikkje nei uten verken hverken"
)
# Words that may stand between a denial and the risk phrase ("never really thought about").
FILLERS = _words(
    "i im am ive id have has had ever been really actually even any thought thoughts thinking "
    "think of about want wanted wanting plans plan planning going to gonna feel feeling felt "
    "being be would will could ll the a an got get urges urge intention intentions desire "
    "wish tried try considered seriously currently now right at all do does did is are was "
    "such kind sort type sense my and or "
    "jeg har hadde er var hatt noen tenkt tenker på pa paa tanker tanke om å a aa planer plan "
    "lyst til vil ville kommer skal egentlig gjort prøvd forsøkt følt noensinne før så "
    "særlig heller akkurat nå no for tiden og eller tenkte det"
)
# "suicidal thoughts? no" / "selvmordstanker: nei" (up to two words before the answer)
_POST_NEG = re.compile(
    r"^(?:\s+\w+){0,2}\s*(?:[.,]\s*)?\b(?:no|nope|none|never|nei|ingen|aldri|not really|"
    r"not at all|ikke)\s*(?:[.,]|$)"
)
PAST = re.compile(fold_nb(
    r"\b(?:when i was|as a (?:kid|child|teen|teenager|student)|years? ago|months ago|"
    r"in (?:19|20)\d\d|in (?:high |secondary |primary )?school|at (?:school|uni|university|"
    r"college)|in (?:uni|university|college|my teens|my twenties|the past|year \d+)|used to|"
    r"a few years (?:back|ago)|years back|back then|ages ago|as a teen|previously|"
    r"when i was younger|aged \d+|at (?:age )?\d\d|not anymore|no longer|"
    r"stopped|da jeg var|da jeg gikk|for (?:\w+ )?(?:år|måneder) siden|som (?:tenåring|barn|ung|"
    r"student)|på (?:ungdomsskolen|videregående|barneskolen|universitetet|ungdomsskolen)|"
    r"i (?:19|20)\d\d|tidligere|i ungdommen|i tenårene|før i tiden|for lenge siden|ikke lenger|"
    r"sluttet|"
    # months / last year ("in March", "i mars", "last year", "i fjor")
    r"in (?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)|last (?:year|summer|winter|spring|autumn|christmas|easter)|"
    r"the year before|i (?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|"
    r"november|desember)|i fjor\w*|forrige (?:år|sommer|vinter|jul)|"
    # the aftermath of a completed episode ("ended up in A&E", "stomach pumped")
    r"ended up in (?:a ?and ?e|a e|hospital|icu|intensive care|the psych ward)|"
    r"stomach pumped|pumped my stomach|pumpe magen|pumpet magen|havnet på (?:sykehus\w*|"
    r"legevakt\w*|intensiven|psykiatrien)|lå (?:på|to uker på|\w+ \w+ på) sykehus\w*)\b"
))
RECENT = re.compile(fold_nb(
    r"\b(?:last night|yesterday|today|this morning|tonight|this week|this weekend|just now|"
    r"just|again|an hour ago|hours ago|earlier today|right now|minutes ago|last week|"
    r"i går|i dag|i natt|i kveld|nettopp|igjen|denne uka|denne uken|i morges|forrige uke|"
    r"i helgen)\b"
))
DISTRESS = re.compile(fold_nb(
    r"\b(?:cant take|cant cope|cant go on|cant do this|hopeless|worthless|no way out|"
    r"want to die|done with|give up|giving up|nobody cares|no one cares|hate myself|im done|"
    r"end it|better off|no point|tired of|kill myself|suicid\w*|over it|want out|"
    r"orker ikke|håpløs|ingen bryr seg|gir opp|hater meg selv|ferdig med|ingen vits|"
    r"vil dø|ta livet|selvmord\w*|verdiløs|emosad)\b"
))


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    rx: re.Pattern[str]
    requires: re.Pattern[str] | None
    unless: re.Pattern[str] | None


def _compile(rules: tuple[Rule, ...], nb: bool) -> list[_Compiled]:
    def comp(p: str | None) -> re.Pattern[str] | None:
        if p is None:
            return None
        p = expand(p)
        return re.compile(fold_nb(p) if nb else p)

    out = []
    for r in rules:
        if r.category not in URGENCY:
            raise ValueError(f"rule {r.id}: unknown category {r.category!r}")
        rx = comp(r.pattern)
        assert rx is not None
        out.append(_Compiled(r, rx, comp(r.requires), comp(r.unless)))
    return out


RULES: tuple[Rule, ...] = rules_en.RULES + rules_nb.RULES
_COMPILED: list[_Compiled] = _compile(rules_en.RULES, nb=False) + _compile(rules_nb.RULES, nb=True)
_ids = [r.id for r in RULES]
if len(_ids) != len(set(_ids)):  # pragma: no cover - guards the rule tables
    raise ValueError("duplicate rule ids in risk rule tables")


# How far around a match the context checks look. Bounded, so that a long message
# with many matches costs linear time, not quadratic (16 KB of "die die ..." once
# took 2 s, and 50 KB of another shape 13 minutes, inside Rasa's event loop).
_LOOK_BACK = 240
_SENTENCE_REACH = 600


def _negated(text: str, start: int, end: int) -> bool:
    lo = max(0, start - _LOOK_BACK)
    before = text[lo:start].split()
    if lo > 0 and before:
        before = before[1:]  # the first word may be cut
    for tok in reversed(before[-10:]):
        if tok in NEGATIONS:
            return True
        if tok in FILLERS:
            continue
        break
    return bool(_POST_NEG.match(text[end:end + 30]))


def _sentence(text: str, start: int, end: int) -> str:
    lo, hi = max(0, start - _SENTENCE_REACH), min(len(text), end + _SENTENCE_REACH)
    s = text.rfind(" . ", lo, start)
    e = text.find(" . ", end, hi)
    return text[s + 1 if s >= 0 else lo: e if e >= 0 else hi]


def _classify(c: _Compiled, text: str, m: re.Match[str], anywhere: Anywhere) -> str | None:
    """``anywhere`` answers the message-level conditions for ``text`` (each searched
    once per text, not once per match)."""
    r = c.rule
    if (c.unless is not None and anywhere(c.unless)
            and not (r.distress_overrides and anywhere(DISTRESS))):
        return None
    if r.negatable and _negated(text, m.start(), m.end()):
        return None
    category = r.category
    if r.attempt or r.past_ok:
        sent = _sentence(text, m.start(), m.end())
        recent = RECENT.search(sent) is not None
        past = PAST.search(sent) is not None
        if r.attempt:
            category = "self_harm" if recent else "past_attempt"
        elif past and not recent:
            category = "past_attempt"
    return category


# A denial followed by a hedge keeps the risk ("I wouldn't do it, but I can't promise";
# "jeg har ikke lyst til å dø, men noen ganger tenker jeg på det").
_HEDGE = re.compile(fold_nb(
    r"\b(?:but|though|although|except|men|selv om|bortsett fra) (?:\w+ ){0,4}(?:"
    r"(?:i )?(?:think about it|thought about it|thinking about it|wonder about it)|"
    r"the thoughts? (?:is|are|keeps?|comes?|crosses|still|never|wont)|"
    r"(?:it|the idea) (?:crosses|crossed|keeps crossing) my mind|cant promise|"
    r"cannot promise|part of me|some days i (?:want|wish)|sometimes i (?:want|wish) (?:to|i)|"
    r"tenker på det|tenkt på det|tenkte på det|tanken (?:er|kommer|slår|streifer|"
    r"dukker)|kan ikke love|en del av meg|noen dager (?:vil|ønsker|har lyst))\b"
))

_PRIORITY = {c: i for i, c in enumerate(CATEGORIES)}
_HEDGEABLE = frozenset({"plan_or_intent", "active_ideation", "self_harm",
                        "passive_ideation"})
_SUBSUMED_BY_PAST = frozenset({"active_ideation", "self_harm", "plan_or_intent"})


def detect(text: str, lang: str | None = None) -> RiskResult:
    """Detect risk in one patient message.

    ``lang`` ("en"/"nb") is only a hint and does not restrict the rules: both the
    English and the Norwegian rule tables are always applied.
    """
    variants = normalise(text)
    found: dict[tuple[str, str], RiskMatch] = {}
    for variant in variants:
        hits: list[tuple[int, int, str, str]] = []  # start, end, category, rule id
        denied: list[tuple[int, int]] = []  # suicide/self-harm hits cancelled by a denial
        anywhere = Anywhere(variant)
        for c in _COMPILED:
            # ``requires`` is a message-level condition: test it first (cheap prefilter).
            if c.requires is not None and not c.requires.search(variant):
                continue
            for m in c.rx.finditer(variant):
                category = _classify(c, variant, m, anywhere)
                if category is not None:
                    hits.append((m.start(), m.end(), category, c.rule.id))
                elif (c.rule.category in _HEDGEABLE and c.rule.negatable
                      and _negated(variant, m.start(), m.end())):
                    denied.append((m.start(), m.end()))
        if denied and not hits:
            for s, e in denied:
                h = _HEDGE.search(variant, e, e + _LOOK_BACK)
                if h:
                    hits.append((s, h.end(), "passive_ideation", "hedged_denial"))
                    break
        # A phrase inside a disclosed *past* attempt ("I tried to kill myself when I
        # was 19") is part of that history, not a current statement.
        past = [(s, e) for s, e, cat, _ in hits if cat == "past_attempt"]
        for s, e, category, rule_id in hits:
            if category in _SUBSUMED_BY_PAST and any(s < pe and ps < e for ps, pe in past):
                continue
            span = variant[s:e].strip()
            key = (rule_id, span)
            if key not in found:
                found[key] = RiskMatch(category, URGENCY[category], span, rule_id)
        # Second layer: concept co-occurrence (union with the phrase rules).
        for ch in find_concepts(variant, _negated, PAST, RECENT):
            if ch.category in _SUBSUMED_BY_PAST and any(
                    s < ch.end and ch.start < e for s, e in past):
                continue
            key = (ch.rule, ch.evidence)
            if key not in found:
                found[key] = RiskMatch(ch.category, URGENCY[ch.category], ch.evidence,
                                       ch.rule, ch.concepts)
    if not found:
        return RiskResult(False, None, None, [], ())
    matches = tuple(sorted(found.values(), key=lambda x: _PRIORITY[x.category]))
    top = matches[0].category
    return RiskResult(
        risk=True,
        category=top,
        urgency=URGENCY[top],
        evidence=[m.explain() for m in matches],
        matches=matches,
    )

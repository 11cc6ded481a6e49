"""Which language a patient, a GP or a practice reads: the one place that decides.

* A practice's language is its ``language`` column, else the language of its country
  (``nb`` for Norway), else English.
* A GP reads their own ``language``, else their practice's.
* A patient reads ``patients.language``: set at the invite (``--language``, else the
  practice's), changed in chat ("kan vi snakke norsk?", "English please", /language).
* :func:`guess_language` tells bokmål from English in a patient's first messages, so the
  bot can offer to switch; it only ever offers, it never switches by itself.
"""
from __future__ import annotations

import re

SUPPORTED: tuple[str, ...] = ("en", "nb")
NAMES = {"en": "English", "nb": "norsk"}
COUNTRY_LANGUAGE = {"NO": "nb"}

_ALIASES = {
    "en": "en", "eng": "en", "english": "en", "engelsk": "en", "inglés": "en",
    "nb": "nb", "no": "nb", "nn": "nb", "nob": "nb", "nor": "nb", "norsk": "nb",
    "bokmål": "nb", "bokmal": "nb", "norwegian": "nb", "nynorsk": "nb", "norsk bokmål": "nb",
}


def normalise(code: str | None) -> str | None:
    """'nb', 'no', 'nn-NO', 'Norsk', 'English' ... -> 'nb' / 'en'; None if not known."""
    if not code:
        return None
    low = code.strip().lower().replace("_", "-")
    return _ALIASES.get(low) or _ALIASES.get(low.split("-")[0])


def practice_language(practice: object | None) -> str:
    own = normalise(getattr(practice, "language", None))
    if own:
        return own
    return COUNTRY_LANGUAGE.get(str(getattr(practice, "country", "") or "").upper(), "en")


def gp_language(gp: object | None) -> str:
    return normalise(getattr(gp, "language", None)) or practice_language(
        getattr(gp, "practice", None))


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Function words and everyday chat words, kept short: a message needs two more hits
# for one language than the other before a guess is made.
_NB = _words("""
jeg eg meg mæ deg dæ du han hun vi dere de seg og ikke ikkje itte er var har hadde
skal vil kan kunne må så for på til fra med av om men som det den dette noe nåkka
hva ka kva hvordan korleis kossen hvorfor hvem hvor når bare også litt veldig mye ja
nei jo hei hallo takk tusen greit fint sliten trist lei glad redd dag natt i dag
morgen kveld jobb skole venner familie føler føles syns synes tror vet vært blitt
får fått gjøre gjør går gikk ikke helt egentlig kanskje altså liksom
""")
_EN = _words("""
i me my you your he she we they it is am are was were be been have has had do does
did will would can could should must not don't dont can't cant the a an and or but
of to in on at for with from about what how why who where when just also very really
yes no yeah hi hello thanks thank please okay ok feel feeling tired sad today
tonight morning work school friends family think know going want need like
""")
_WORD = re.compile(r"[a-zæøåäöüé']+")


def guess_language(text: str) -> str | None:
    """'nb', 'en' or None (too short, too mixed, or not words at all: random letters
    hit short function words by chance, so the hits must also be a fifth of the words)."""
    words = _WORD.findall(text.lower()[:2000])
    if not words:
        return None
    nb_words = sum(1 for w in words if w in _NB)
    en_words = sum(1 for w in words if w in _EN)
    nb = nb_words + 2 * sum(1 for ch in text.lower()[:2000] if ch in "æøå")
    en = en_words
    enough = max(2, len(words) / 5)
    if nb >= en + 2 and nb >= enough:
        return "nb"
    if en >= nb + 2 and en >= enough:
        return "en"
    return None

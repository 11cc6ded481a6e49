"""Look-alike letters from other scripts, folded into Latin before risk is read.

"i wаnt to die" with a Cyrillic "а" must read as it looks. The table is Unicode's
confusables data as shipped by ``confusable_homoglyphs``; it is applied only inside
words that mix scripts, so a Cyrillic word stays Cyrillic and æ, ø, å stay as they are.
"""
from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """A Latin look-alike for a confusable letter (Cyrillic 'а' -> 'a'), else ``ch``.

    Uses the Unicode confusables table shipped by ``confusable_homoglyphs``; letters
    of the Latin script (æ, ø, å included) are kept as they are.
    """
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
    if not found:
        return ch
    for entry in found:
        for glyph in entry.get("homoglyphs", []):
            c = glyph.get("c", "")
            if c.isascii() and c.isalpha():
                return str(c).lower()
    return ch


_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7fæøåÆØÅéèêüöäÉ]")


def fold_confusables(text: str) -> str:
    """Fold look-alike letters from other scripts into Latin, only inside words that
    also contain Latin letters (a Cyrillic word stays Cyrillic; 'wаnt' becomes 'want')."""
    if text.isascii():
        return text

    def fold_word(m: re.Match[str]) -> str:
        word = m.group(0)
        if not any("a" <= c.lower() <= "z" for c in word) or not _NON_ASCII_LETTER.search(word):
            return word
        return "".join(_fold_char(c) if _NON_ASCII_LETTER.match(c) else c for c in word)

    return re.sub(r"\w+", fold_word, text)



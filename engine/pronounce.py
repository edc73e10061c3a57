"""Pronunciations for words the CMU dictionary lacks, derived from words it has.

Knowledge bases use British spellings, brand names made of two words, plurals and short
codes that the bundled (American) dictionary does not list.  :func:`derive` tries, in turn:

1. American spellings ("instalments" -> "installments", "jewellery" -> "jewelry",
   "personalised" -> "personalized", "colour" -> "color");
2. a known stem plus a suffix ("statuses" = status + IH Z, "unworn" = AH N + worn);
3. two known words ("harborlane" = harbor + lane, "cloudstep" = cloud + step);
4. letter by letter for codes of up to three letters or without vowels ("xl", "qr").

It returns phone strings ("HH AA R B ER L EY N"), or an empty list when nothing fits.
"""

from __future__ import annotations

from collections.abc import Mapping

Lexicon = Mapping[str, list[str]]  # word -> dictionary lines ("word(2) PH ON ES")

_SPELLINGS = (
    ("isation", "ization"), ("ise", "ize"), ("isi", "izi"), ("yse", "yze"), ("our", "or"),
    ("ll", "l"), ("l", "ll"), ("tre", "ter"), ("ogue", "og"), ("ence", "ense"),
    ("ae", "e"), ("oe", "e"), ("eller", "elr"), ("programme", "program"), ("grey", "gray"),
    ("cheque", "check"), ("tyre", "tire"), ("pyjama", "pajama"), ("ery", "ry"),
)  # fmt: skip
_SIBILANTS = {"S", "Z", "SH", "ZH", "CH", "JH"}
_VOICELESS = {"P", "T", "K", "F", "TH", "S", "SH", "CH", "HH"}
_LETTER_A = "EY"


def phones(lexicon: Lexicon, word: str) -> list[str]:
    """All pronunciations of a known word, as phone strings."""
    return [line.split(" ", 1)[1] for line in lexicon.get(word, []) if " " in line]


def _spelling_variants(word: str) -> list[str]:
    out: list[str] = []
    for british, american in _SPELLINGS:
        start = word.find(british)
        while start != -1:
            out.append(word[:start] + american + word[start + len(british) :])
            start = word.find(british, start + 1)
        if british in word:
            out.append(word.replace(british, american))
    return out


def _plural(stem: str) -> str:
    last = stem.split()[-1]
    return "IH Z" if last in _SIBILANTS else "S" if last in _VOICELESS else "Z"


def _past(stem: str) -> str:
    last = stem.split()[-1]
    return "IH D" if last in {"T", "D"} else "T" if last in _VOICELESS else "D"


def _by_spelling(lexicon: Lexicon, word: str) -> list[str]:
    for variant in _spelling_variants(word):
        if found := phones(lexicon, variant):
            return found
    return []


def _known(lexicon: Lexicon, word: str) -> list[str]:
    return phones(lexicon, word) or _by_spelling(lexicon, word)


def _by_affix(lexicon: Lexicon, word: str) -> list[str]:
    suffixes = (
        ("'s", None), ("s", None), ("es", None), ("ed", None), ("d", None),
        ("ing", "IH NG"), ("er", "ER"), ("ers", "ER Z"), ("ly", "L IY"),
    )  # fmt: skip
    for suffix, tail in suffixes:
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < 3:
            continue
        for base in _known(lexicon, stem)[:1]:
            if suffix in ("'s", "s", "es"):
                return [f"{base} {_plural(base)}"]
            if suffix in ("ed", "d"):
                return [f"{base} {_past(base)}"]
            return [f"{base} {tail}"]
    for prefix, head in (("un", "AH N"), ("re", "R IY"), ("pre", "P R IY")):
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 3:
            for base in (_known(lexicon, rest) or _by_affix(lexicon, rest))[:1]:
                return [f"{head} {base}"]
    return []


def _by_compound(lexicon: Lexicon, word: str) -> list[str]:
    if len(word) < 6:
        return []
    for cut in range(len(word) - 3, 1, -1):  # longest first part first
        first, second = word[:cut], word[cut:]
        left = _known(lexicon, first)[:1]
        right = (_known(lexicon, second) or _by_affix(lexicon, second))[:1]
        if left and right:
            return [f"{left[0]} {right[0]}"]
    return []


def _by_letters(lexicon: Lexicon, word: str) -> list[str]:
    if not word.isalpha() or not (len(word) <= 3 or not any(c in "aeiouy" for c in word)):
        return []
    spelled: list[str] = []
    for letter in word:
        found = [_LETTER_A] if letter == "a" else phones(lexicon, letter)[:1]
        if not found:
            return []
        spelled.append(found[0])
    return [" ".join(spelled)]


def derive(lexicon: Lexicon, word: str) -> list[str]:
    """Pronunciations for an unknown word, or [] (see the module docstring)."""
    for rule in (_by_spelling, _by_affix, _by_compound, _by_letters):
        if found := rule(lexicon, word):
            return found
    return []


def dictionary_lines(word: str, pronunciations: list[str]) -> list[str]:
    """Lines for a pocketsphinx dictionary: "word PH", "word(2) PH"..."""
    return [
        f"{word if i == 0 else f'{word}({i + 1})'} {pron}" for i, pron in enumerate(pronunciations)
    ]

"""Text normalisation for the speech components: Markdown to plain sentences, numbers,
times, prices and symbols written as words, lower-case word tokens.

Speech recognisers see words as they are spoken, so "Open 9am-6pm, 7 days" becomes
``["open", "nine", "a.m.", "to", "six", "p.m.", "seven", "days"]``.
"""

from __future__ import annotations

import re
import unicodedata


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ONES = _words(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen"""
)
_TENS = _words("_ _ twenty thirty forty fifty sixty seventy eighty ninety")
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
_ORDINAL_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
_SYMBOLS = {"&": " and ", "%": " percent ", "+": " plus ", "@": " at ", "=": " equals "}


def number_to_words(n: int) -> str:
    """Cardinal number in words: 1234 -> "one thousand two hundred thirty four"."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_to_words(rest))
    for scale, name in _SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            tail = "" if rest == 0 else " " + number_to_words(rest)
            return number_to_words(high) + " " + name + tail
    raise AssertionError("unreachable")


def ordinal_to_words(n: int) -> str:
    """Ordinal number in words: 21 -> "twenty first"."""
    words = number_to_words(n).split()
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        words[-1] = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _time(match: re.Match[str]) -> str:
    hour, minute, suffix = int(match["h"]), match["m"], (match["ampm"] or "").lower()
    words = number_to_words(hour)
    if minute and int(minute):
        m = int(minute)
        words += (" oh " if m < 10 else " ") + number_to_words(m)
    if suffix:
        words += " a.m." if suffix.startswith("a") else " p.m."
    return f" {words} "


def _money(match: re.Match[str]) -> str:
    whole, cents = int(match["whole"].replace(",", "")), match["cents"]
    unit = {"$": "dollar", "€": "euro", "£": "pound"}[match["cur"]]
    words = f"{number_to_words(whole)} {unit}{'' if whole == 1 else 's'}"
    if cents and int(cents):
        words += f" {number_to_words(int(cents))}"
    return f" {words} "


def _number(match: re.Match[str]) -> str:
    digits = match["n"].replace(",", "")
    if match["ord"]:
        return f" {ordinal_to_words(int(digits))} "
    if match["frac"]:
        frac = " ".join(_ONES[int(d)] for d in match["frac"])
        return f" {number_to_words(int(digits))} point {frac} "
    if len(digits) > 12 or (len(digits) > 1 and digits[0] == "0"):  # codes, phone numbers
        return " " + " ".join(_ONES[int(d)] for d in digits) + " "
    return f" {number_to_words(int(digits))} "


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(https?://|www\.)\S+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_TIME = re.compile(
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)(?![a-z])"
    r"|\b(?P<h2>\d{1,2}):(?P<m2>\d{2})\b",
    re.IGNORECASE,
)
_MONEY = re.compile(r"(?P<cur>[$€£])\s?(?P<whole>\d[\d,]*)(?:\.(?P<cents>\d{2}))?")
_NUMBER = re.compile(r"(?P<n>\d[\d,]*\d|\d)(?:\.(?P<frac>\d+))?(?P<ord>st|nd|rd|th)?\b")
_RANGE = re.compile(r"(?<=\w)\s*[-–]\s*(?=\d)")
_SENTENCE_END = re.compile(r"(?<![ap]\.m)[.!?;:]+(?=\s|$)|\n+")
_TOKEN = re.compile(r"\b[ap]\.m\.|[a-z]+(?:'[a-z]+)*")


def _time_any(match: re.Match[str]) -> str:
    if match["h2"] is not None:  # 24-hour "14:30" without a.m./p.m.
        hour, minute = int(match["h2"]), int(match["m2"])
        words = number_to_words(hour)
        if minute:
            words += (" oh " if minute < 10 else " ") + number_to_words(minute)
        return f" {words} "
    return _time(match)


def strip_markdown(text: str) -> str:
    """Drop Markdown syntax, links' targets, URLs and e-mail addresses."""
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = re.sub(r"`{3}.*?`{3}", " ", text, flags=re.DOTALL)
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return re.sub(r"[*_`|]+", " ", text)


def spoken_form(text: str) -> str:
    """Write times, prices, numbers and symbols as words (case is kept)."""
    text = _RANGE.sub(" to ", text)
    text = _TIME.sub(_time_any, text)
    text = _MONEY.sub(_money, text)
    text = _NUMBER.sub(_number, text)
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    return text


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of already spoken-form text ("a.m."/"p.m." kept whole);
    accents are dropped ("café" -> "cafe")."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return _TOKEN.findall(folded.encode("ascii", "ignore").decode("ascii"))


def sentences(text: str) -> list[list[str]]:
    """Split Markdown or plain text into sentences of spoken-form word tokens."""
    spoken = spoken_form(strip_markdown(text))
    out = [tokenize(part) for part in _SENTENCE_END.split(spoken)]
    return [words for words in out if words]


def headings(text: str) -> list[list[str]]:
    """The Markdown headings of ``text`` as spoken-form word tokens."""
    found = re.findall(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return [words for h in found if (words := tokenize(spoken_form(strip_markdown(h))))]

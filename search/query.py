"""Turn free text (a user's speech transcript, a model's query) into a safe search expression.

Nothing of the input reaches FTS5's query syntax: the text is cut into the same tokens the
index's ``unicode61`` tokenizer makes (letters and digits; apostrophes, quotes, ``*``, ``:``,
``^``, brackets and every other punctuation separate words), stopwords and one-letter words are
dropped, and each remaining term is written as a quoted FTS5 string, so ``AND``, ``OR``, ``NOT``
and ``NEAR`` are plain words. Terms are joined with ``OR`` and BM25 ranks the chunks that match
more (and rarer) terms first. The index stems words (Porter), so ``return`` also finds
``returns``, ``returned``, ``returning``; terms of ``PREFIX_MIN_LEN`` letters or more also match
as a prefix (``deliver*`` finds ``delivery``, which Porter stems differently).

``SearchIndex`` sends FTS5 the same quoted terms, choosing among them by document frequency
(``search.planner``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MAX_SCANNED_CHARS",
    "MAX_TERMS",
    "PREFIX_MIN_LEN",
    "STOPWORDS",
    "fts5_query",
    "query_terms",
]

MAX_SCANNED_CHARS = 2000
"""Only the start of a longer text is looked at (a 10 KB transcript costs the same as 2 KB)."""
MAX_TERMS = 24
"""At most this many distinct terms are searched for, in order of appearance."""
PREFIX_MIN_LEN = 6
"""Shorter terms match whole words only: Porter stemming already matches their inflections,
and a stemmed short prefix over-matches (``mars`` -> ``mar*`` -> ``market``)."""

_TOKEN = re.compile(r"[^\W_]+")

_STOPWORDS_TEXT = """
    a about above after again against all also am an and any anybody anyone anything are aren
    as at be because been before being below between both but by can cannot could couldn d did
    didn do does doesn doing don down during each either else even ever every few for from
    further get gets getting go goes going got had hadn has hasn have haven having he her here
    hers herself him himself his how i if in into is isn it its itself just know let like ll m
    may me might mine more most much must mustn my myself need no nor not now of off on once
    only or other ought our ours ourselves out over own please re really s same say says
    shall shan she should shouldn so some something such t tell than thank thanks that the
    their theirs them themselves then there these they this those through to too under until
    up us ve very want wanted was wasn we well were weren what whats when where whether which
    while who whom whose why will with won would wouldn y yes yet you your yours yourself
    yourselves hi hello hey okay ok um uh er erm hmm oh ah please sure maybe actually
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())
"""English function words, question words and speech fillers: they carry no topic."""


def query_terms(text: str) -> list[str]:
    """The meaningful, distinct, lower-case terms of ``text``, in order of appearance.

    ``"What's your RETURN policy for shoes?"`` -> ``["return", "policy", "shoes"]``.
    Digits are kept even when alone (``open at 9``); other one-character words are dropped.
    """
    scanned = unicodedata.normalize("NFKC", text[:MAX_SCANNED_CHARS]).lower()
    terms: list[str] = []
    seen: set[str] = set()
    for token in _TOKEN.findall(scanned):
        if token in seen or token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
            continue
        seen.add(token)
        terms.append(token)
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_query(text: str, *, prefix: bool = True) -> str | None:
    """A safe FTS5 MATCH expression for ``text``, or ``None`` when nothing is left to search.

    ``"can I return waterproof shoes?"`` -> ``'"return"* OR "waterproof"* OR "shoes"'``.
    """
    parts = []
    for term in query_terms(text):
        as_prefix = prefix and len(term) >= PREFIX_MIN_LEN and not term.isdigit()
        parts.append(f'"{term}"*' if as_prefix else f'"{term}"')
    return " OR ".join(parts) or None

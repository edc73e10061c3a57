"""What the engine says: one or two sentences taken from the knowledge it was given.

The engine does not generate language. It picks the sentences of the search results that share
the most key words with the question, so answers are grounded by construction, and says it
does not know when nothing matches.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_WORDS = 45
DONT_KNOW = (
    "Sorry, I don't know that. You can ask me about opening hours, returns, delivery, "
    "payment or our products."
)
DIDNT_HEAR = "Sorry, I didn't catch that. Could you say it again?"

_WORD = re.compile(r"[a-z0-9']+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
# Spoken answers skip digit-only asides such as "(9:00 to 20:00)": the words already say it.
_DIGIT_ASIDE = re.compile(r"\s*\([^()]*\d[^()]*\)")
_MARKDOWN = re.compile(r"(^|\n)\s*(#+|[-*+]|\d+\.)\s+|[*_`>|]+|\[([^\]]*)\]\([^)]*\)")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "i",
        "you",
        "your",
        "we",
        "our",
        "us",
        "me",
        "my",
        "it",
        "its",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "about",
        "and",
        "or",
        "what",
        "when",
        "where",
        "which",
        "who",
        "how",
        "why",
        "there",
        "this",
        "that",
        "these",
        "those",
        "have",
        "has",
        "had",
        "please",
        "tell",
        "know",
        "want",
        "like",
        "get",
        "any",
        "some",
    ]
)


@dataclass(frozen=True)
class Passage:
    title: str
    content: str


def _stem(word: str) -> str:
    """A light stemmer: "returned" and "returns" meet "return", "shoes" meets "shoe"."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _key_sequence(text: str) -> list[str]:
    words = (word.removesuffix("'s") for word in _WORD.findall(text.lower()))
    return [_stem(word) for word in words if word not in _STOP and len(word) > 1]


def key_words(text: str) -> set[str]:
    return set(_key_sequence(text))


def _pairs(text: str) -> set[tuple[str, str]]:
    sequence = _key_sequence(text)
    return set(itertools.pairwise(sequence))


def _plain(text: str) -> str:
    text = _MARKDOWN.sub(lambda m: (m.group(1) or "") + (m.group(3) or ""), text)
    text = _DIGIT_ASIDE.sub("", text)
    text = re.sub(r"\.\.(?=\s|$)", ".", text)  # "p.m. (21:00)." -> "p.m.."
    return re.sub(r"\s+", " ", text).strip()


def _sentences(passage: Passage) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(_plain(passage.content)) if len(s.split()) >= 3]


def _clip(text: str) -> str:
    words = text.split()
    if len(words) <= MAX_WORDS:
        return text
    return " ".join(words[:MAX_WORDS]).rstrip(",;:") + "."


def compose_answer(question: str, passages: Iterable[Passage]) -> str:
    """One or two sentences from `passages` that best answer `question`, or "don't know"."""
    wanted = key_words(question)
    wanted_pairs = _pairs(question)
    scored: list[tuple[float, int, int, str]] = []
    for rank, passage in enumerate(passages):
        title_words = key_words(passage.title)
        # A document whose title the question names exactly beats a more specific one.
        title_fit = 0.5 * len(title_words & wanted) / len(title_words) if title_words else 0.0
        for position, sentence in enumerate(_sentences(passage)):
            words = key_words(sentence)
            # Key words in the sentence itself count double those only in its headings;
            # earlier passages (better search rank) and earlier sentences win ties.
            overlap = 2 * len(wanted & words) + len(wanted & (title_words - words)) + title_fit
            overlap += len(wanted_pairs & _pairs(sentence))  # "opening hours" as a phrase
            scored.append((overlap - 0.05 * rank - 0.01 * position, rank, position, sentence))
    if not scored:
        return DONT_KNOW
    scored.sort(key=lambda item: -item[0])
    best_score, rank, position, best = scored[0]
    if best_score <= 0 and wanted:
        return DONT_KNOW
    follow = next(
        (s for score, r, p, s in scored[1:] if r == rank and p == position + 1 and score > 0),
        None,
    )
    return _clip(best if follow is None else f"{best} {follow}")


def passages_from_tool_output(output: str) -> list[Passage] | None:
    """The passages in a search tool's `function_call_output` (None if it is not one)."""
    try:
        data = json.loads(output)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None
    passages = []
    for result in data["results"]:
        if isinstance(result, dict):
            passages.append(Passage(str(result.get("title", "")), str(result.get("content", ""))))
    return passages

"""A domain language model for pocketsphinx, built from a knowledge base's text.

What goes into the trigram model (pocketsphinx's own ``ArpaBoLM`` builder, fixed
back-off discount 0.5):

1. every sentence of the corpus, in spoken form (numbers, times and prices as words);
2. ``n_questions`` (default 300) questions generated from templates ("what are your X",
   "how do I Y", "do you have X"...) filled with the corpus's phrases: X are noun phrases
   (the headings first, then the most frequent runs of one to three content words), Y are
   verb phrases (the words after "can", "to", "please"...), the templates taken in turn;
3. the caller's ``extra_sentences`` and a few conversational phrases ("hello", "thank you").

Measured on this project (NOTES.md, "Offline speech"), the generated questions are what
makes open in-domain questions recognisable; they are counted :data:`QUESTION_WEIGHT` (2)
times so that their question frames weigh against the corpus's statements.

The pronunciation dictionary is pocketsphinx's bundled CMU dictionary cut to the model's
words.  Words it lacks get pronunciations derived from known words where possible
(:mod:`engine.pronounce`: British spellings, suffixes, compounds, letter codes; listed in
:attr:`LanguageModel.derived_words`); the others cannot be recognised, so sentences are
split at them (they never enter the model) and they are listed in
:attr:`LanguageModel.missing_words`.

Built files are cached under ``cache_dir`` (default: ``<tmp>/botify-engine``), named by a
hash of the inputs and of :data:`BUILDER_VERSION`, so a rebuild for the same corpus only
reads two small files.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from engine.pronounce import derive, dictionary_lines
from engine.textnorm import headings, sentences

BUILDER_VERSION = "4"
DEFAULT_QUESTIONS = 300
QUESTION_WEIGHT = 2


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each either else ever
    every few for from further get gets got had has have having he her here hers him his how
    i if in into is it its it's itself just least less let like made make many may me might
    more most much must my near need no nor not now of off often on once one only or other
    our ours out over own per please same see she should since so some such than that the
    their them then there these they this those through to too under until up upon us very
    via was we we're were what when where which while who whom whose why will with within
    without would yes yet you your yours you're you'll you've we'll we've i'm i'll it'll
    don't can't won't isn't aren't doesn't didn't etc"""
)
_NUMBERS = _words(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy
    eighty ninety hundred thousand million billion first second third fourth fifth a.m. p.m.
    point percent monday tuesday wednesday thursday friday saturday sunday"""
)
_DETERMINERS = {"a": "a", "an": "an", "the": "the", "your": "my", "our": "your", "my": "my"}
_VERB_TRIGGERS = frozenset({"can", "to", "please", "may", "cannot", "must", "will", "should"})

NOUN_TEMPLATES = (
    "what are your {}",
    "do you have {}",
    "tell me about {}",
    "how much is {}",
    "what is the {}",
    "where is the {}",
    "i have a question about {}",
    "do you offer {}",
    "is there {}",
    "what about {}",
)
VERB_TEMPLATES = (
    "how do i {}",
    "can i {}",
    "how can i {}",
    "when can i {}",
    "i want to {}",
    "do you {}",
    "when do you {}",
    "where can i {}",
)
CONVERSATION = (
    "hello",
    "hi there",
    "thank you",
    "thanks",
    "yes please",
    "no thank you",
    "goodbye",
    "can you help me",
    "i have a question",
    "what time is it",
    "what can you do",
)


@dataclass(frozen=True)
class LanguageModel:
    """Paths of a built model and what went into it."""

    lm_path: Path
    dict_path: Path
    words: int
    sentences: int
    questions: int
    missing_words: tuple[str, ...]
    derived_words: tuple[str, ...]
    cached: bool


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "botify-engine"


def cmudict_path() -> Path:
    from pocketsphinx import get_model_path  # type: ignore[import-untyped]

    return Path(get_model_path("en-us/cmudict-en-us.dict"))


def load_pronunciations(path: Path | None = None) -> dict[str, list[str]]:
    """CMU dictionary lines by word (alternative pronunciations "word(2)" grouped)."""
    entries: dict[str, list[str]] = {}
    with open(path or cmudict_path(), encoding="utf-8") as handle:
        for line in handle:
            head = line.split(" ", 1)[0]
            word = head.split("(", 1)[0]
            if word:
                entries.setdefault(word, []).append(line.rstrip("\n"))
    return entries


class ExtendedLexicon(Mapping[str, list[str]]):
    """The CMU dictionary plus pronunciations derived on demand for words it lacks
    (:func:`engine.pronounce.derive`); remembers which words were derived or missing."""

    def __init__(self, base: dict[str, list[str]]) -> None:
        self._base = base
        self.derived: dict[str, list[str]] = {}
        self.missing: set[str] = set()

    def __getitem__(self, word: str) -> list[str]:
        if word in self._base:
            return self._base[word]
        if word in self.derived:
            return self.derived[word]
        if word not in self.missing:
            pronunciations = derive(self._base, word)
            if pronunciations:
                self.derived[word] = dictionary_lines(word, pronunciations)
                return self.derived[word]
            self.missing.add(word)
        raise KeyError(word)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        try:
            self[word]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from self.derived

    def __len__(self) -> int:
        return len(self._base) + len(self.derived)


def content_runs(words: list[str]) -> list[list[str]]:
    """Maximal runs of non-stopwords in a sentence."""
    runs: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if word in _STOPWORDS or len(word) < 2:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(word)
    if current:
        runs.append(current)
    return runs


def noun_phrases(
    corpus: list[list[str]], titles: list[list[str]], known: Mapping[str, list[str]]
) -> list[str]:
    """Phrases of one to three content words without numbers: the headings' first (a
    single-word heading only if the word is frequent), then by weighted frequency."""
    counts: Counter[str] = Counter()
    for words in corpus:
        for run in content_runs(words):
            for size in (1, 2, 3):
                for i in range(len(run) - size + 1):
                    counts[" ".join(run[i : i + size])] += size  # longer phrases weigh more
    ordered: list[str] = []
    for title in titles:
        for run in content_runs(title):
            if len(run) <= 4 and (len(run) > 1 or counts[run[0]] >= 3):
                ordered.append(" ".join(run))
    ordered += [phrase for phrase, _ in counts.most_common()]
    return _unique_known([p for p in ordered if not _NUMBERS.intersection(p.split())], known)


def verb_phrases(corpus: list[list[str]], known: Mapping[str, list[str]]) -> list[str]:
    """Phrases after "can", "to", "please"...: a verb, maybe a determiner, up to two nouns."""
    counts: Counter[str] = Counter()
    for words in corpus:
        for i, word in enumerate(words[:-1]):
            if word not in _VERB_TRIGGERS:
                continue
            verb = words[i + 1]
            if verb in _STOPWORDS or verb in _NUMBERS or len(verb) < 3:
                continue
            phrase = [verb]
            rest = words[i + 2 : i + 5]
            if rest and rest[0] in _DETERMINERS:
                phrase.append(_DETERMINERS[rest[0]])
                rest = rest[1:]
            nouns = []
            for noun in rest[:2]:
                if noun in _STOPWORDS or noun in _NUMBERS:
                    break
                nouns.append(noun)
            if nouns or len(phrase) == 1:
                counts[" ".join(phrase if not nouns else phrase + nouns)] += 1
    return _unique_known([p for p, _ in counts.most_common()], known)


def _unique_known(phrases: Iterable[str], known: Mapping[str, list[str]]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for phrase in phrases:
        if phrase not in seen and all(w in known for w in phrase.split()):
            seen.add(phrase)
            out.append(phrase)
    return out


def generate_questions(nouns: list[str], verbs: list[str], limit: int) -> list[str]:
    """About ``limit`` questions: a third from verb templates (when there are verb phrases),
    the rest from noun templates; see :func:`fill_templates`."""
    n_verbs = min(limit // 3, len(verbs) * len(VERB_TEMPLATES)) if verbs else 0
    return fill_templates(NOUN_TEMPLATES, nouns, limit - n_verbs) + fill_templates(
        VERB_TEMPLATES, verbs, n_verbs
    )


def fill_templates(templates: tuple[str, ...], phrases: list[str], limit: int) -> list[str]:
    """``limit`` questions spread over as many phrases as possible: each phrase (in order)
    gets ``k = ceil(limit / len(phrases))`` templates, taken in rotation."""
    if not phrases or limit <= 0:
        return []
    per_phrase = min(len(templates), -(-limit // len(phrases)))
    out: list[str] = []
    turn = 0
    for phrase in phrases:
        for _ in range(per_phrase):
            if len(out) >= limit:
                return out
            out.append(templates[turn % len(templates)].format(phrase))
            turn += 1
    return out


def _split_unknown(words: list[str], known: Mapping[str, list[str]]) -> list[str]:
    """The sentence as lines of known words, split where an unknown word was."""
    pieces: list[list[str]] = [[]]
    for word in words:
        if word in known:
            pieces[-1].append(word)
        else:
            pieces.append([])
    return [" ".join(p) for p in pieces if p]


def corpus_key(texts: list[str], extra: list[str], n_questions: int) -> str:
    digest = hashlib.sha256(f"v{BUILDER_VERSION}|{n_questions}".encode())
    for part in (*texts, "\x00extra", *extra):
        digest.update(part.encode("utf-8", "replace") + b"\x00")
    return digest.hexdigest()[:20]


def build_language_model(
    texts: Iterable[str],
    extra_sentences: Iterable[str] = (),
    *,
    cache_dir: Path | str | None = None,
    n_questions: int = DEFAULT_QUESTIONS,
) -> LanguageModel:
    """Build (or load from the cache) the ARPA model and cut dictionary for a corpus."""
    texts, extra = list(texts), list(extra_sentences)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = corpus_key(texts, extra, n_questions)
    lm_path, dict_path, meta_path = (
        folder / f"lm-{key}{ext}" for ext in (".arpa", ".dict", ".json")
    )
    if lm_path.exists() and dict_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return _model(lm_path, dict_path, meta, cached=True)

    known = ExtendedLexicon(load_pronunciations())
    corpus = [words for text in texts for words in sentences(text)]
    titles = [words for text in texts for words in headings(text)]
    questions = generate_questions(
        noun_phrases(corpus, titles, known), verb_phrases(corpus, known), n_questions
    )
    lines: list[str] = []
    spoken_extra = [words for text in extra for words in sentences(text)]
    for words in (*corpus, *spoken_extra):
        lines += _split_unknown(words, known)
    lines += questions * QUESTION_WEIGHT
    lines += CONVERSATION
    vocabulary = sorted({w for line in lines for w in line.split()})

    from pocketsphinx.lm import ArpaBoLM  # type: ignore[import-untyped]

    builder = ArpaBoLM(text="\n".join(lines), add_start=True)
    builder.compute()
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "words": len(vocabulary),
        "sentences": len(lines),
        "questions": len(questions),
        "missing_words": sorted(known.missing),
        "derived_words": sorted(known.derived),
    }
    _write_atomic(lm_path, lambda handle: builder.write(handle))
    dict_lines = [line for word in vocabulary for line in known[word]]
    _write_atomic(dict_path, lambda handle: handle.write("\n".join(dict_lines) + "\n"))
    _write_atomic(meta_path, lambda handle: json.dump(meta, handle, indent=1))
    return _model(lm_path, dict_path, meta, cached=False)


def _model(lm_path: Path, dict_path: Path, meta: dict[str, object], cached: bool) -> LanguageModel:
    def strings(key: str) -> tuple[str, ...]:
        value = meta.get(key, [])
        return tuple(str(w) for w in value) if isinstance(value, list) else ()

    return LanguageModel(
        lm_path=lm_path,
        dict_path=dict_path,
        words=int(str(meta.get("words", 0))),
        sentences=int(str(meta.get("sentences", 0))),
        questions=int(str(meta.get("questions", 0))),
        missing_words=strings("missing_words"),
        derived_words=strings("derived_words"),
        cached=cached,
    )


def _write_atomic(path: Path, write: Callable[[TextIO], object]) -> None:
    """Write through a temporary file in the same folder, then rename (safe for
    concurrent builders of the same model)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

"""Recognizer: a language model built from a store FAQ, synthesised questions recognised."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from engine.recognizer import Recognizer, Transcript
from engine.synthesizer import Synthesizer
from engine.vad import ServerVad, SpeechStopped

FAQ = (Path(__file__).parent / "data" / "store_faq.md").read_text(encoding="utf-8")

# In-domain questions and the key words that must mostly come back (figures per voice and
# word error rates are in scripts/bench_speech.py; here only a loose floor).
QUESTIONS = [
    ("when do you open on sunday", ("open", "sunday")),
    ("do you have gift cards", ("gift", "cards")),
    ("how do i change my password", ("change", "password")),
    ("are you open on public holidays", ("open", "public", "holidays")),
    ("can i track my order", ("track", "order")),
]


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory: pytest.TempPathFactory) -> Recognizer:
    return Recognizer.from_corpus([FAQ], cache_dir=tmp_path_factory.mktemp("lm"))


def test_opening_hours_question_is_recognised(recognizer: Recognizer) -> None:
    audio = Synthesizer("alloy").synthesize("What are your opening hours?")
    transcript = recognizer.transcribe(audio)
    assert {"opening", "hours"} <= set(transcript.words)
    assert transcript.text == " ".join(transcript.words)
    assert transcript.seconds == pytest.approx(len(audio) / 48_000)
    assert 0 < transcript.decode_seconds < transcript.seconds


def test_an_utterance_cut_by_the_vad_is_recognised(recognizer: Recognizer) -> None:
    hiss = np.random.default_rng(3).normal(0, 30, 24_000).astype("<i2").tobytes()  # 1 s
    audio = hiss + Synthesizer("marin").synthesize("What are your opening hours?") + hiss * 2
    vad = ServerVad()
    events = [e for i in range(0, len(audio), 960) for e in vad.feed(audio[i : i + 960])]
    stops = [e for e in events if isinstance(e, SpeechStopped)]
    assert len(stops) == 1
    assert {"opening", "hours"} <= set(recognizer.transcribe(stops[0].audio).words)


def test_in_domain_questions_mostly_recognised(recognizer: Recognizer) -> None:
    synthesizer = Synthesizer("shimmer")
    found = total = 0
    for question, key_words in QUESTIONS:
        words = set(recognizer.transcribe(synthesizer.synthesize(question)).words)
        found += len(words & set(key_words))
        total += len(key_words)
    assert found / total >= 0.6


def test_empty_audio_gives_an_empty_transcript(recognizer: Recognizer) -> None:
    assert recognizer.transcribe(b"") == Transcript("", [], 0.0, 0.0)
    assert recognizer.transcribe(b"\0" * 4800).words == []


def test_transcribe_is_safe_from_several_threads(recognizer: Recognizer) -> None:
    clips = [Synthesizer(v).synthesize("do you have gift cards") for v in ("alloy", "sage")]
    expected = [recognizer.transcribe(clip).words for clip in clips]
    results: dict[int, list[str]] = {}

    def work(i: int) -> None:
        results[i] = recognizer.transcribe(clips[i % 2]).words

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(4)] == expected * 2


def test_results_do_not_depend_on_earlier_utterances(tmp_path: Path) -> None:
    clip = Synthesizer("coral").synthesize("What are your opening hours?")
    fresh = Recognizer.from_corpus([FAQ], cache_dir=tmp_path).transcribe(clip).words
    used = Recognizer.from_corpus([FAQ], cache_dir=tmp_path)
    for voice in ("echo", "ash"):
        used.transcribe(Synthesizer(voice).synthesize("Can I pay with PayPal?"))
    assert used.transcribe(clip).words == fresh


def test_model_is_cached_by_corpus(tmp_path: Path) -> None:
    first = Recognizer.from_corpus([FAQ], cache_dir=tmp_path)
    again = Recognizer.from_corpus([FAQ], cache_dir=tmp_path)
    other = Recognizer.from_corpus([FAQ, "We also sell bicycles."], cache_dir=tmp_path)
    assert first.model is not None and again.model is not None and other.model is not None
    assert not first.model.cached and again.model.cached and not other.model.cached
    assert again.model.lm_path == first.model.lm_path != other.model.lm_path
    assert first.model.questions == 300 and first.model.missing_words == ()

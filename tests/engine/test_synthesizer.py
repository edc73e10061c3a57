"""Synthesizer: espeak-ng through ctypes, 24 kHz pcm16, streaming and cancellation."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from engine.audio import ms_of, pcm16_to_array
from engine.synthesizer import VOICES, SynthesisError, Synthesizer, resolve_voice

QUESTION = "What are your opening hours?"
ANSWER = (
    "Our stores are open Monday to Saturday from nine a.m. to eight p.m., and on Sunday from "
    "ten a.m. to six p.m. The Downtown store stays open late on Thursdays."
)


def test_synthesis_gives_24k_pcm16_of_plausible_duration() -> None:
    audio = Synthesizer().synthesize(QUESTION)
    assert len(audio) % 2 == 0
    assert 700 <= ms_of(len(audio)) <= 3000  # five words at 175 words per minute
    samples = pcm16_to_array(audio)
    assert np.abs(samples).max() > 3000
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(samples), 1 / 24_000)
    assert spectrum[freqs > 11_100].sum() < 0.01 * spectrum.sum()  # resampled, not relabelled


def test_speaking_rate_changes_duration() -> None:
    slow = ms_of(len(Synthesizer(rate_wpm=120).synthesize(ANSWER)))
    fast = ms_of(len(Synthesizer(rate_wpm=260).synthesize(ANSWER)))
    assert fast < 0.7 * slow


def test_stream_yields_chunks_as_it_goes() -> None:
    synthesizer = Synthesizer("coral")
    started = time.perf_counter()
    chunks = synthesizer.stream(ANSWER, chunk_ms=100)
    first = next(chunks)
    first_s = time.perf_counter() - started
    rest = list(chunks)
    assert first_s < 0.3
    assert len(rest) > 10
    assert all(len(c) == 4800 for c in [first, *rest[:-1]])
    assert 0 < len(rest[-1]) <= 4800
    whole = ms_of(len(synthesizer.synthesize(ANSWER)))
    assert ms_of(len(first) + sum(map(len, rest))) == pytest.approx(whole, abs=60)


def test_cancel_stops_the_stream_early() -> None:
    cancel = threading.Event()
    received = 0
    for chunk in Synthesizer().stream(ANSWER * 4, chunk_ms=100, cancel=cancel):
        received += len(chunk)
        cancel.set()
    assert received == 4800  # nothing after the chunk during which cancel was set


def test_closing_the_stream_stops_the_worker() -> None:
    stream = Synthesizer().stream(ANSWER * 4)
    next(stream)
    stream.close()
    assert not any(t.name == "espeak-synth" and t.is_alive() for t in threading.enumerate())
    assert len(Synthesizer().synthesize("Still working.")) > 0  # library state is fine


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_every_realtime_voice_speaks(voice: str) -> None:
    assert ms_of(len(Synthesizer(voice).synthesize("Hello there."))) > 300


def test_voices_are_distinct_and_names_resolve() -> None:
    assert len({(v.name, v.pitch) for v in VOICES.values()}) == len(VOICES)
    assert resolve_voice("Alloy") == VOICES["alloy"]
    assert resolve_voice("en-gb").name == "en-gb"
    with pytest.raises(SynthesisError):
        Synthesizer("no-such-voice").synthesize("hi")


def test_blank_text_is_silent() -> None:
    assert Synthesizer().synthesize("  ") == b""
    assert list(Synthesizer().stream("")) == []


def test_concurrent_synthesis_is_serialised_safely() -> None:
    results: dict[str, bytes] = {}

    def speak(voice: str) -> None:
        results[voice] = b"".join(Synthesizer(voice).stream(ANSWER))

    threads = [threading.Thread(target=speak, args=(v,)) for v in ("alloy", "echo", "sage")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lengths = [ms_of(len(results[v])) for v in ("alloy", "echo", "sage")]
    assert all(length > 3000 for length in lengths)

"""ServerVad on generated audio: events, millisecond fields, parameters, chunking."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from engine.audio import array_to_pcm16, pcm16_to_array
from engine.synthesizer import Synthesizer
from engine.vad import (
    ServerVad,
    SpeechStarted,
    SpeechStopped,
    VadEvent,
    energy_gate_dbfs,
    onset_frames,
    vad_mode,
)

RATE = 24_000
TOLERANCE_MS = 30


def silence(ms: int) -> np.ndarray:
    return np.zeros(ms * RATE // 1000, dtype=np.int16)


def noise(ms: int, level: float = 3000.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.0, level, ms * RATE // 1000), -32768, 32767).astype(np.int16)


def tone(ms: int, freq: float = 220.0, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(ms * RATE // 1000) / RATE
    return np.rint(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


@functools.lru_cache(maxsize=1)
def speech() -> tuple[np.ndarray, int, int]:
    """A synthesised question and where its speech starts and ends (ms, energy envelope)."""
    samples = pcm16_to_array(Synthesizer("alloy").synthesize("What are your opening hours?"))
    frames = samples[: len(samples) // 240 * 240].reshape(-1, 240).astype(np.float64)
    level = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) / 32768 + 1e-12)
    loud = np.flatnonzero(level > -40)
    return samples, int(loud[0]) * 10, int(loud[-1] + 1) * 10


def run(audio: np.ndarray, chunk_ms: float = 20, **params: object) -> list[VadEvent]:
    vad = ServerVad(**params)  # type: ignore[arg-type]
    data = array_to_pcm16(audio)
    step = max(1, int(chunk_ms * 48))
    events: list[VadEvent] = []
    for i in range(0, len(data), step):
        events += vad.feed(data[i : i + step])
    return events


def one_turn(events: list[VadEvent]) -> tuple[SpeechStarted, SpeechStopped]:
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped], events
    started, stopped = events
    assert isinstance(started, SpeechStarted) and isinstance(stopped, SpeechStopped)
    return started, stopped


def test_synthesised_speech_gives_one_start_and_one_stop() -> None:
    samples, begin, end = speech()
    events = run(np.concatenate([silence(1000), samples, silence(1500)]))
    started, stopped = one_turn(events)
    assert started.audio_start_ms == pytest.approx(1000 + begin - 300, abs=TOLERANCE_MS)
    assert stopped.audio_start_ms == started.audio_start_ms
    assert stopped.audio_end_ms == pytest.approx(1000 + end, abs=TOLERANCE_MS)
    assert stopped.detected_at_ms == pytest.approx(stopped.audio_end_ms + 500, abs=10)
    assert len(stopped.audio) == (stopped.audio_end_ms - stopped.audio_start_ms) * 48


@pytest.mark.parametrize("burst", [noise(800), tone(800)], ids=["noise", "tone"])
def test_bursts_have_exact_millisecond_fields(burst: np.ndarray) -> None:
    audio = np.concatenate([silence(1000), burst, silence(1000)])
    started, stopped = one_turn(run(audio))
    assert started.audio_start_ms == pytest.approx(700, abs=TOLERANCE_MS)
    assert stopped.audio_end_ms == pytest.approx(1800, abs=TOLERANCE_MS)
    utterance = pcm16_to_array(stopped.audio)
    assert np.array_equal(utterance, audio[started.audio_start_ms * 24 : stopped.audio_end_ms * 24])


def test_digital_silence_and_quiet_hiss_give_no_events() -> None:
    # webrtcvad alone calls the first ~150 ms of digital silence speech: the gate stops that.
    assert run(silence(3000)) == []
    assert run(noise(3000, level=20.0)) == []


@pytest.mark.parametrize("prefix_ms", [0, 100, 500])
def test_prefix_padding_is_honoured(prefix_ms: int) -> None:
    audio = np.concatenate([silence(1000), noise(600), silence(1000)])
    started, stopped = one_turn(run(audio, prefix_padding_ms=prefix_ms))
    assert started.audio_start_ms == pytest.approx(1000 - prefix_ms, abs=TOLERANCE_MS)
    assert len(stopped.audio) == (stopped.audio_end_ms - started.audio_start_ms) * 48


def test_prefix_is_clamped_at_the_start_of_the_audio() -> None:
    audio = np.concatenate([silence(100), noise(600), silence(1000)])
    started, _ = one_turn(run(audio, prefix_padding_ms=300))
    assert started.audio_start_ms == 0


@pytest.mark.parametrize("silence_ms", [200, 800])
def test_silence_duration_sets_when_the_stop_comes(silence_ms: int) -> None:
    audio = np.concatenate([silence(500), noise(500), silence(silence_ms + 300)])
    _, stopped = one_turn(run(audio, silence_duration_ms=silence_ms))
    assert stopped.audio_end_ms == pytest.approx(1000, abs=TOLERANCE_MS)
    assert stopped.detected_at_ms - stopped.audio_end_ms == pytest.approx(silence_ms, abs=10)


def test_a_pause_shorter_than_silence_duration_does_not_split_the_turn() -> None:
    audio = np.concatenate([silence(500), noise(400), silence(400), noise(400), silence(1200)])
    assert len(run(audio, silence_duration_ms=800)) == 2
    events = run(audio, silence_duration_ms=200)
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped] * 2
    second = events[2]
    assert isinstance(second, SpeechStarted)
    assert second.audio_start_ms >= events[1].audio_end_ms  # type: ignore[union-attr]


def test_threshold_sets_how_loud_speech_must_be() -> None:
    quiet = np.concatenate([silence(500), noise(800, level=330.0), silence(1000)])  # ~ -40 dBFS
    assert len(run(quiet, threshold=0.5)) == 2
    assert run(quiet, threshold=0.9) == []
    faint = np.concatenate([silence(500), noise(800, level=60.0), silence(1000)])  # ~ -55 dBFS
    assert len(run(faint, threshold=0.1)) == 2
    assert run(faint, threshold=0.5) == []


def test_threshold_sets_how_much_of_the_window_must_be_voiced() -> None:
    # 30 ms blips every 100 ms: 3 voiced frames in each 100 ms window.
    blips = np.concatenate([np.concatenate([noise(30, seed=i), silence(70)]) for i in range(10)])
    audio = np.concatenate([silence(500), blips, silence(1000)])
    assert len(run(audio, threshold=0.2)) == 2
    assert run(audio, threshold=0.5) == []


def test_threshold_mapping() -> None:
    assert [vad_mode(t) for t in (0.0, 0.3, 0.5, 0.8, 1.0)] == [0, 1, 2, 2, 3]
    assert energy_gate_dbfs(0.5) == -45.0
    assert [onset_frames(t) for t in (0.0, 0.5, 0.55, 1.0)] == [1, 5, 6, 10]
    with pytest.raises(ValueError):
        ServerVad(threshold=1.5)


def test_events_do_not_depend_on_chunk_size() -> None:
    samples, _, _ = speech()
    audio = np.concatenate([silence(700), samples, silence(700), noise(500), silence(900)])
    reference = run(audio, chunk_ms=20)
    assert len(reference) == 4
    assert run(audio, chunk_ms=100) == reference
    assert run(audio, chunk_ms=7.3) == reference  # odd byte counts too
    assert run(audio, chunk_ms=5000) == reference


def test_clock_clear_commit_and_reset() -> None:
    vad = ServerVad()
    vad.feed(array_to_pcm16(np.concatenate([silence(1000), noise(300)])))
    assert vad.in_speech and vad.clock_ms == 1300
    vad.clear()  # drops the speech in progress: no stop event follows
    assert not vad.in_speech and vad.buffered_ms == 0
    assert vad.feed(array_to_pcm16(silence(1000))) == []
    assert vad.clock_ms == 2300  # the clock keeps running
    events = vad.feed(array_to_pcm16(np.concatenate([noise(300), silence(800)])))
    started, _ = one_turn(events)
    assert started.audio_start_ms == pytest.approx(2000, abs=TOLERANCE_MS)
    vad.feed(array_to_pcm16(noise(200)))
    assert len(vad.commit()) > 0 and vad.buffered_ms == 0 and not vad.in_speech
    vad.reset()
    assert vad.clock_ms == 0


def test_without_detection_it_is_a_plain_buffer() -> None:
    vad = ServerVad(detect=False)
    audio = array_to_pcm16(np.concatenate([silence(500), noise(500), silence(2000)]))
    assert vad.feed(audio) == []
    assert vad.commit() == audio
    assert vad.commit() == b""


def test_idle_audio_is_trimmed_but_a_long_turn_is_stopped() -> None:
    vad = ServerVad(prefix_padding_ms=300)
    vad.feed(array_to_pcm16(silence(10_000)))
    assert vad.buffered_ms <= 300 + 100 + 100
    vad = ServerVad(max_buffer_ms=1000)
    events = vad.feed(array_to_pcm16(np.concatenate([silence(500), noise(2500)])))
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped] * 2 + [SpeechStarted]
    stops = [e for e in events if isinstance(e, SpeechStopped)]
    assert [(s.audio_start_ms, s.audio_end_ms) for s in stops] == [(200, 1200), (1200, 2200)]


def test_configure_changes_parameters_mid_stream() -> None:
    vad = ServerVad()
    vad.configure(prefix_padding_ms=0, silence_duration_ms=200)
    events = vad.feed(array_to_pcm16(np.concatenate([silence(1000), noise(500), silence(400)])))
    started, stopped = one_turn(events)
    assert started.audio_start_ms == pytest.approx(1000, abs=TOLERANCE_MS)
    assert stopped.detected_at_ms - stopped.audio_end_ms == pytest.approx(200, abs=10)


def test_detection_can_be_turned_on_mid_stream() -> None:
    vad = ServerVad(detect=False)
    vad.feed(array_to_pcm16(np.concatenate([silence(1234), noise(400)])))
    vad.detect = True
    assert vad.detect and vad.buffered_ms == 1634
    events = vad.feed(array_to_pcm16(np.concatenate([silence(500), noise(500), silence(800)])))
    started, stopped = one_turn(events)
    assert started.audio_start_ms == pytest.approx(2134 - 300, abs=TOLERANCE_MS)
    assert stopped.audio_end_ms == pytest.approx(2634, abs=TOLERANCE_MS)

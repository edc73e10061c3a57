"""The client's audio sources, pacing and printing, without a server."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from scripts.client import audio as client_audio
from scripts.client.audio import (
    BYTES_PER_MS,
    AudioSourceError,
    PacingReport,
    load_wav,
    save_wav,
    silence,
    stream_paced,
    synthesise,
)
from scripts.client.render import Printer, summarise


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int, width: int = 2) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())


def test_a_24k_mono_wav_is_sent_as_is_without_numpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = (np.arange(2400) % 100).astype("<i2")
    path = tmp_path / "q.wav"
    write_wav(path, samples, 24000, 1)
    monkeypatch.setitem(sys.modules, "engine.audio", None)  # as if numpy were missing
    source = load_wav(path, lead_ms=10, tail_ms=20)
    assert source.pcm == silence(10) + samples.tobytes() + silence(20)
    assert source.description == "q.wav (16-bit 24000 Hz mono, 0.1 s)"


def test_other_formats_are_converted_and_need_numpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = np.arange(8000) / 8000
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    path = tmp_path / "q.wav"
    write_wav(path, np.stack([tone, tone], axis=1).astype("<i2"), 8000, 2)
    source = load_wav(path)
    assert len(source.pcm) == 24000 * 2  # one second at 24 kHz mono
    assert "16-bit 8000 Hz stereo -> 16-bit 24 kHz mono" in source.description
    monkeypatch.setitem(sys.modules, "engine.audio", None)
    with pytest.raises(AudioSourceError, match=r"converting it to 16-bit 24 kHz mono needs numpy"):
        load_wav(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"hello", "not a PCM WAV file"), (b"", "not a PCM WAV file")],
)
def test_unreadable_wavs_are_named(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioSourceError, match=message):
        load_wav(path)


def test_an_empty_wav_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    write_wav(path, np.zeros(0, dtype="<i2"), 24000, 1)
    with pytest.raises(AudioSourceError, match="holds no audio"):
        load_wav(path)


def test_say_synthesises_speech_between_silences() -> None:
    source = synthesise("opening hours", "alloy", lead_ms=300, tail_ms=1500)
    assert source.pcm.startswith(silence(300)) and source.pcm.endswith(silence(1500))
    assert len(source.pcm) > (300 + 1500 + 300) * BYTES_PER_MS
    assert source.description.startswith('"opening hours" (voice alloy, ')


def test_say_without_the_speech_libraries_says_how_to_get_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    with pytest.raises(AudioSourceError) as caught:
        synthesise("hello", "alloy")
    message = str(caught.value)
    assert "espeakng-loader is not installed: pip install -e '.[local]'" in message
    assert "--wav FILE" in message and "numpy only to convert" in message


def test_save_wav_writes_24k_mono(tmp_path: Path) -> None:
    save_wav(tmp_path / "r.wav", b"\1\0\2\0\3")
    with wave.open(str(tmp_path / "r.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24000, 1, 2)
        assert wav.readframes(10) == b"\1\0\2\0"


async def test_pacing_uses_absolute_deadlines_so_late_sends_do_not_drift() -> None:
    loop = asyncio.get_running_loop()
    sent: list[float] = []
    start = loop.time()

    async def slow_send(chunk: bytes) -> None:
        sent.append(loop.time() - start)
        if len(sent) == 1:
            await asyncio.sleep(0.15)  # a hiccup longer than a chunk

    report = await stream_paced(slow_send, silence(500), chunk_ms=50, speed=2, start=start)
    assert report.chunks == 10 and report.seconds == pytest.approx(0.5)
    assert report.max_late_ms > 50  # chunks 2 and 3 went late, at once
    assert sent[0] == pytest.approx(0.025, abs=0.02)
    assert sent[-1] == pytest.approx(0.25, abs=0.03)  # back on schedule: 500 ms at 2x
    with pytest.raises(ValueError):
        await stream_paced(slow_send, b"", chunk_ms=0)
    assert isinstance(report, PacingReport)


def test_json_output_summarises_audio_deltas_by_size() -> None:
    out = io.StringIO()
    printer = Printer(out, as_json=True)
    delta = {"type": "response.output_audio.delta", "item_id": "i", "delta": "AAECAw=="}
    printer.event(delta)
    printer.event({"type": "botify.state", "state": "listening"})
    printer.note("not in JSON output")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {"type": "response.output_audio.delta", "item_id": "i", "delta_bytes": 4},
        {"type": "botify.state", "state": "listening"},
    ]
    assert summarise({"type": "response.output_audio.delta", "delta": "???"})["delta_bytes"] == 0


def test_live_deltas_form_one_line_ended_by_the_final_transcript() -> None:
    out = io.StringIO()
    printer = Printer(out, live_deltas=True)
    for piece in ("Our stores", " are open", " daily"):
        printer.event({"type": "response.output_audio_transcript.delta", "delta": piece})
    printer.event(
        {
            "type": "response.output_audio_transcript.done",
            "transcript": "Our stores are open daily.",
        }
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].endswith("assistant  Our stores are open daily.")


def test_a_line_in_the_middle_of_the_deltas_gets_the_transcript_reprinted() -> None:
    out = io.StringIO()
    printer = Printer(out, live_deltas=True)
    printer.event({"type": "response.output_audio_transcript.delta", "delta": "Our"})
    printer.event({"type": "error", "error": {"type": "invalid_request_error", "message": "x"}})
    printer.event({"type": "response.output_audio_transcript.delta", "delta": " stores"})
    printer.event({"type": "response.output_audio_transcript.done", "transcript": "Our stores."})
    lines = out.getvalue().splitlines()
    assert [line.split("]", 1)[1].split()[0] for line in lines] == [
        "assistant",
        "error",
        "assistant",
    ]
    assert lines[-1].endswith("assistant  Our stores.")


def test_without_a_terminal_only_final_lines_are_printed() -> None:
    out = io.StringIO()
    printer = Printer(out)
    assert printer.live_deltas is False
    printer.event({"type": "response.output_audio_transcript.delta", "delta": "Our"})
    printer.event({"type": "response.output_audio_transcript.done", "transcript": "Our stores."})
    printer.event(
        {"type": "botify.tool_result", "name": "search", "ok": False, "duration_ms": 5,
         "error": "the tool did not answer within 5 s"}
    )  # fmt: skip
    printer.event(
        {"type": "response.output_audio.delta", "delta": base64.b64encode(b"ab").decode()}
    )
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("assistant  Our stores.")
    assert lines[1].endswith("result     search failed in 5 ms: the tool did not answer within 5 s")
    assert len(lines) == 2
    assert client_audio.PROTOCOL_RATE == 24000

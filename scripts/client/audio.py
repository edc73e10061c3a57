"""The audio the client sends and the reply it saves: pcm16 mono at 24 kHz, the protocol's format.

- :func:`load_wav` reads a WAV of any rate, sample width and channel count with
  :func:`engine.audio.read_wav` (numpy); a file that is already 16-bit 24 kHz mono is read
  with the standard library alone, so only resampling needs numpy.
- :func:`synthesise` speaks a sentence with :class:`engine.synthesizer.Synthesizer`
  (espeak-ng and numpy, the ``local`` extra).
- :func:`stream_paced` sends audio in chunks at real-time pace on absolute deadlines, so
  a late wake-up never accumulates into drift.
- :func:`save_wav` writes the reply (standard library only).
"""

from __future__ import annotations

import asyncio
import base64
import json
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

PROTOCOL_RATE = 24_000
"""Sample rate of the Realtime protocol's pcm16 mono audio."""
BYTES_PER_MS = PROTOCOL_RATE * 2 // 1000  # 48
SYNTHESIS_DISTRIBUTIONS = {"numpy": "numpy", "espeakng-loader": "espeakng_loader"}
INSTALL_LOCAL = "pip install -e '.[local]'"


class AudioSourceError(Exception):
    """The audio to send cannot be produced (missing file, bad WAV, missing library)."""


@dataclass(frozen=True)
class AudioInput:
    """pcm16 24 kHz mono to send, and one human line saying what it is."""

    pcm: bytes
    description: str

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * PROTOCOL_RATE)


def silence(ms: int) -> bytes:
    """``ms`` milliseconds of digital silence (pcm16 24 kHz mono)."""
    return b"\0" * (max(0, ms) * BYTES_PER_MS)


def ms_of(nbytes: int) -> float:
    """Milliseconds of pcm16 24 kHz mono audio in ``nbytes``."""
    return nbytes / BYTES_PER_MS


def _describe_format(channels: int, sampwidth: int, rate: int) -> str:
    layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels} channels")
    return f"{8 * sampwidth}-bit {rate} Hz {layout}"


def load_wav(path: Path, lead_ms: int = 0, tail_ms: int = 0) -> AudioInput:
    """The WAV at ``path`` as pcm16 24 kHz mono, with ``lead_ms``/``tail_ms`` of silence
    around it. Raises :class:`AudioSourceError` with a readable message."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, sampwidth, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.getnframes()
            raw = wav.readframes(frames) if (channels, sampwidth, rate) == (1, 2, 24000) else b""
    except FileNotFoundError:
        raise AudioSourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AudioSourceError(f"{path}: is a directory, not a WAV file") from None
    except (wave.Error, EOFError) as problem:
        raise AudioSourceError(f"{path}: not a PCM WAV file ({problem})") from None
    except OSError as problem:
        raise AudioSourceError(f"{path}: cannot read it ({problem.strerror})") from None
    source = _describe_format(channels, sampwidth, rate)
    if frames == 0:
        raise AudioSourceError(f"{path}: the WAV holds no audio")
    if not raw:  # another format: convert with the engine's reader (needs numpy)
        try:
            from engine.audio import read_wav
        except ImportError as problem:
            raise AudioSourceError(
                f"{path} is {source}: converting it to 16-bit 24 kHz mono needs numpy "
                f"(missing module {problem.name!r}): pip install numpy, or {INSTALL_LOCAL}; "
                "a 16-bit 24 kHz mono WAV is sent without numpy"
            ) from None
        try:
            raw = read_wav(path)
        except (ValueError, wave.Error, EOFError) as problem:
            raise AudioSourceError(f"{path}: cannot convert {source}: {problem}") from None
        source += " -> 16-bit 24 kHz mono"
    pcm = silence(lead_ms) + raw + silence(tail_ms)
    return AudioInput(pcm, f"{path.name} ({source}, {len(raw) / 48000:.1f} s)")


def missing_for_synthesis() -> list[str]:
    """Distributions that :func:`synthesise` needs and are not installed."""
    import importlib.util

    return [
        dist
        for dist, module in SYNTHESIS_DISTRIBUTIONS.items()
        if importlib.util.find_spec(module) is None
    ]


def synthesise(text: str, voice: str, lead_ms: int = 0, tail_ms: int = 0) -> AudioInput:
    """``text`` spoken offline by espeak-ng in ``voice``, with silence around it."""
    if not text.strip():
        raise AudioSourceError("--say needs a sentence, e.g. --say 'what are your opening hours'")
    missing = missing_for_synthesis()
    if missing:
        raise AudioSourceError(
            "--say synthesises speech with the embedded engine's libraries, and "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed: "
            f"{INSTALL_LOCAL}. Or record the question and send it with --wav FILE (that needs "
            "no speech library, and numpy only to convert a WAV that is not 16-bit 24 kHz mono)"
        )
    try:
        from engine.synthesizer import SynthesisError, Synthesizer
    except ImportError as problem:  # a broken installation
        raise AudioSourceError(
            f"--say cannot load the speech synthesizer ({problem}): {INSTALL_LOCAL}"
        ) from None
    try:
        speech = Synthesizer(voice).synthesize(text)
    except SynthesisError as problem:
        raise AudioSourceError(f"--say: speech synthesis failed: {problem}") from None
    if not speech:
        raise AudioSourceError(f"--say: espeak-ng produced no audio for {text!r}")
    pcm = silence(lead_ms) + speech + silence(tail_ms)
    return AudioInput(pcm, f'"{text}" (voice {voice}, {len(speech) / 48000:.1f} s)')


def save_wav(path: Path, pcm: bytes) -> None:
    """Write pcm16 24 kHz mono bytes as a WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(PROTOCOL_RATE)
        wav.writeframes(pcm[: len(pcm) - len(pcm) % 2])


def append_event(chunk: bytes, field: str = "data") -> str:
    """The ``input_audio_buffer.append`` text frame for ``chunk`` (Botify's ``data`` field by
    default; ``audio`` is the Realtime API's own)."""
    return json.dumps(
        {"type": "input_audio_buffer.append", field: base64.b64encode(chunk).decode("ascii")}
    )


@dataclass
class PacingReport:
    """How a paced stream went: chunks sent and how late the sender woke, at worst."""

    chunks: int = 0
    seconds: float = 0.0
    max_late_ms: float = 0.0


async def stream_paced(
    send: Callable[[bytes], Awaitable[None]],
    pcm: bytes,
    chunk_ms: int = 100,
    speed: float = 1.0,
    start: float | None = None,
    report: PacingReport | None = None,
) -> PacingReport:
    """Send ``pcm`` in ``chunk_ms`` pieces, each once its last sample would have been captured
    by a microphone: chunk ``i`` ending at audio time ``e`` goes at ``start + e / speed``
    (``start`` defaults to now, on the event loop's clock). Deadlines are absolute, so the
    stream never drifts; a late chunk goes at once. ``speed`` > 1 is for tests only."""
    if chunk_ms <= 0 or speed <= 0:
        raise ValueError("chunk_ms and speed must be positive")
    loop = asyncio.get_running_loop()
    report = report if report is not None else PacingReport()
    origin = loop.time() if start is None else start
    step = chunk_ms * BYTES_PER_MS
    for offset in range(0, len(pcm), step):
        chunk = pcm[offset : offset + step]
        deadline = origin + ms_of(offset + len(chunk)) / 1000 / speed
        delay = deadline - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            report.max_late_ms = max(report.max_late_ms, -delay * 1000)
        await send(chunk)
        report.chunks += 1
        report.seconds += ms_of(len(chunk)) / 1000
    return report

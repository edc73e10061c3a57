"""Offline speech synthesis: espeak-ng (from the ``espeakng-loader`` wheel) through ctypes.

espeak-ng produces 22,050 Hz pcm16; the output here is pcm16 mono at 24 kHz (the
Realtime protocol's format), resampled with :class:`engine.audio.Resampler`.

**Process-wide library state.**  espeak-ng keeps its state in C globals (one voice, one
set of parameters, one synthesis callback per process).  This module therefore loads and
initialises the library once (lazily, under ``_LOCK``), installs one C callback that
forwards samples to the job currently running, and holds ``_LOCK`` for the whole of every
``espeak_Synth`` call, setting the caller's voice, pitch and rate right before it.  That
is library state, not session state: every :class:`Synthesizer` (one per session, say)
only holds its own settings.  Synthesis runs far faster than real time, so the lock is
held for milliseconds per sentence; :meth:`Synthesizer.stream` synthesises on a worker
thread into an unbounded queue so a slow consumer never holds the lock.

**Voices.**  The Realtime voice names map onto espeak-ng's ``en-us`` voice with a variant
and a base pitch (0-100, espeak's default 50), see :data:`VOICES`.
"""

from __future__ import annotations

import ctypes
import queue
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio import PROTOCOL_RATE, Int16Array, Resampler, array_to_pcm16, bytes_of

ESPEAK_RATE = 22_050
"""Native sample rate of espeak-ng's voices."""

_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_INITIALIZE_DONT_EXIT = 0x8000  # return an error instead of calling exit()
_BUFFER_MS = 20  # espeak hands samples to the callback in blocks of about this length
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH = 1, 2, 3
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: ``name`` for espeak_SetVoiceByName and a base pitch 0-100."""

    name: str
    pitch: int


VOICES: dict[str, Voice] = {
    "alloy": Voice("en-us+f3", 50),
    "ash": Voice("en-us+m3", 45),
    "ballad": Voice("en-us+m6", 55),
    "coral": Voice("en-us+f4", 55),
    "echo": Voice("en-us+m1", 50),
    "sage": Voice("en-us+f2", 45),
    "shimmer": Voice("en-us+f5", 60),
    "verse": Voice("en-us+m2", 50),
    "marin": Voice("en-us+f1", 50),
    "cedar": Voice("en-us+m4", 40),
}
"""Realtime voice name -> espeak-ng voice.  Any other string is passed to espeak as a
voice name (``"en-us"``, ``"en-gb+m3"``...) with pitch 50."""


class SynthesisError(RuntimeError):
    """espeak-ng could not be loaded, initialised or asked to speak."""


class _Espeak:
    """The process's espeak-ng library: loaded and initialised once, then used under _LOCK."""

    def __init__(self) -> None:
        try:
            import espeakng_loader  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise SynthesisError(
                "espeak-ng is not installed: pip install 'botify-realtime[local]'"
            ) from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Synth.restype = ctypes.c_int
        data_path = str(Path(espeakng_loader.get_data_path()))
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path.encode(), _INITIALIZE_DONT_EXIT
        )
        if rate != ESPEAK_RATE:
            raise SynthesisError(f"espeak_Initialize failed or gave rate {rate} (data {data_path})")
        self._lib = lib
        self._callback = _SYNTH_CALLBACK(self._on_samples)  # kept alive with the library
        lib.espeak_SetSynthCallback(self._callback)
        self._sink: _Job | None = None
        self._voice: tuple[str, int, int] | None = None

    def _on_samples(self, wav: ctypes._Pointer[ctypes.c_short], n: int, _events: int | None) -> int:
        job = self._sink
        if job is None or job.is_cancelled():
            return 1  # abort synthesis
        if n > 0 and wav:
            job.deliver(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    def speak(self, job: _Job) -> None:
        """Run one synthesis to the end (or until the job is cancelled).  Caller holds _LOCK."""
        settings = (job.voice.name, job.voice.pitch, job.rate_wpm)
        if settings != self._voice:
            if self._lib.espeak_SetVoiceByName(job.voice.name.encode()) != _EE_OK:
                self._voice = None
                raise SynthesisError(f"espeak-ng has no voice {job.voice.name!r}")
            self._lib.espeak_SetParameter(_PARAM_RATE, job.rate_wpm, 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, job.voice.pitch, 0)
            self._voice = settings
        text = job.text.encode("utf-8") + b"\0"
        self._sink = job
        try:
            err = self._lib.espeak_Synth(
                text, len(text), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
        finally:
            self._sink = None
        if err != _EE_OK and not job.is_cancelled():
            raise SynthesisError(f"espeak_Synth failed with code {err}")


_LOCK = threading.Lock()
_ESPEAK: _Espeak | None = None


def _espeak() -> _Espeak:
    """The initialised library (caller holds _LOCK)."""
    global _ESPEAK
    if _ESPEAK is None:
        _ESPEAK = _Espeak()
    return _ESPEAK


class _Job:
    """One synthesis: its text and settings, where its samples go, and its cancel flag."""

    def __init__(
        self, text: str, voice: Voice, rate_wpm: int, cancel: threading.Event | None
    ) -> None:
        self.text = text
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.cancel = cancel  # the caller's flag
        self.stopped = threading.Event()  # set when the consumer goes away
        self.samples: queue.SimpleQueue[Int16Array | BaseException | None] = queue.SimpleQueue()

    def is_cancelled(self) -> bool:
        return self.stopped.is_set() or (self.cancel is not None and self.cancel.is_set())

    def deliver(self, samples: Int16Array) -> None:
        self.samples.put(samples)

    def run(self) -> None:
        """Synthesise under the library lock; always ends the queue (None or the error)."""
        try:
            with _LOCK:
                _espeak().speak(self)
        except BaseException as exc:  # handed to the consumer, re-raised there
            self.samples.put(exc)
        else:
            self.samples.put(None)


class Synthesizer:
    """Text to pcm16 mono 24 kHz speech with one voice and speaking rate.

    ``voice`` is a Realtime voice name (see :data:`VOICES`) or an espeak-ng voice name.
    Instances are cheap and hold no library state; they can be used from any thread.
    """

    def __init__(self, voice: str = "en-us", rate_wpm: int = 175) -> None:
        self.voice = resolve_voice(voice)
        self.rate_wpm = max(80, min(450, rate_wpm))

    def synthesize(self, text: str) -> bytes:
        """The whole utterance as pcm16 24 kHz mono (empty for blank text)."""
        if not text.strip():
            return b""
        job = _Job(text, self.voice, self.rate_wpm, None)
        job.run()
        resampler = Resampler(ESPEAK_RATE, PROTOCOL_RATE)
        out = bytearray()
        while (item := job.samples.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            out += array_to_pcm16(resampler.process(item))
        out += array_to_pcm16(resampler.flush())
        return bytes(out)

    def stream(
        self, text: str, chunk_ms: int = 100, cancel: threading.Event | None = None
    ) -> Generator[bytes, None, None]:
        """Yield pcm16 24 kHz chunks of ``chunk_ms`` (the last may be shorter) while espeak
        synthesises on a worker thread.  Setting ``cancel`` (or closing the generator)
        aborts espeak's synthesis from its callback and ends the stream before the next
        chunk."""
        if not text.strip():
            return
        job = _Job(text, self.voice, self.rate_wpm, cancel)
        worker = threading.Thread(target=job.run, name="espeak-synth", daemon=True)
        worker.start()
        chunk_bytes = max(2, bytes_of(chunk_ms))
        resampler = Resampler(ESPEAK_RATE, PROTOCOL_RATE)
        pending = bytearray()
        try:
            while not job.is_cancelled():
                item = job.samples.get()
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    pending += array_to_pcm16(resampler.flush())
                    break
                pending += array_to_pcm16(resampler.process(item))
                while len(pending) >= chunk_bytes and not job.is_cancelled():
                    yield bytes(pending[:chunk_bytes])
                    del pending[:chunk_bytes]
            if pending and not job.is_cancelled():
                yield bytes(pending)
        finally:
            job.stopped.set()  # aborts espeak if the consumer left early
            worker.join()


def resolve_voice(voice: str) -> Voice:
    """The espeak-ng voice for a Realtime voice name (case-insensitive) or an espeak name."""
    return VOICES.get(voice.lower(), Voice(voice, 50))

"""Server-side voice activity detection with the Realtime API's ``server_vad`` semantics.

:class:`ServerVad` is fed pcm16 mono 24 kHz audio in chunks of any size and keeps the
audio clock: milliseconds of audio fed since it was created (or :meth:`ServerVad.reset`).
It emits :class:`SpeechStarted` when speech begins and :class:`SpeechStopped` once
``silence_duration_ms`` of silence has followed it; the stop event carries the utterance
audio (from ``audio_start_ms`` to ``audio_end_ms``) for recognition.

How a 10 ms frame is judged, and how ``threshold`` (0..1) maps onto that:

* The audio is resampled to 16 kHz and cut into 10 ms frames; webrtcvad judges each with
  aggressiveness ``mode = int(threshold * 3 + 0.5)`` (0..0.16 -> 0, ..0.49 -> 1,
  0.5..0.83 -> 2, above -> 3).
* An energy gate: a frame is voiced only if its RMS level is at least
  ``-60 + 30 * threshold`` dBFS (-60 at 0, -45 at the default 0.5, -30 at 1).  Besides
  making high thresholds ignore quiet sounds, the gate is needed because webrtcvad calls
  the first ~150 ms after it starts "speech", even for digital silence.
* Speech starts when at least ``max(1, ceil(threshold * 10))`` of the last 10 frames
  (100 ms) are voiced (1 at 0, 5 at 0.5, all 10 at 1); its onset is the first voiced frame
  of that window.  ``audio_start_ms`` = onset - ``prefix_padding_ms``, clamped at 0 and at
  the start of the current buffer (the end of the previous utterance).
* Speech stops when ``silence_duration_ms`` have passed since the end of the last voiced
  frame; ``audio_end_ms`` is that end of speech, and ``detected_at_ms`` (the clock when the
  event is emitted) is ``audio_end_ms + silence_duration_ms`` rounded up to a frame.  (OpenAI's
  documentation describes its ``audio_end_ms`` as including the silence: a server that wants
  that reading sends ``detected_at_ms`` instead.)

Events are identical whatever the chunking of the input (the resampler is exact for any
chunking and frames are counted on the audio clock).  Audio retained while no speech is in
progress is trimmed to what a future prefix may need, so an idle session does not grow.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad  # type: ignore[import-untyped]

from engine.audio import PROTOCOL_RATE, Int16Array, Resampler, pcm16_to_array

FRAME_MS = 10
WINDOW_FRAMES = 10  # onset window: 100 ms
_VAD_RATE = 16_000
_FRAME_SAMPLES = _VAD_RATE * FRAME_MS // 1000
_SAMPLES_PER_MS = PROTOCOL_RATE // 1000  # 24
_IDLE_MARGIN_MS = 100


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began; ``audio_start_ms`` already includes the prefix padding."""

    audio_start_ms: int
    detected_at_ms: int


@dataclass(frozen=True)
class SpeechStopped:
    """Speech ended at ``audio_end_ms``; ``audio`` is pcm16 24 kHz from ``audio_start_ms``."""

    audio_start_ms: int
    audio_end_ms: int
    detected_at_ms: int
    audio: bytes


VadEvent = SpeechStarted | SpeechStopped


def vad_mode(threshold: float) -> int:
    """webrtcvad aggressiveness (0..3) for a Realtime ``threshold`` (0..1)."""
    return min(3, int(_check_threshold(threshold) * 3 + 0.5))


def energy_gate_dbfs(threshold: float) -> float:
    """Minimum RMS level (dBFS) of a voiced frame for a ``threshold`` (0..1)."""
    return -60.0 + 30.0 * _check_threshold(threshold)


def onset_frames(threshold: float) -> int:
    """Voiced frames needed in the 10-frame window to start speech."""
    return max(1, math.ceil(_check_threshold(threshold) * WINDOW_FRAMES - 1e-9))


def _check_threshold(threshold: float) -> float:
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    return threshold


class ServerVad:
    """Turn detection over an input audio buffer (see the module docstring).

    With ``detect=False`` it is only the input buffer (for ``turn_detection: null``):
    ``feed`` returns no events and :meth:`commit` returns everything appended.
    ``max_buffer_ms`` bounds memory: an utterance that long is stopped by force, and an
    undetected buffer drops its oldest audio.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        prefix_padding_ms: int = 300,
        silence_duration_ms: int = 500,
        sample_rate: int = PROTOCOL_RATE,
        *,
        detect: bool = True,
        max_buffer_ms: int = 300_000,
    ) -> None:
        if sample_rate != PROTOCOL_RATE:
            raise ValueError(f"ServerVad takes pcm16 at {PROTOCOL_RATE} Hz, not {sample_rate}")
        self.sample_rate = sample_rate
        self.max_buffer_ms = max_buffer_ms
        self._detect = detect
        self._vad = webrtcvad.Vad()
        self.configure(threshold, prefix_padding_ms, silence_duration_ms)
        self.reset()

    def configure(
        self,
        threshold: float | None = None,
        prefix_padding_ms: int | None = None,
        silence_duration_ms: int | None = None,
        detect: bool | None = None,
    ) -> None:
        """Change parameters (from ``session.update``); buffer and clock are kept.
        Turning detection on starts judging frames from the current clock."""
        if threshold is not None:
            self.threshold = _check_threshold(threshold)
            self._vad.set_mode(vad_mode(threshold))
            self._gate = energy_gate_dbfs(threshold)
            self._need = onset_frames(threshold)
        if prefix_padding_ms is not None:
            self.prefix_padding_ms = max(0, prefix_padding_ms)
        if silence_duration_ms is not None:
            self.silence_duration_ms = max(0, silence_duration_ms)
        if detect is not None and detect != self._detect:
            self._detect = detect
            self._restart_frames()
            self._clear_detection()

    # -- state -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything, the clock included (a new session's buffer)."""
        self._carry = b""  # odd trailing byte of the last chunk
        self._samples_in = 0  # 24 kHz samples fed
        self._buf = bytearray()
        self._buf_start = 0  # absolute 24 kHz sample index of _buf[0]
        self._restart_frames()
        self._clear_detection()

    def _restart_frames(self) -> None:
        """Judge 10 ms frames from the current clock on (frame k ends at origin + 10(k+1))."""
        self._resampler = Resampler(PROTOCOL_RATE, _VAD_RATE)
        self._pending = np.zeros(0, dtype=np.int16)  # 16 kHz samples not yet framed
        self._frame_origin_ms = self.clock_ms
        self._frames = 0  # frames judged since the origin

    def clear(self) -> None:
        """``input_audio_buffer.clear``: drop buffered audio and any speech in progress;
        the clock keeps running."""
        self._drop_until(self._samples_in)
        self._clear_detection()

    def commit(self) -> bytes:
        """Manual ``input_audio_buffer.commit``: return the buffer and start a new one."""
        audio = bytes(self._buf)
        self.clear()
        return audio

    def _clear_detection(self) -> None:
        self._window: deque[tuple[int, bool]] = deque(maxlen=WINDOW_FRAMES)  # (start ms, voiced)
        self._in_speech = False
        self._start_ms = 0
        self._speech_end_ms = 0

    @property
    def clock_ms(self) -> int:
        """Milliseconds of audio fed so far."""
        return self._samples_in // _SAMPLES_PER_MS

    @property
    def detect(self) -> bool:
        """Whether turns are detected (False: a plain input buffer).  Setting it is
        ``configure(detect=...)``."""
        return self._detect

    @detect.setter
    def detect(self, value: bool) -> None:
        self.configure(detect=value)

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def buffer_start_ms(self) -> int:
        """Clock time of the first byte still buffered."""
        return self._buf_start // _SAMPLES_PER_MS

    @property
    def buffered_ms(self) -> int:
        return len(self._buf) // 2 // _SAMPLES_PER_MS

    # -- feeding -----------------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[VadEvent]:
        """Append pcm16 24 kHz audio; return the events it completes, in order."""
        data = self._carry + chunk
        usable = len(data) - len(data) % 2
        self._carry = data[usable:]
        if not usable:
            return []
        self._buf += data[:usable]
        self._samples_in += usable // 2
        events: list[VadEvent] = []
        if self._detect:
            resampled = self._resampler.process(pcm16_to_array(data[:usable]))
            self._pending = np.concatenate([self._pending, resampled])
            n_frames = len(self._pending) // _FRAME_SAMPLES
            for i in range(n_frames):
                frame = self._pending[i * _FRAME_SAMPLES : (i + 1) * _FRAME_SAMPLES]
                event = self._judge(frame)
                if event is not None:
                    events.append(event)
            self._pending = self._pending[n_frames * _FRAME_SAMPLES :]
        self._trim()
        return events

    def _voiced(self, frame: Int16Array) -> bool:
        speech = bool(self._vad.is_speech(frame.tobytes(), _VAD_RATE))  # keeps its state
        rms = math.sqrt(float(np.mean(frame.astype(np.float64) ** 2)))
        return speech and 20.0 * math.log10(rms / 32768.0 + 1e-12) >= self._gate

    def _judge(self, frame: Int16Array) -> VadEvent | None:
        self._frames += 1
        voiced = self._voiced(frame)
        end_ms = self._frame_origin_ms + self._frames * FRAME_MS
        if not self._in_speech:
            self._window.append((end_ms - FRAME_MS, voiced))
            if voiced and sum(v for _, v in self._window) >= self._need:
                onset_ms = next(start for start, v in self._window if v)
                self._in_speech = True
                self._start_ms = max(onset_ms - self.prefix_padding_ms, self.buffer_start_ms, 0)
                self._speech_end_ms = end_ms
                return SpeechStarted(audio_start_ms=self._start_ms, detected_at_ms=end_ms)
            return None
        if voiced:
            self._speech_end_ms = end_ms
        too_long = end_ms - self._start_ms >= self.max_buffer_ms
        if end_ms - self._speech_end_ms >= self.silence_duration_ms or too_long:
            stop_ms = end_ms if too_long else self._speech_end_ms
            return self._stop(stop_ms, end_ms)
        return None

    def _stop(self, audio_end_ms: int, detected_at_ms: int) -> SpeechStopped:
        start = self._start_ms * _SAMPLES_PER_MS
        end = audio_end_ms * _SAMPLES_PER_MS
        lo, hi = max(0, start - self._buf_start), max(0, end - self._buf_start)
        audio = bytes(self._buf[lo * 2 : hi * 2])
        event = SpeechStopped(self._start_ms, audio_end_ms, detected_at_ms, audio)
        self._drop_until(end)
        self._clear_detection()
        return event

    def _drop_until(self, sample: int) -> None:
        drop = max(0, min(sample - self._buf_start, len(self._buf) // 2))
        del self._buf[: drop * 2]
        self._buf_start += drop

    def _trim(self) -> None:
        if self._in_speech:
            return
        if self._detect:
            keep_ms = self.prefix_padding_ms + WINDOW_FRAMES * FRAME_MS + _IDLE_MARGIN_MS
        else:
            keep_ms = self.max_buffer_ms
        self._drop_until((self.clock_ms - keep_ms) * _SAMPLES_PER_MS)

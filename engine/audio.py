"""pcm16 helpers: bytes <-> numpy, band-limited resampling, WAV reading, audio clock.

The Realtime protocol carries pcm16 little-endian mono at 24 kHz (48 bytes per ms).

Resampling is rational polyphase filtering (no scipy): the ratio ``dst/src`` is reduced
to ``up/down``; every output sample ``k`` sits at input time ``t = k * down / up`` and is
the dot product of the input samples around ``t`` with a Kaiser-windowed sinc evaluated at
their distances from ``t``.  The sinc's cut-off is ``0.9 * min(src, dst) / 2``, so when
downsampling (e.g. 24 kHz -> 16 kHz) everything above the new Nyquist frequency is
removed before it can alias; when upsampling (22,050 Hz -> 24 kHz) the same filter
suppresses the images.  The filter taps for the ``up`` phases are computed once per rate
pair and cached; each output row is normalised to unit DC gain.  The filter is
symmetric (zero phase), so sample ``k`` of the output lines up with input time ``t`` and
the output has ``ceil(n * up / down)`` samples.  :class:`Resampler` does the same in a
streaming way (identical output whatever the chunking), with a look-ahead of
``half_width`` input samples.
"""

from __future__ import annotations

import functools
import io
import math
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

PROTOCOL_RATE = 24_000
"""Sample rate of the Realtime protocol's pcm16 audio."""

Int16Array = npt.NDArray[np.int16]
FloatArray = npt.NDArray[np.float32]

_ZERO_CROSSINGS = 12  # sinc lobes kept on each side of the centre
_ROLLOFF = 0.9  # cut-off as a fraction of the lower Nyquist frequency
_KAISER_BETA = 8.0
_MAX_PHASES = 4096  # larger `up` factors share the nearest of 4096 phases


def pcm16_to_array(data: bytes | bytearray | memoryview) -> Int16Array:
    """View pcm16 little-endian bytes as an int16 array (a trailing odd byte is ignored)."""
    usable = len(data) - len(data) % 2
    return np.frombuffer(bytes(data[:usable]), dtype="<i2").astype(np.int16, copy=False)


def array_to_pcm16(samples: npt.ArrayLike) -> bytes:
    """Convert samples to pcm16 little-endian bytes; floats are rounded and clipped."""
    arr = np.asarray(samples)
    if arr.dtype != np.int16:
        arr = np.clip(np.rint(arr), -32768, 32767).astype(np.int16)
    return arr.astype("<i2", copy=False).tobytes()


def ms_of(nbytes: int, rate: int = PROTOCOL_RATE) -> int:
    """Milliseconds of mono pcm16 audio held in ``nbytes`` (rounded down)."""
    return (nbytes // 2) * 1000 // rate


def bytes_of(ms: int, rate: int = PROTOCOL_RATE) -> int:
    """Bytes of mono pcm16 audio for ``ms`` milliseconds (whole samples)."""
    return (ms * rate // 1000) * 2


@functools.lru_cache(maxsize=32)
def _filter_bank(up: int, down: int) -> tuple[FloatArray, int, int]:
    """Return ``(bank, half_width, phases)``: ``bank[p, j]`` weighs input ``n0 - hw + 1 + j``
    for an output whose fractional position is ``p / phases`` past input ``n0``."""
    cutoff = 0.5 * _ROLLOFF * min(1.0, up / down)  # cycles per input sample
    half_width = math.ceil(_ZERO_CROSSINGS / (2.0 * cutoff))
    phases = min(up, _MAX_PHASES)
    frac = np.arange(phases, dtype=np.float64)[:, None] / phases
    offsets = np.arange(2 * half_width, dtype=np.float64)[None, :]
    dist = frac + (half_width - 1) - offsets  # t - n, in input samples
    window = np.i0(_KAISER_BETA * np.sqrt(np.clip(1.0 - (dist / half_width) ** 2, 0.0, None)))
    taps = 2.0 * cutoff * np.sinc(2.0 * cutoff * dist) * window / np.i0(_KAISER_BETA)
    taps /= taps.sum(axis=1, keepdims=True)
    return taps.astype(np.float32), half_width, phases


def _ratio(src_rate: int, dst_rate: int) -> tuple[int, int]:
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {src_rate} -> {dst_rate}")
    g = math.gcd(src_rate, dst_rate)
    return dst_rate // g, src_rate // g


class Resampler:
    """Streaming band-limited resampler for mono int16 audio (see the module docstring).

    ``process(chunk)`` returns every output sample whose input window is complete;
    ``flush()`` pads the end with silence, returns the rest and starts a new stream.
    Concatenating the outputs gives exactly :func:`resample` of the concatenated inputs.
    """

    _BLOCK = 8192  # outputs computed per vectorised step (bounds the temporary matrix)

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self._up, self._down = _ratio(src_rate, dst_rate)
        self._bank, self._hw, self._phases = _filter_bank(self._up, self._down)
        self.reset()

    def reset(self) -> None:
        """Forget all input: the next sample is the start of a new stream."""
        self._history = np.zeros(self._hw, dtype=np.float32)  # zeros before the start
        self._base = -self._hw  # absolute input index of _history[0]
        self._n_in = 0  # input samples received
        self._k = 0  # next output index

    @property
    def passthrough(self) -> bool:
        return self._up == self._down

    def process(self, samples: Int16Array) -> Int16Array:
        if self.passthrough:
            self._n_in += len(samples)
            return samples.astype(np.int16, copy=True)
        self._history = np.concatenate([self._history, samples.astype(np.float32)])
        self._n_in += len(samples)
        # output k needs inputs up to floor(k*down/up) + hw
        last_ready = ((self._n_in - self._hw) * self._up - 1) // self._down
        return self._emit(last_ready + 1)

    def flush(self) -> Int16Array:
        if self.passthrough:
            return np.zeros(0, dtype=np.int16)
        total = -(-self._n_in * self._up // self._down)  # ceil
        self._history = np.concatenate([self._history, np.zeros(self._hw, dtype=np.float32)])
        out = self._emit(total)
        self.reset()
        return out

    def _emit(self, stop: int) -> Int16Array:
        if stop <= self._k:
            return np.zeros(0, dtype=np.int16)
        pieces: list[FloatArray] = []
        for start in range(self._k, stop, self._BLOCK):
            ks = np.arange(start, min(stop, start + self._BLOCK), dtype=np.int64)
            pos = ks * self._down
            n0 = pos // self._up
            phase = (pos % self._up) * self._phases // self._up
            first = n0 - self._hw + 1 - self._base
            idx = first[:, None] + np.arange(2 * self._hw)[None, :]
            window = self._history[idx]
            pieces.append(np.einsum("ij,ij->i", window, self._bank[phase]))
        self._k = stop
        # keep only the inputs still needed by the next output
        keep_from = (self._k * self._down) // self._up - self._hw + 1
        drop = max(0, keep_from - self._base)
        self._history = self._history[drop:]
        self._base += drop
        out = np.concatenate(pieces)
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def resample(samples: Int16Array, src_rate: int, dst_rate: int) -> Int16Array:
    """Resample mono int16 audio; the result has ``ceil(len * dst / src)`` samples."""
    rs = Resampler(src_rate, dst_rate)
    return np.concatenate([rs.process(samples), rs.flush()])


def resample_pcm16(data: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Resample pcm16 mono bytes from ``src_rate`` to ``dst_rate``."""
    if src_rate == dst_rate:
        return bytes(data)
    return array_to_pcm16(resample(pcm16_to_array(data), src_rate, dst_rate))


def _frames_to_mono16(raw: bytes, sampwidth: int, channels: int) -> Int16Array:
    data: npt.NDArray[np.int64]
    if sampwidth == 1:  # unsigned 8-bit
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.int64) - 128) * 256
    elif sampwidth == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.int64)
    elif sampwidth == 3:  # little-endian 24-bit: keep the top 16 bits, sign-extended
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int64)
        data = ((b[:, 2] << 16) | (b[:, 1] << 8) | b[:, 0]) >> 8
        data = np.where(data >= 32768, data - 65536, data)
    elif sampwidth == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.int64) >> 16
    else:
        raise ValueError(f"unsupported WAV sample width: {sampwidth} bytes")
    usable = len(data) - len(data) % channels
    frames: npt.NDArray[np.float64] = data[:usable].reshape(-1, channels).mean(axis=1)
    mono: Int16Array = np.clip(np.rint(frames), -32768, 32767).astype(np.int16)
    return mono


def read_wav(source: str | Path | BinaryIO | bytes, rate: int = PROTOCOL_RATE) -> bytes:
    """Read a PCM WAV file (8/16/24/32-bit integer, any rate, any channels) and return
    pcm16 mono at ``rate`` (24 kHz by default).  Channels are averaged."""
    handle: str | BinaryIO
    if isinstance(source, bytes):
        handle = io.BytesIO(source)
    elif isinstance(source, Path):
        handle = str(source)
    else:
        handle = source
    with wave.open(handle, "rb") as wav:
        channels, sampwidth, src_rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    mono = _frames_to_mono16(raw, sampwidth, channels)
    return array_to_pcm16(resample(mono, src_rate, rate) if src_rate != rate else mono)


def write_wav(target: str | Path | BinaryIO, pcm16: bytes, rate: int = PROTOCOL_RATE) -> None:
    """Write pcm16 mono bytes as a WAV file."""
    handle: str | BinaryIO = str(target) if isinstance(target, Path) else target
    with wave.open(handle, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm16)

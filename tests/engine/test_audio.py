"""pcm16 helpers, band-limited resampling and WAV conversion."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from engine.audio import (
    Resampler,
    array_to_pcm16,
    bytes_of,
    ms_of,
    pcm16_to_array,
    read_wav,
    resample,
    resample_pcm16,
    write_wav,
)


def tone(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.rint(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_pcm16_round_trip_and_clock() -> None:
    samples = np.array([-32768, -1, 0, 1, 32767], dtype=np.int16)
    data = array_to_pcm16(samples)
    assert data == samples.astype("<i2").tobytes()
    assert np.array_equal(pcm16_to_array(data + b"\x01"), samples)  # odd byte ignored
    assert array_to_pcm16(np.array([1.6, -40000.0, 40000.0])) == array_to_pcm16(
        np.array([2, -32768, 32767], dtype=np.int16)
    )
    assert ms_of(48_000) == 1000
    assert ms_of(32_000, rate=16_000) == 1000
    assert bytes_of(20) == 960
    assert ms_of(bytes_of(123)) == 123


@pytest.mark.parametrize(
    ("src", "dst"),
    [(24_000, 16_000), (22_050, 24_000), (44_100, 24_000), (16_000, 24_000), (48_000, 24_000)],
)
def test_resampling_keeps_frequency_and_length(src: int, dst: int) -> None:
    signal = tone(440.0, src)
    out = resample(signal, src, dst)
    assert len(out) == -(-len(signal) * dst // src)
    assert dominant_frequency(out, dst) == pytest.approx(440.0, abs=2.0)
    assert rms(out[200:-200]) == pytest.approx(rms(signal[200:-200]), rel=0.02)


def test_downsampling_removes_what_would_alias() -> None:
    # 10 kHz is above 16 kHz's Nyquist frequency: naive decimation would fold it to 6 kHz.
    out = resample(tone(10_000.0, 24_000), 24_000, 16_000)
    assert rms(out[100:-100]) < 0.01 * rms(tone(10_000.0, 24_000))
    kept = resample(tone(3_000.0, 24_000), 24_000, 16_000)
    assert rms(kept[100:-100]) == pytest.approx(8000 / np.sqrt(2), rel=0.02)


@pytest.mark.parametrize("chunk", [1, 7, 480, 4_801])
def test_streaming_resampler_matches_one_shot(chunk: int) -> None:
    signal = np.random.default_rng(1).normal(0, 3000, 12_345).astype(np.int16)
    whole = resample(signal, 24_000, 16_000)
    resampler = Resampler(24_000, 16_000)
    parts = [resampler.process(signal[i : i + chunk]) for i in range(0, len(signal), chunk)]
    parts.append(resampler.flush())
    assert np.array_equal(np.concatenate(parts), whole)


def test_same_rate_is_a_copy() -> None:
    data = array_to_pcm16(tone(300.0, 24_000, 0.1))
    assert resample_pcm16(data, 24_000, 24_000) == data
    with pytest.raises(ValueError):
        Resampler(0, 24_000)


def _wav_bytes(frames: np.ndarray, rate: int, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(frames.shape[1])
        wav.setsampwidth(width)
        wav.setframerate(rate)
        if width == 2:
            wav.writeframes(frames.astype("<i2").tobytes())
        else:  # 8-bit unsigned
            wav.writeframes(((frames.astype(np.int32) >> 8) + 128).astype(np.uint8).tobytes())
    return buffer.getvalue()


def test_stereo_44k_wav_becomes_24k_mono(tmp_path: Path) -> None:
    left, right = tone(440.0, 44_100, 1.5, 6000.0), tone(440.0, 44_100, 1.5, 2000.0)
    path = tmp_path / "stereo.wav"
    path.write_bytes(_wav_bytes(np.stack([left, right], axis=1), 44_100))
    out = pcm16_to_array(read_wav(path))
    assert len(out) == 36_000  # 1.5 s at 24 kHz
    assert dominant_frequency(out, 24_000) == pytest.approx(440.0, abs=2.0)
    assert rms(out[500:-500]) == pytest.approx(4000 / np.sqrt(2), rel=0.02)  # channel mean


def test_8_bit_wav_and_round_trip() -> None:
    mono = tone(1000.0, 8_000, 0.5, 12_000.0)[:, None]
    out = pcm16_to_array(read_wav(_wav_bytes(mono, 8_000, width=1)))
    assert len(out) == 12_000
    assert dominant_frequency(out, 24_000) == pytest.approx(1000.0, abs=3.0)
    buffer = io.BytesIO()
    data = array_to_pcm16(tone(500.0, 24_000, 0.25))
    write_wav(buffer, data)
    assert read_wav(buffer.getvalue()) == data  # 24 kHz mono passes through unchanged

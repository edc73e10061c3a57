"""scripts/realtime_client.py as a user runs it: a subprocess against a real `python -m app`
(relay -> embedded engine over real sockets), streaming at real-time pace."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

from engine.audio import pcm16_to_array, resample
from engine.synthesizer import Synthesizer
from scripts.client.session import ExitCode
from tests.scripts.conftest import REPO, Service, free_port

CLIENT = REPO / "scripts" / "realtime_client.py"


def run_client(*args: str, cwd: Path, timeout: float = 40) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLIENT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_reply_wav(path: Path) -> None:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24000, 1, 2)
        assert wav.getnframes() > 24000  # more than a second of answer
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.abs(samples).max() > 1000  # speech, not silence


def test_say_streams_a_question_and_saves_the_spoken_answer(
    service: Service, tmp_path: Path
) -> None:
    result = run_client(
        "--url", service.url, "--say", "what are your opening hours", cwd=tmp_path
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    out = result.stdout
    assert "at real-time pace" in out
    assert re.search(r"state\s+idle -> listening \(speech_started\)", out), out
    assert re.search(r"state\s+debouncing -> responding", out), out
    assert re.search(r"you\s+what are your opening hours\n", out), out
    assert re.search(r'tool\s+search \{"query": "[^"]*hours[^"]*"\}', out), out
    assert re.search(r"result\s+search ok in [\d.]+ ms: .*Opening hours", out), out
    assert re.search(r"assistant\s+.*nine a\.m\.", out), out
    assert "saved" in out and "reply.wav" in out
    assert result.stderr == ""
    assert_reply_wav(tmp_path / "reply.wav")


def test_wav_of_another_rate_and_channels_is_converted_and_sent(
    service: Service, tmp_path: Path
) -> None:
    speech = pcm16_to_array(Synthesizer("echo").synthesize("what are your opening hours"))
    left = resample(speech, 24000, 16000)
    stereo = np.stack([left, left // 2], axis=1).astype("<i2")
    question = tmp_path / "question.wav"
    with wave.open(str(question), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(stereo.tobytes())
    reply = tmp_path / "answer.wav"
    result = run_client(
        "--url", service.url, "--wav", str(question), "--out", str(reply), "--json",
        "--speed", "2", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    types = [event["type"] for event in events]
    transcript = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed"
    )
    assert transcript["transcript"] == "what are your opening hours"
    assert "botify.tool_call" in types and "botify.tool_result" in types
    assert types[-1] == "response.done"
    deltas = [e for e in events if e["type"] == "response.output_audio.delta"]
    assert deltas and all("delta" not in e and e["delta_bytes"] > 0 for e in deltas)
    assert "question.wav (16-bit 16000 Hz stereo -> 16-bit 24 kHz mono" in result.stderr
    assert f"to {reply}" in result.stderr
    with wave.open(str(reply), "rb") as wav:
        assert wav.getnframes() * 2 == sum(e["delta_bytes"] for e in deltas)
    assert_reply_wav(reply)


def test_closed_port_exits_3_with_a_readable_message(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{free_port()}/realtime"
    result = run_client("--url", url, "--wav", str(tmp_path / "q.wav"), cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE  # the WAV is checked before connecting
    assert "q.wav: no such file" in result.stderr
    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(24000)
        wav.writeframes(b"\0" * 4800)
    result = run_client("--url", url, "--wav", str(silent), cwd=tmp_path)
    assert result.returncode == int(ExitCode.CONNECT_FAILED) == 3
    assert "connection refused" in result.stderr
    assert "is the service running?" in result.stderr
    assert not (tmp_path / "reply.wav").exists()


def test_wrong_path_exits_3_naming_the_http_status(service: Service, tmp_path: Path) -> None:
    url = service.url.replace("/realtime", "/realtim")
    result = run_client("--url", url, "--say", "hello", cwd=tmp_path)
    assert result.returncode == ExitCode.CONNECT_FAILED
    assert "HTTP 404 Not Found" in result.stderr and "/realtime" in result.stderr


def test_help_documents_the_exit_statuses(tmp_path: Path) -> None:
    result = run_client("--help", cwd=tmp_path)
    assert result.returncode == 0
    for code in ExitCode:
        assert re.search(rf"^  {int(code)}\s", result.stdout, re.M), code
    assert "for testing only" in result.stdout

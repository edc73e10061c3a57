"""scripts/bench_engine.py: its playback-stall measure, its report, and a short real run of
the first-audio part against a real engine process."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from scripts import bench_engine
from scripts.client.audio import BYTES_PER_MS
from scripts.engine_bench.common import summary
from scripts.engine_bench.load import Turn
from scripts.engine_bench.report import print_report


def arrivals(*pairs: tuple[float, int]) -> list[tuple[float, int]]:
    """(arrival time in s, ms of audio) -> (time, bytes)."""
    return [(at, ms * BYTES_PER_MS) for at, ms in pairs]


def test_no_stall_when_audio_arrives_ahead_of_playback() -> None:
    turn = Turn("q", first_audio_at=10.0)
    turn.arrivals = arrivals((10.0, 100), (10.05, 100), (10.2, 100), (10.3, 100))
    assert turn.stall_ms == 0.0
    assert turn.audio_s == pytest.approx(0.4)
    assert turn.played_until == pytest.approx(10.4)


def test_stalls_add_up_when_audio_comes_late() -> None:
    turn = Turn("q", first_audio_at=0.0)
    # needed at 0.1 but came at 0.25 (150 ms); then needed at 0.35 (0.2 + 0.15) came at 0.3
    turn.arrivals = arrivals((0.0, 100), (0.25, 100), (0.3, 100), (0.6, 100))
    # the last one was needed at 0.45 and came at 0.6: 150 ms more
    assert turn.stall_ms == pytest.approx(300.0)
    assert turn.played_until == pytest.approx(0.0 + 0.4 + 0.3)


def test_summary_uses_nearest_rank_percentiles() -> None:
    assert summary([3.0, 1.0, 2.0, 4.0]) == {"count": 4, "p50": 2.0, "p95": 4.0, "max": 4.0}
    assert summary([]) == {"count": 0, "p50": None, "p95": None, "max": None}


def level(n: int, holds: bool) -> dict[str, Any]:
    stats = {"count": n, "p50": 0.1, "p95": 0.2, "max": 0.3}
    return {
        "sessions": n, "holds": holds, "answered": n, "expected": n, "failures": [],
        "recognition_s": stats, "stall_ms": {**stats, "max": 0.0 if holds else 250.0},
        "first_audio_ms": stats, "speech_stopped_to_audio_s": stats, "engine_cores": 0.2,
        "engine_cores_peak": 0.9, "bench_cores": 0.05, "other_cores": 0.0,
    }  # fmt: skip


def test_the_report_shows_targets_and_the_largest_holding_level() -> None:
    results = {
        "machine": {"cpus": 2, "engine_cpus": [0, 1], "python": "3.11"},
        "recognition": {
            "utterances": 80, "voices": ["alloy", "echo"], "audio_s": 120.0, "rtf": 0.081,
            "rtf_per_utterance": {"p50": 0.08, "p95": 0.1, "max": 0.12},
            "rtf_per_voice": {"alloy": 0.08, "echo": 0.082}, "key_word_hits": 0.7,
            "target": 0.2, "pass": True, "other_cores": 0.0,
        },
        "first_audio": {
            "tool": summary([1.0]), "answer": summary([8.0]), "no-tools": summary([12.0]),
            "runs": 1, "target_ms": 300.0, "pass": True, "other_cores": 0.01,
        },
        "sessions": {
            "via": "engine", "levels": [level(8, True), level(16, False)],
            "largest_holding": 8, "first_failing": 16,
            "criteria": {"max_recognition_s": 1.0, "max_stall_ms": 100.0, "rounds": 2,
                         "stagger_s": 10.0},
        },
    }  # fmt: skip
    out = io.StringIO()
    print_report(results, out)
    text = out.getvalue()
    assert "real-time factor 0.081  (target <= 0.2: PASS)" in text
    assert "first audio p95 target <= 300 ms: PASS" in text
    assert "largest N that holds: 8 (first failing: 16)" in text
    assert "    8   yes" in text and "   16    NO" in text


def test_first_audio_against_a_real_engine(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--only", "latency", "--runs", "2", "--voices", "alloy", "--quiet-wait", "0"]
    assert bench_engine.main([*argv, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    latency = results["first_audio"]
    for key in ("tool", "answer", "no-tools"):
        assert latency[key]["count"] == 2 and 0 < latency[key]["max"] < 5000
    assert latency["runs"] == 2 and isinstance(latency["pass"], bool)
    assert latency["engine_cores"] >= 0 and "other_cores" in latency
    assert set(results) == {"machine", "options", "first_audio"}
    out = io.StringIO()
    print_report(results, out)
    assert "answer after function_call_output: audio" in out.getvalue()

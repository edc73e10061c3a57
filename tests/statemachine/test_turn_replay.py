"""Replay: expect lines, settings, determinism, and the check of recorded transitions."""

from __future__ import annotations

import json

import pytest

from statemachine.replay import (
    Failure,
    ReplayResult,
    load_scenario,
    parse_scenario,
    replay,
)
from statemachine.report import format_timeline, to_jsonl
from tests.statemachine.turn_helpers import SCENARIOS

WORKED = SCENARIOS / "worked_example.jsonl"

WORKED_TIMELINE = [
    {"t": 0.0, "event": "speech_started"},
    {"t": 0.0, "source": "idle", "dest": "listening", "trigger": "speech_started"},
    {"t": 2.0, "event": "speech_stopped"},
    {"t": 2.0, "source": "listening", "dest": "debouncing", "trigger": "speech_stopped"},
    {"t": 3.5, "source": "debouncing", "dest": "responding", "trigger": "debounce_due"},
    {"t": 3.5, "action": "response.create"},
    {"t": 5.0, "event": "response_done", "tool_calls": 0},
    {"t": 5.0, "source": "responding", "dest": "cooling_down", "trigger": "response_done"},
    {"t": 5.2, "event": "speech_started"},
    {"t": 5.2, "source": "cooling_down", "dest": "listening", "trigger": "speech_started"},
    {"t": 5.8, "event": "speech_stopped"},
    {"t": 5.8, "source": "listening", "dest": "debouncing", "trigger": "speech_stopped"},
    {"t": 7.5, "source": "debouncing", "dest": "responding", "trigger": "debounce_due"},
    {"t": 7.5, "action": "response.create"},
]


def run(
    text: str, debounce_delay: float | None = None, throttle_min_interval: float | None = None
) -> ReplayResult:
    return replay(parse_scenario(text, source="s.jsonl"), debounce_delay, throttle_min_interval)


def test_worked_example_replays_to_the_table() -> None:
    result = replay(load_scenario(WORKED))
    assert result.ok, result.report()
    assert [entry.to_json() for entry in result.timeline] == WORKED_TIMELINE
    assert len(result.checks) == 10
    assert all(check.ok for check in result.checks)
    assert result.states() == [
        "idle",
        "listening",
        "debouncing",
        "responding",
        "cooling_down",
        "listening",
        "debouncing",
        "responding",
    ]


def test_replay_is_deterministic() -> None:
    first = replay(load_scenario(WORKED))
    second = replay(load_scenario(WORKED))
    assert first.timeline == second.timeline
    assert to_jsonl(first) == to_jsonl(second)
    assert format_timeline(first) == format_timeline(second)


def test_a_failed_expect_names_line_time_and_both_states() -> None:
    result = run(
        '{"t": 0, "event": "speech_started"}\n'
        '{"t": 1, "event": "speech_stopped"}\n'
        '{"t": 2, "expect": "responding"}\n'
        '{"t": 2.5, "expect": "responding"}\n'
    )
    assert not result.ok
    assert result.failures == [
        Failure(
            "expect",
            3,
            2.0,
            "responding",
            "debouncing",
            "expected state 'responding', got 'debouncing'",
            4,
        )
    ]
    report = result.report()
    assert "s.jsonl:3: t=2.000: expected state 'responding', got 'debouncing'" in report
    assert "-responding\n" in report and "+debouncing\n" in report
    assert "listening -> debouncing (speech_stopped)" in report  # context before the check
    assert report.rstrip().endswith("FAILED: 1 of 2 expectations held")


def test_expect_sees_timers_due_at_its_time_but_not_later_inputs() -> None:
    result = run(
        '{"t": 0, "event": "speech_started"}\n'
        '{"t": 1, "event": "speech_stopped"}\n'
        '{"t": 2.5, "expect": "responding"}\n'
        '{"t": 2.5, "event": "speech_started"}\n'
        '{"t": 2.5, "expect": "listening"}\n'
    )
    assert result.ok, result.report()


def test_the_replay_stops_at_the_last_line() -> None:
    result = run('{"t": 0, "event": "speech_started"}\n{"t": 1, "event": "speech_stopped"}')
    assert result.states()[-1] == "debouncing"  # the turn due at 2.5 is after the end
    assert result.ok


def test_overrides_beat_the_config_line() -> None:
    text = (
        '{"config": {"debounce_delay": 1.5, "throttle_min_interval": 4}}\n'
        '{"t": 0, "event": "speech_started"}\n'
        '{"t": 1, "event": "speech_stopped"}\n'
        '{"t": 1.6, "expect": "debouncing"}\n'
    )
    assert run(text).ok
    fast = run(text, debounce_delay=0.5)
    assert not fast.ok
    assert fast.settings.debounce_delay == 0.5
    assert fast.settings.throttle_min_interval == 4.0
    assert run(text, throttle_min_interval=10).settings.throttle_min_interval == 10.0


def test_recording_lines_only_move_the_clock() -> None:
    result = run(
        '{"t": 0, "meta": {"type": "session.created"}}\n'
        '{"t": 0, "event": "speech_started"}\n'
        '{"t": 1, "event": "speech_stopped"}\n'
        '{"t": 2.5, "action": "response.create"}\n'
        '{"t": 3, "meta": {"type": "response.done"}}\n'
    )
    assert result.ok
    assert result.states()[-1] == "responding"
    assert [a.t for a in result.actions] == [2.5]


# -- recordings: transitions must be reproduced ---------------------------------------

RECORDING = "\n".join(json.dumps(line) for line in [{"config": {}}, *WORKED_TIMELINE])


def test_a_replays_own_json_output_is_a_recording_that_replays_ok() -> None:
    result = run(RECORDING)
    assert result.ok, result.report()
    assert len(result.scenario.recorded_transitions) == 7


def test_timer_transitions_may_be_up_to_50_ms_late() -> None:
    late = RECORDING.replace('{"t": 7.5, ', '{"t": 7.549, ')
    assert run(late).ok


def test_timer_transitions_more_than_50_ms_off_fail() -> None:
    late = RECORDING.replace('{"t": 7.5, ', '{"t": 7.56, ')
    result = run(late)
    assert [(f.kind, f.line, f.expected, f.actual) for f in result.failures] == [
        ("timing", 14, "t=7.560", "t=7.500")
    ]
    assert "off by 60 ms" in result.failures[0].message
    assert "allowed 50 ms for a timer" in result.report()


def test_input_transitions_must_match_their_time() -> None:
    shifted = RECORDING.replace(
        '{"t": 5.2, "source": "cooling_down"', '{"t": 5.203, "source": "cooling_down"'
    )
    result = run(shifted)
    assert [(f.kind, f.line) for f in result.failures] == [("timing", 11)]
    assert "allowed 1 ms for an input" in result.failures[0].message


def test_a_different_transition_fails_with_a_diff() -> None:
    wrong = RECORDING.replace('"dest": "cooling_down"', '"dest": "idle"').replace(
        '"source": "cooling_down"', '"source": "idle"'
    )
    result = run(wrong)
    assert not result.ok
    (failure,) = result.failures
    assert failure.kind == "transition"
    assert failure.line == 9
    assert failure.expected == "responding -> idle (response_done)"
    assert failure.actual == "responding -> cooling_down (response_done)"
    report = result.report()
    assert "--- recorded\n" in report and "+++ replayed\n" in report
    assert "-responding -> idle (response_done)  [line 9]" in report
    assert "+responding -> cooling_down (response_done)" in report
    assert " debouncing -> responding (debounce_due)  [line 6]" in report


def test_a_missing_replayed_transition_fails() -> None:
    extra = RECORDING + '\n{"t": 9, "source": "responding", "dest": "idle", "trigger": "x"}'
    result = run(extra)
    (failure,) = result.failures
    assert (failure.kind, failure.line, failure.actual) == ("transition", 16, "(none)")
    assert "the replay has no more transitions" in failure.message


def test_a_transition_missing_from_the_recording_fails() -> None:
    lines = RECORDING.splitlines()
    del lines[13]  # the last recorded transition (t = 7.5)
    result = run("\n".join(lines))
    (failure,) = result.failures
    assert (failure.kind, failure.line, failure.expected) == ("transition", None, "(none)")
    assert failure.actual == "debouncing -> responding (debounce_due)"
    assert "the recording has no more transitions" in result.report()


def test_other_settings_do_not_reproduce_a_recording_unless_the_check_is_off() -> None:
    scenario = parse_scenario(RECORDING)
    assert not replay(scenario, debounce_delay=1.0).ok
    assert replay(scenario, debounce_delay=1.0, check_recorded=False).ok


def test_expect_and_transition_failures_are_reported_together() -> None:
    text = RECORDING.replace('"dest": "cooling_down"', '"dest": "idle"')
    text += '\n{"t": 8, "expect": "idle"}'
    result = run(text)
    assert [f.kind for f in result.failures] == ["expect", "transition"]
    summary = result.report().splitlines()[-1]
    assert summary == (
        "FAILED: 0 of 1 expectations held; 7 recorded transitions NOT reproduced (1 difference)"
    )


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.jsonl")))
def test_the_human_timeline_shows_every_entry_and_check(name: str) -> None:
    result = replay(load_scenario(SCENARIOS / name))
    text = format_timeline(result)
    assert len(text.splitlines()) == 2 + len(result.timeline) + len(result.checks)

"""Helpers for tests: write a scenario inline, replay it, assert on it.

    from statemachine.testing import assert_scenario

    def test_barge_in() -> None:
        result = assert_scenario('''
            {"t": 0, "event": "speech_started"}
            {"t": 1, "event": "speech_stopped"}
            {"t": 2.5, "expect": "responding"}
            {"t": 3, "event": "speech_started", "item_id": "a1", "audio_end_ms": 400}
            {"t": 3, "expect": "listening"}
        ''')
        assert [a.name for a in result.actions] == [
            "response.create", "response.cancel", "conversation.item.truncate"]

The text is dedented; line numbers in messages count from its first non-blank line.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from .replay import ReplayResult, load_scenario, parse_scenario, replay
from .report import format_failures, format_timeline
from .scenario import Scenario

__all__ = ["assert_scenario", "assert_scenario_file", "run_scenario", "scenario_from_text"]

INLINE_SOURCE = "<inline scenario>"


def scenario_from_text(text: str) -> Scenario:
    """Parse an inline scenario (dedented; leading blank lines dropped)."""
    return parse_scenario(textwrap.dedent(text).lstrip("\n"), source=INLINE_SOURCE)


def run_scenario(
    text: str,
    *,
    debounce_delay: float | None = None,
    throttle_min_interval: float | None = None,
) -> ReplayResult:
    """Replay an inline scenario; the settings override its config line. Never asserts
    (a malformed scenario raises :class:`statemachine.replay.ScenarioError`)."""
    return replay(scenario_from_text(text), debounce_delay, throttle_min_interval)


def _check(result: ReplayResult) -> ReplayResult:
    __tracebackhide__ = True
    if not result.ok:
        raise AssertionError(
            "turn scenario failed:\n"
            + format_failures(result)
            + "full timeline:\n"
            + format_timeline(result)
        )
    return result


def assert_scenario(
    text: str,
    *,
    debounce_delay: float | None = None,
    throttle_min_interval: float | None = None,
) -> ReplayResult:
    """Replay an inline scenario and raise ``AssertionError`` with a readable diff if an
    ``expect`` (or a recorded transition) fails; returns the result for further asserts."""
    __tracebackhide__ = True
    return _check(
        run_scenario(
            text, debounce_delay=debounce_delay, throttle_min_interval=throttle_min_interval
        )
    )


def assert_scenario_file(
    path: str | os.PathLike[str],
    *,
    debounce_delay: float | None = None,
    throttle_min_interval: float | None = None,
) -> ReplayResult:
    """Like :func:`assert_scenario`, for a scenario or recording file."""
    __tracebackhide__ = True
    scenario = load_scenario(Path(path))
    return _check(replay(scenario, debounce_delay, throttle_min_interval))

"""pytest plugin: the ``turn_scenario`` fixture.

Registered as a ``pytest11`` entry point, so any test of the project can use it::

    def test_throttle(turn_scenario) -> None:
        result = turn_scenario('''
            {"t": 0, "event": "speech_started"}
            {"t": 1, "event": "speech_stopped"}
            {"t": 2.5, "expect": "responding"}
        ''', debounce_delay=1.5)
        assert result.states() == ["idle", "listening", "debouncing", "responding"]

``turn_scenario(text)`` asserts (readable diff on failure); ``turn_scenario.run(text)``
only replays; ``turn_scenario.file(path)`` asserts on a file.
"""

from __future__ import annotations

import os

import pytest

from .replay import ReplayResult
from .testing import assert_scenario, assert_scenario_file, run_scenario

__all__ = ["TurnScenario", "turn_scenario"]


class TurnScenario:
    """What the ``turn_scenario`` fixture gives a test."""

    def __call__(
        self,
        text: str,
        *,
        debounce_delay: float | None = None,
        throttle_min_interval: float | None = None,
    ) -> ReplayResult:
        __tracebackhide__ = True
        return assert_scenario(
            text, debounce_delay=debounce_delay, throttle_min_interval=throttle_min_interval
        )

    def run(
        self,
        text: str,
        *,
        debounce_delay: float | None = None,
        throttle_min_interval: float | None = None,
    ) -> ReplayResult:
        return run_scenario(
            text, debounce_delay=debounce_delay, throttle_min_interval=throttle_min_interval
        )

    def file(
        self,
        path: str | os.PathLike[str],
        *,
        debounce_delay: float | None = None,
        throttle_min_interval: float | None = None,
    ) -> ReplayResult:
        __tracebackhide__ = True
        return assert_scenario_file(
            path, debounce_delay=debounce_delay, throttle_min_interval=throttle_min_interval
        )


@pytest.fixture
def turn_scenario() -> TurnScenario:
    """Replay inline turn scenarios (see :mod:`statemachine.testing`)."""
    return TurnScenario()

"""tests/scenarios/: every example passes, and together they exercise rules 1 to 10."""

from __future__ import annotations

from pathlib import Path

import pytest

from statemachine.pytest_plugin import TurnScenario
from statemachine.replay import ReplayResult, load_scenario, replay
from statemachine.rules import RULES
from statemachine.timeline import Action, Input, Transition
from tests.statemachine.turn_helpers import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.jsonl"))


def rules_applied(result: ReplayResult) -> set[int]:
    """Which rules of the table a replay used (10 = an input that changed nothing)."""
    numbers = {(rule.trigger, rule.source, rule.dest): rule.number for rule in RULES}
    used: set[int] = set()
    timeline = result.timeline
    for index, entry in enumerate(timeline):
        if isinstance(entry, Transition):
            used.add(numbers[(entry.trigger, entry.source, entry.dest)])
        elif isinstance(entry, Action) and entry.follow_up:
            used.add(5)
        elif isinstance(entry, Input):
            following = timeline[index + 1] if index + 1 < len(timeline) else None
            caused = (isinstance(following, Transition) and following.trigger == entry.event) or (
                isinstance(following, Action) and following.follow_up
            )
            if not caused:
                used.add(10)
    return used


def test_there_are_example_scenarios() -> None:
    names = {path.name for path in FILES}
    assert "worked_example.jsonl" in names
    assert "recording_example.jsonl" in names
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_example_scenario_passes(turn_scenario: TurnScenario, path: Path) -> None:
    result = turn_scenario.file(path)
    assert result.checks or result.scenario.recorded_transitions  # it checks something


def test_the_examples_cover_every_rule() -> None:
    used: set[int] = set()
    for path in FILES:
        used |= rules_applied(replay(load_scenario(path)))
    assert used == set(range(1, 11))


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("rules_01_02_04_first_turn.jsonl", {1, 2, 4}),
        ("rule_03_user_resumes_while_debouncing.jsonl", {1, 2, 3, 4}),
        ("rule_05_tool_calls_follow_up.jsonl", {1, 2, 4, 5, 6, 7}),
        ("rule_06_done_after_the_throttle_goes_idle.jsonl", {1, 2, 4, 6}),
        ("rules_06_07_cooling_down_ends.jsonl", {1, 2, 4, 6, 7}),
        ("rule_08_speech_while_cooling_down_is_throttled.jsonl", {1, 2, 4, 6, 8}),
        ("rule_09_barge_in.jsonl", {1, 2, 4, 9, 10}),
        ("rule_10_changes_nothing.jsonl", {1, 2, 4, 6, 7, 10}),
        ("worked_example.jsonl", {1, 2, 4, 6, 8}),
    ],
)
def test_each_rule_file_shows_its_rule(name: str, rules: set[int]) -> None:
    assert rules_applied(replay(load_scenario(SCENARIOS / name))) == rules

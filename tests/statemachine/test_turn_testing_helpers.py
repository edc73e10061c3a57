"""The helpers QA teams use in their own tests: inline scenarios and the turn_scenario fixture.

These tests double as examples of how to use them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from statemachine.pytest_plugin import TurnScenario
from statemachine.replay import ScenarioError
from statemachine.testing import assert_scenario, run_scenario
from tests.statemachine.turn_helpers import SCENARIOS


def test_an_inline_scenario_with_the_fixture(turn_scenario: TurnScenario) -> None:
    result = turn_scenario(
        """
        {"t": 0, "event": "speech_started"}
        {"t": 1, "event": "speech_stopped"}
        {"t": 2.5, "expect": "responding"}
        {"t": 3, "event": "speech_started", "item_id": "a1", "audio_end_ms": 400}
        {"t": 3, "expect": "listening"}
        """
    )
    assert [a.name for a in result.actions] == [
        "response.create",
        "response.cancel",
        "conversation.item.truncate",
    ]
    assert result.states() == ["idle", "listening", "debouncing", "responding", "listening"]


def test_settings_for_an_inline_scenario(turn_scenario: TurnScenario) -> None:
    turn_scenario(
        """
        {"t": 0, "event": "speech_started"}
        {"t": 1, "event": "speech_stopped"}
        {"t": 1.25, "expect": "responding"}
        """,
        debounce_delay=0.25,
    )


def test_a_file_with_the_fixture(turn_scenario: TurnScenario) -> None:
    turn_scenario.file(SCENARIOS / "worked_example.jsonl")


def test_run_only_replays(turn_scenario: TurnScenario) -> None:
    result = turn_scenario.run('{"t": 0, "expect": "listening"}')
    assert not result.ok
    assert result.failures[0].actual == "idle"


def test_a_failing_scenario_raises_a_readable_assertion() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_scenario(
            """
            {"t": 0, "event": "speech_started"}
            {"t": 1, "event": "speech_stopped"}
            {"t": 2, "expect": "responding"}
            """
        )
    message = str(caught.value)
    assert "<inline scenario>:3: t=2.000: expected state 'responding', got 'debouncing'" in message
    assert "-responding" in message and "+debouncing" in message
    assert "full timeline:" in message


def test_a_malformed_inline_scenario_names_its_line() -> None:
    with pytest.raises(ScenarioError, match=r"<inline scenario>:2: unknown event 'speech'"):
        run_scenario(
            """
            {"t": 0, "event": "speech_started"}
            {"t": 1, "event": "speech"}
            """
        )


def test_the_plugin_works_in_another_project(tmp_path: Path) -> None:
    """As a pytest11 plugin (here loaded with -p), the fixture needs no import."""
    (tmp_path / "test_qa.py").write_text(
        textwrap.dedent(
            '''
            def test_passes(turn_scenario):
                turn_scenario("""
                    {"t": 0, "event": "speech_started"}
                    {"t": 1, "event": "speech_stopped"}
                    {"t": 2.5, "expect": "responding"}
                """)

            def test_fails(turn_scenario):
                turn_scenario("""
                    {"t": 0, "event": "speech_started"}
                    {"t": 0.5, "expect": "debouncing"}
                """)
            '''
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",  # the installed package registers the plugin (entry point pytest11)
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            "/dev/null",
            "-q",
            str(tmp_path / "test_qa.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "expected state 'debouncing', got 'listening'" in done.stdout

"""scripts/replay.py as QA runs it: output, exit status 0/1/2 and the messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from statemachine.diagram import mermaid
from statemachine.replay import load_scenario, replay
from tests.statemachine.turn_helpers import REPO, SCENARIOS

SCRIPT = REPO / "scripts" / "replay.py"
WORKED = SCENARIOS / "worked_example.jsonl"


def replay_cli(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, text: str, name: str = "s.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_exit_0_prints_the_timeline() -> None:
    done = replay_cli(WORKED)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "# debounce_delay=1.5 s, throttle_min_interval=4 s"
    assert "     3.500  transition  debouncing -> responding (debounce_due)" in lines
    assert "     3.500  action      response.create" in lines
    assert "     7.500  expect      responding: ok" in lines
    assert lines[-1] == "ok: 10 of 10 expectations held"


def test_json_prints_one_object_a_line_exactly() -> None:
    done = replay_cli(WORKED, "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        '{"t": 2.0, "source": "listening", "dest": "debouncing", "trigger": "speech_stopped"}'
        in (lines)
    )
    assert lines == [
        '{"t": 0.0, "source": "idle", "dest": "listening", "trigger": "speech_started"}',
        '{"t": 2.0, "source": "listening", "dest": "debouncing", "trigger": "speech_stopped"}',
        '{"t": 3.5, "source": "debouncing", "dest": "responding", "trigger": "debounce_due"}',
        '{"t": 3.5, "action": "response.create"}',
        '{"t": 5.0, "source": "responding", "dest": "cooling_down", "trigger": "response_done"}',
        '{"t": 5.2, "source": "cooling_down", "dest": "listening", "trigger": "speech_started"}',
        '{"t": 5.8, "source": "listening", "dest": "debouncing", "trigger": "speech_stopped"}',
        '{"t": 7.5, "source": "debouncing", "dest": "responding", "trigger": "debounce_due"}',
        '{"t": 7.5, "action": "response.create"}',
    ]


def test_json_actions_keep_exactly_their_two_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"t": 0, "event": "speech_started"}\n'
        '{"t": 1, "event": "speech_stopped"}\n'
        '{"t": 3, "event": "response_done", "tool_calls": 2}\n'
        '{"t": 4, "event": "speech_started", "item_id": "a", "audio_end_ms": 5}\n',
    )
    done = replay_cli(path, "--json")
    actions = [json.loads(line) for line in done.stdout.splitlines() if "action" in line]
    assert actions == [
        {"t": 2.5, "action": "response.create"},
        {"t": 3.0, "action": "response.create"},
        {"t": 4.0, "action": "response.cancel"},
        {"t": 4.0, "action": "conversation.item.truncate"},
    ]


def test_exit_1_with_a_readable_diff(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"t": 0, "event": "speech_started"}\n'
        '{"t": 1, "event": "speech_stopped"}\n'
        '{"t": 2, "expect": "responding"}\n',
    )
    done = replay_cli(path)
    assert done.returncode == 1
    assert "expect      responding: FAILED (state is debouncing)" in done.stdout
    err = done.stderr.splitlines()
    assert err[0] == f"{path}:3: t=2.000: expected state 'responding', got 'debouncing'"
    assert "    -responding" in err and "    +debouncing" in err
    assert err[-1] == "FAILED: 0 of 1 expectations held"


def test_exit_1_for_a_recording_that_does_not_reproduce(tmp_path: Path) -> None:
    timeline = replay(load_scenario(WORKED)).timeline  # what a live session records
    lines = "".join(json.dumps(entry.to_json()) + "\n" for entry in timeline)
    assert replay_cli(write(tmp_path, lines, "good.jsonl")).returncode == 0
    recording = lines.replace('"t": 7.5,', '"t": 7.7,')
    done = replay_cli(write(tmp_path, recording))
    assert done.returncode == 1
    assert "off by 200 ms" in done.stderr


def test_exit_2_names_file_line_and_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path, '{"t": 1, "event": "speech_started"}\n{"t": 0.5, "event": "speech_stopped"}\n'
    )
    done = replay_cli(path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"{path}:2: 't' goes backwards: 0.5 after 1 on line 1 (lines must be in time order)\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope\n", ":1: not valid JSON"),
        ('{"t": 0, "event": "speech_begun"}\n', ":1: unknown event 'speech_begun'"),
        ('{"t": 0, "expect": "idle"}\n{"t": 1, "expect": "busy"}\n', ":2: unknown state 'busy'"),
        ('{"t": 0, "event": "response_done"}\n{"config": {}}\n', ":2: 'config' must be on the"),
    ],
)
def test_exit_2_for_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    done = replay_cli(write(tmp_path, text))
    assert done.returncode == 2
    assert message in done.stderr


def test_exit_2_for_a_missing_file_or_bad_arguments(tmp_path: Path) -> None:
    missing = replay_cli(tmp_path / "nope.jsonl")
    assert missing.returncode == 2
    assert missing.stderr == f"{tmp_path / 'nope.jsonl'}: cannot read: No such file or directory\n"
    assert replay_cli().returncode == 2
    bad = replay_cli(WORKED, "--debounce", "soon")
    assert bad.returncode == 2
    assert "not a number of seconds" in bad.stderr
    assert replay_cli(WORKED, "--throttle", "-1").returncode == 2


def test_debounce_and_throttle_override_the_file() -> None:
    assert replay_cli(WORKED, "--debounce", "1.5", "--throttle", "4").returncode == 0
    slower = replay_cli(WORKED, "--debounce", "3")
    assert slower.returncode == 1
    assert slower.stdout.startswith("# debounce_delay=3 s, throttle_min_interval=4 s")
    assert replay_cli(WORKED, "--throttle", "1").returncode == 1


def test_stdin() -> None:
    done = replay_cli("-", "--json", stdin=WORKED.read_text())
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 9


def test_diagram_needs_no_file() -> None:
    done = replay_cli("--diagram")
    assert done.returncode == 0
    assert done.stdout == mermaid()
    assert "stateDiagram-v2" in done.stdout

"""Loading scenario files: what is accepted, and the line and message of what is not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from statemachine.replay import ScenarioError, load_scenario
from statemachine.scenario import (
    ActionLine,
    EventLine,
    ExpectLine,
    MetaLine,
    ScenarioConfig,
    TransitionLine,
    parse_scenario,
)
from statemachine.settings import TurnSettings

OK_START = '{"t": 0, "event": "speech_started"}'

MALFORMED = [
    # (text, line, words of the message)
    ('{"t": 0, "event": }', 1, "not valid JSON"),
    ("not json at all", 1, "not valid JSON"),
    ("[1, 2]", 1, "expected a JSON object, got an array"),
    ('"speech_started"', 1, "expected a JSON object"),
    ("null", 1, "expected a JSON object, got null"),
    ('{"t": 0, "event": "speech_start"}', 1, "unknown event 'speech_start' (did you mean"),
    ('{"t": 0, "event": "hello"}', 1, "events are: speech_started, speech_stopped"),
    ('{"t": 0, "event": 3}', 1, "'event' must be a string"),
    ('{"t": 0, "expect": "talking"}', 1, "unknown state 'talking'"),
    ('{"t": 0, "expect": "respondng"}', 1, "did you mean 'responding'"),
    ('{"t": 0, "expect": ["idle"]}', 1, "'expect' must be a string"),
    (
        OK_START + '\n{"t": 2, "event": "speech_stopped"}\n{"t": 1.5, "expect": "idle"}',
        3,
        "'t' goes backwards: 1.5 after 2 on line 2",
    ),
    ('{"event": "speech_started"}', 1, "missing 't'"),
    ('{"t": "0", "event": "speech_started"}', 1, "'t' must be a number of seconds, got \"0\""),
    ('{"t": true, "event": "speech_started"}', 1, "'t' must be a number of seconds, got true"),
    ('{"t": -1, "event": "speech_started"}', 1, "'t' must be a finite number >= 0, got -1"),
    ('{"t": NaN, "event": "speech_started"}', 1, "'t' must be a finite number >= 0"),
    ('{"t": Infinity, "expect": "idle"}', 1, "'t' must be a finite number >= 0"),
    (OK_START + '\n{"config": {"debounce_delay": 1}}', 2, "'config' must be on the first line"),
    ('{"config": {"debounce": 1}}', 1, "unknown key 'debounce' in config"),
    ('{"config": {"debounce_delay": 1, "title": "x"}}', 1, "unknown key 'title' in config"),
    ('{"config": {"debounce_delay": -1}}', 1, "config 'debounce_delay' must be a finite number"),
    ('{"config": {"throttle_min_interval": "4"}}', 1, "config 'throttle_min_interval' must be"),
    ('{"config": 1.5}', 1, "'config' must be an object"),
    ('{"config": {}, "t": 0}', 1, "a config line has only the key 'config'"),
    (
        '{"t": 0, "event": "response_done", "tool_calls": -1}',
        1,
        "'tool_calls' must be an integer >= 0, got -1",
    ),
    ('{"t": 0, "event": "response_done", "tool_calls": 1.5}', 1, "'tool_calls' must be an integer"),
    ('{"t": 0, "event": "response_done", "tool_calls": true}', 1, "'tool_calls' must be"),
    (
        '{"t": 0, "event": "response_done", "tool_call": 1}',
        1,
        "unknown key 'tool_call' in a response_done line",
    ),
    (
        '{"t": 0, "event": "speech_started", "tool_calls": 1}',
        1,
        "unknown key 'tool_calls' in a speech_started line",
    ),
    (
        '{"t": 0, "event": "speech_stopped", "item_id": "x"}',
        1,
        "unknown key 'item_id' in a speech_stopped line",
    ),
    ('{"t": 0, "event": "speech_started", "item_id": 5}', 1, "'item_id' must be a string"),
    ('{"t": 0, "event": "speech_started", "audio_end_ms": -3}', 1, "'audio_end_ms' must be"),
    ('{"t": 0, "source": "idle", "trigger": "speech_started"}', 1, "missing 'dest'"),
    ('{"t": 0, "source": "idle", "dest": "nowhere", "trigger": "x"}', 1, "unknown state 'nowhere'"),
    ('{"t": 0, "source": "idle", "dest": "listening", "trigger": 1}', 1, "'trigger' must be a str"),
    (
        '{"t": 0, "source": "idle", "dest": "listening", "trigger": "x", "why": 1}',
        1,
        "unknown key 'why' in a transition line",
    ),
    ('{"t": 0, "action": 7}', 1, "'action' must be a string"),
    ('{"t": 0, "meta": "hello"}', 1, "'meta' must be an object"),
    ('{"t": 0, "meta": {}, "extra": 1}', 1, "unknown key 'extra' in a meta line"),
    (
        '{"t": 0, "event": "speech_started", "expect": "idle"}',
        1,
        "a line is one thing; this one is event and expect",
    ),
    ('{"t": 0, "expect": "idle", "note": "x"}', 1, "unknown key 'note' in an expect line"),
    ('{"t": 0, "foo": 1}', 1, "unknown line: expected 'config', 'event', 'expect'"),
    ("\n\n  \n{oops", 4, "not valid JSON"),
]


@pytest.mark.parametrize(("text", "line", "words"), MALFORMED)
def test_malformed_lines_name_their_line_and_what_is_wrong(
    text: str, line: int, words: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="s.jsonl")
    assert caught.value.line == line
    assert words in caught.value.message
    assert str(caught.value) == f"s.jsonl:{line}: {caught.value.message}"


def test_every_kind_of_line_is_understood() -> None:
    scenario = parse_scenario(
        "\n".join(
            [
                '{"config": {"debounce_delay": 1, "throttle_min_interval": 2.5}}',
                "",
                '{"t": 0, "meta": {"type": "session.created"}}',
                '{"t": 0, "event": "speech_started", "item_id": "a", "audio_end_ms": 10}',
                '{"t": 0, "source": "idle", "dest": "listening", "trigger": "speech_started"}',
                '{"t": 1, "event": "speech_stopped"}',
                '{"t": 2, "action": "response.create", "follow_up": true}',
                '{"t": 2, "event": "response_done"}',
                '{"t": 3, "event": "response_done", "tool_calls": 2}',
                '{"t": 3, "expect": "cooling-down"}',
            ]
        )
    )
    assert scenario.config == ScenarioConfig(1.0, 2.5)
    assert scenario.settings() == TurnSettings(1.0, 2.5)
    assert scenario.settings(debounce_delay=3) == TurnSettings(3.0, 2.5)
    assert scenario.lines == (
        MetaLine(3, 0.0, {"type": "session.created"}),
        EventLine(4, 0.0, "speech_started", item_id="a", audio_end_ms=10),
        TransitionLine(5, 0.0, "idle", "listening", "speech_started"),
        EventLine(6, 1.0, "speech_stopped"),
        ActionLine(7, 2.0, "response.create", {"follow_up": True}),
        EventLine(8, 2.0, "response_done", tool_calls=0),
        EventLine(9, 3.0, "response_done", tool_calls=2),
        ExpectLine(10, 3.0, "cooling_down"),  # the people's spelling is accepted
    )
    assert scenario.end == 3.0
    assert [line.line for line in scenario.expects] == [10]
    assert [line.line for line in scenario.recorded_transitions] == [5]


def test_empty_and_config_only_scenarios_are_fine() -> None:
    assert parse_scenario("").lines == ()
    assert parse_scenario("\n\n").end == 0.0
    assert parse_scenario('{"config": {}}').settings() == TurnSettings()


def test_equal_times_are_in_order() -> None:
    text = '{"t": 1, "event": "speech_started"}\n{"t": 1, "expect": "listening"}'
    assert len(parse_scenario(text).lines) == 2


def test_load_from_a_path_text_lines_or_file(tmp_path: Path) -> None:
    text = OK_START + '\n{"t": 0, "expect": "listening"}\n'
    path = tmp_path / "a.jsonl"
    path.write_text(text)
    for source in (path, str(path), text, text.splitlines(), io.StringIO(text)):
        scenario = load_scenario(source)
        assert [type(line) for line in scenario.lines] == [EventLine, ExpectLine]
    assert load_scenario(path).source == str(path)


def test_load_reports_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "missing.jsonl")
    assert caught.value.line == 0
    assert "cannot read" in str(caught.value)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(OK_START.encode() + b'\n{"t": 1, "expect": "\xff"}\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    assert (caught.value.line, caught.value.message) == (2, "not UTF-8 text")


def test_errors_from_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(OK_START + '\n{"t": 1, "event": "nope"}\n')
    with pytest.raises(ScenarioError, match=r"x\.jsonl:2: unknown event 'nope'"):
        load_scenario(path)

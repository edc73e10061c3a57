"""Scenario files (JSON Lines): loading and checking them.

A scenario (or a recording of a live session, which is also a scenario) has one JSON object
a line, in time order:

- ``{"config": {"debounce_delay": D, "throttle_min_interval": T}}`` (optional, first line)
- input:      ``{"t", "event"[, "tool_calls"][, "item_id"][, "audio_end_ms"]}``
- expect:     ``{"t", "expect": STATE}``
- transition: ``{"t", "source", "dest", "trigger"}`` (recordings; checked by the replay)
- action:     ``{"t", "action", ...}`` (recordings; informational)
- metadata:   ``{"t", "meta": {...}}`` (recordings; informational)

Blank lines are skipped. Anything else raises :class:`ScenarioError` with the line number.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .rules import INPUTS, RESPONSE_DONE, SPEECH_STARTED, SPEECH_STOPPED, STATES
from .scenario_types import (
    ActionLine,
    EventLine,
    ExpectLine,
    MetaLine,
    Scenario,
    ScenarioConfig,
    ScenarioError,
    ScenarioLine,
    TransitionLine,
)

__all__ = [
    "ActionLine",
    "EventLine",
    "ExpectLine",
    "MetaLine",
    "Scenario",
    "ScenarioConfig",
    "ScenarioError",
    "ScenarioLine",
    "TransitionLine",
    "load_scenario",
    "parse_scenario",
]

STATE_ALIASES = {"cooling-down": "cooling_down"}  # the name shown to people
CONFIG_KEYS = ("debounce_delay", "throttle_min_interval")
KINDS = ("config", "event", "expect", "action", "meta")
TRANSITION_KEYS = ("source", "dest", "trigger")
_EVENT_KEYS = {
    SPEECH_STARTED: frozenset({"t", "event", "item_id", "audio_end_ms"}),
    RESPONSE_DONE: frozenset({"t", "event", "tool_calls"}),
}
_EXPECT_KEYS = frozenset({"t", "expect"})
_TRANSITION_KEYS = frozenset({"t", *TRANSITION_KEYS})
_META_KEYS = frozenset({"t", "meta"})
_DISCRIMINATORS = frozenset(KINDS + TRANSITION_KEYS)
_INPUTS = frozenset(INPUTS)


# -- field checks -----------------------------------------------------------------------


def _show(value: object) -> str:
    return json.dumps(value)  # values come from JSON: show them as JSON


def _seconds(value: object, what: str, line: int) -> float:
    if type(value) is float or type(value) is int:
        if math.isfinite(value) and value >= 0:
            return float(value)
        raise ScenarioError(line, f"{what} must be a finite number >= 0, got {_show(value)}")
    raise ScenarioError(line, f"{what} must be a number of seconds, got {_show(value)}")


def _count(value: object, what: str, line: int) -> int:
    if type(value) is int and value >= 0:
        return value
    raise ScenarioError(line, f"{what} must be an integer >= 0, got {_show(value)}")


def _name(value: object, what: str, line: int) -> str:
    if isinstance(value, str):
        return value
    raise ScenarioError(line, f"{what} must be a string, got {_show(value)}")


def _one_of(value: str, known: tuple[str, ...], what: str, line: int, where: str = "") -> str:
    if value in known:
        return value
    close = difflib.get_close_matches(value, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    where = f" in {where}" if where else ""
    raise ScenarioError(
        line, f"unknown {what} {value!r}{where}{hint}; {what}s are: {', '.join(known)}"
    )


def _only(obj: dict[str, Any], allowed: frozenset[str], what: str, line: int) -> None:
    extra = obj.keys() - allowed
    if extra:
        names = ", ".join(repr(k) for k in sorted(extra))
        raise ScenarioError(
            line, f"unknown key {names} in {what}; allowed: {', '.join(sorted(allowed))}"
        )


def _state(value: object, what: str, line: int) -> str:
    name = _name(value, what, line)
    return _one_of(STATE_ALIASES.get(name, name), STATES, "state", line, what)


# -- line parsers -----------------------------------------------------------------------


def _config(obj: dict[str, Any], line: int) -> ScenarioConfig:
    if len(obj) != 1:
        raise ScenarioError(line, "a config line has only the key 'config'")
    body = obj["config"]
    if not isinstance(body, dict):
        raise ScenarioError(line, f"'config' must be an object, got {_show(body)}")
    _only(body, frozenset(CONFIG_KEYS), "config", line)
    values = {key: _seconds(body[key], f"config {key!r}", line) for key in body}
    return ScenarioConfig(**values)


def _event(obj: dict[str, Any], t: float, line: int) -> EventLine:
    event = obj["event"]
    if event.__class__ is not str or event not in _INPUTS:
        event = _one_of(_name(event, "'event'", line), INPUTS, "event", line)
    allowed = _EVENT_KEYS.get(event)
    if allowed is None:
        if len(obj) != 2:
            _only(obj, frozenset({"t", "event"}), f"a {event} line", line)
        return EventLine(line, t, event)
    _only(obj, allowed, f"a {event} line", line)
    if event == RESPONSE_DONE:
        tool_calls = obj.get("tool_calls", 0)
        return EventLine(line, t, event, tool_calls=_count(tool_calls, "'tool_calls'", line))
    item_id = obj.get("item_id")
    audio_end_ms = obj.get("audio_end_ms")
    return EventLine(
        line,
        t,
        event,
        item_id=None if item_id is None else _name(item_id, "'item_id'", line),
        audio_end_ms=None if audio_end_ms is None else _count(audio_end_ms, "'audio_end_ms'", line),
    )


def _transition(obj: dict[str, Any], t: float, line: int) -> TransitionLine:
    missing = [key for key in TRANSITION_KEYS if key not in obj]
    if missing:
        raise ScenarioError(
            line,
            "a transition line needs 't', 'source', 'dest' and 'trigger'; missing "
            + ", ".join(repr(key) for key in missing),
        )
    _only(obj, _TRANSITION_KEYS, "a transition line", line)
    return TransitionLine(
        line,
        t,
        _state(obj["source"], "'source'", line),
        _state(obj["dest"], "'dest'", line),
        _name(obj["trigger"], "'trigger'", line),
    )


def parse_line(obj: object, line: int) -> ScenarioLine | ScenarioConfig:
    """Check one decoded line; returns what it is."""
    if not isinstance(obj, dict):
        kind = "an array" if isinstance(obj, list) else _show(obj)
        raise ScenarioError(line, f"expected a JSON object, got {kind}")
    found = obj.keys() & _DISCRIMINATORS
    if len(found) == 1:
        kind = found.pop()
        if kind in TRANSITION_KEYS:
            kind = "transition"
    elif found and found <= _TRANSITION_KEYS:
        kind = "transition"
    else:
        kinds = [k for k in KINDS if k in found]
        if found & _TRANSITION_KEYS:
            kinds.append("transition")
        if kinds:
            raise ScenarioError(line, f"a line is one thing; this one is {' and '.join(kinds)}")
        raise ScenarioError(
            line,
            "unknown line: expected 'config', 'event', 'expect', 'action', 'meta' or a "
            f"transition ('source', 'dest', 'trigger'); keys were: {', '.join(map(str, obj))}",
        )
    if kind == "config":
        return _config(obj, line)
    if "t" not in obj:
        raise ScenarioError(line, "missing 't' (the time in seconds)")
    t = _seconds(obj["t"], "'t'", line)
    if kind == "event":
        return _event(obj, t, line)
    if kind == "expect":
        _only(obj, _EXPECT_KEYS, "an expect line", line)
        return ExpectLine(line, t, _state(obj["expect"], "'expect'", line))
    if kind == "transition":
        return _transition(obj, t, line)
    if kind == "action":
        action = _name(obj["action"], "'action'", line)
        data = {key: value for key, value in obj.items() if key not in ("t", "action")}
        return ActionLine(line, t, action, data)
    _only(obj, _META_KEYS, "a meta line", line)
    meta = obj["meta"]
    if not isinstance(meta, dict):
        raise ScenarioError(line, f"'meta' must be an object, got {_show(meta)}")
    return MetaLine(line, t, meta)


# -- loading ----------------------------------------------------------------------------


def _quick_event(obj: Any, line: int) -> EventLine | None:
    """The commonest lines (inputs without optional keys) checked fast; ``None`` sends the
    line to :func:`parse_line`, which checks everything and words the errors."""
    if type(obj) is not dict:
        return None
    t = obj.get("t")
    if type(t) is int:
        t = float(t)
    elif type(t) is not float:
        return None
    if not 0.0 <= t < math.inf:
        return None
    event = obj.get("event")
    size = len(obj)
    if size == 2 and event in (SPEECH_STOPPED, SPEECH_STARTED):
        return EventLine(line, t, event)
    if size == 3 and event == RESPONSE_DONE:
        tool_calls = obj.get("tool_calls")
        if type(tool_calls) is int and tool_calls >= 0:
            return EventLine(line, t, event, tool_calls=tool_calls)
    return None


def _parse_lines(texts: Iterable[str], source: str | None) -> Scenario:
    lines: list[ScenarioLine] = []
    config = ScenarioConfig()
    seen_first = False
    last_t = 0.0
    last_line = 0
    loads = json.loads
    try:
        for number, text in enumerate(texts, start=1):
            if not text.strip():
                continue
            try:
                obj = loads(text)
            except json.JSONDecodeError as exc:
                raise ScenarioError(
                    number, f"not valid JSON: {exc.msg} (column {exc.colno})"
                ) from None
            parsed = _quick_event(obj, number) or parse_line(obj, number)
            if isinstance(parsed, ScenarioConfig):
                if seen_first:
                    raise ScenarioError(number, "'config' must be on the first line")
                config = parsed
            else:
                if parsed.t < last_t:
                    raise ScenarioError(
                        number,
                        f"'t' goes backwards: {parsed.t:g} after {last_t:g} on line {last_line} "
                        "(lines must be in time order)",
                    )
                last_t, last_line = parsed.t, number
                lines.append(parsed)
            seen_first = True
    except ScenarioError as exc:
        exc.source = source
        raise
    return Scenario(tuple(lines), config, source)


def parse_scenario(text: str, source: str | None = None) -> Scenario:
    """A scenario from its text (e.g. written inline in a test)."""
    return _parse_lines(text.split("\n"), source)


def load_scenario(path_or_lines: str | os.PathLike[str] | Iterable[str]) -> Scenario:
    """A scenario from a file path, from text (a string with a newline or starting with
    ``{``) or from an iterable of lines. Raises :class:`ScenarioError`."""
    if isinstance(path_or_lines, str) and (
        "\n" in path_or_lines or path_or_lines.lstrip().startswith("{")
    ):
        return parse_scenario(path_or_lines)
    if isinstance(path_or_lines, str | os.PathLike):
        source = os.fspath(path_or_lines)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ScenarioError(0, f"cannot read: {exc.strerror or exc}", source) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ScenarioError(line, "not UTF-8 text", source) from None
        return parse_scenario(text, source)
    return _parse_lines(path_or_lines, None)

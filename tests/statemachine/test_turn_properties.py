"""Property tests: random input sequences at random times (hypothesis, fake clock).

- the three invariants of TURN_RULES.md hold on every timeline;
- the machine agrees with a plain re-statement of the rules (an oracle written here);
- a replay of the same inputs gives the same timeline, and the timeline replayed as a
  recording reproduces its own transitions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statemachine import (
    Action,
    FakeClock,
    Input,
    TimelineEntry,
    Transition,
    TurnMachine,
    TurnSettings,
)
from statemachine.replay import parse_scenario, replay

EPS = 1e-6  # deadlines are kept to the microsecond


@dataclass(frozen=True)
class Step:
    t: float
    event: str
    tool_calls: int = 0
    item: bool = False


def _times(gaps: list[float]) -> list[float]:
    out, t = [], 0.0
    for gap in gaps:
        t = round(t + gap, 3)
        out.append(t)
    return out


seconds = st.one_of(
    st.integers(0, 60).map(lambda n: n / 10),  # ties with D and T are common
    st.floats(0, 6, allow_nan=False).map(lambda x: round(x, 3)),
)
step_kinds = st.tuples(
    st.sampled_from(["speech_started", "speech_stopped", "response_done"]),
    st.sampled_from([0, 0, 0, 1, 2]),
    st.booleans(),
)


@st.composite
def conversations(draw: st.DrawFn) -> tuple[TurnSettings, list[Step], float]:
    debounce = draw(st.one_of(st.sampled_from([0.0, 0.5, 1.5]), seconds))
    throttle = draw(st.one_of(st.sampled_from([0.0, 2.0, 4.0]), seconds))
    kinds = draw(st.lists(step_kinds, max_size=60))
    gaps = draw(st.lists(seconds, min_size=len(kinds), max_size=len(kinds)))
    times = _times(gaps)
    steps = [
        Step(t, event, tool_calls if event == "response_done" else 0, item)
        for t, (event, tool_calls, item) in zip(times, kinds, strict=True)
    ]
    end = round((times[-1] if times else 0.0) + draw(seconds) + 10.0, 3)
    return TurnSettings(debounce, throttle), steps, end


def run_machine(
    turn_settings: TurnSettings, steps: list[Step], end: float
) -> tuple[TurnMachine, list[TimelineEntry]]:
    clock = FakeClock()
    machine = TurnMachine(turn_settings, clock)
    for step in steps:
        clock.advance_to(step.t)
        if step.event == "speech_started":
            if step.item:
                machine.speech_started(item_id=f"item_{step.t}", audio_end_ms=int(step.t * 1000))
            else:
                machine.speech_started()
        elif step.event == "speech_stopped":
            machine.speech_stopped()
        else:
            machine.response_done(tool_calls=step.tool_calls)
        timer_states = ("debouncing", "cooling_down")
        assert (machine.pending_deadline is not None) == (machine.state in timer_states)
    clock.advance_to(end)
    return machine, machine.timeline


# -- the three invariants -----------------------------------------------------------------


def check_invariants(turn_settings: TurnSettings, timeline: list[TimelineEntry]) -> None:
    debounce, throttle = turn_settings.debounce_delay, turn_settings.throttle_min_interval
    speaking = False
    in_flight = False
    turn_stop: float | None = None  # the speech_stopped that ended the current turn
    last_open = -math.inf
    for entry in timeline:
        if isinstance(entry, Input):
            if entry.event == "speech_started":
                speaking = True
            elif entry.event == "speech_stopped":
                speaking = False
            elif entry.event == "response_done":
                in_flight = False
        elif isinstance(entry, Transition):
            if entry.trigger == "speech_stopped" and entry.dest == "debouncing":
                turn_stop = entry.t
        elif isinstance(entry, Action):
            if entry.name == "response.create":
                assert not in_flight, f"a second response in flight at {entry.t}"
                assert not speaking, f"response.create while the user speaks at {entry.t}"
                in_flight = True
                if entry.opens_turn:
                    assert turn_stop is not None
                    assert entry.t >= turn_stop + debounce - EPS, "earlier than D after the stop"
                    assert entry.t >= last_open + throttle - EPS, "closer than T to the last turn"
                    last_open = entry.t
            elif entry.name == "response.cancel":
                in_flight = False


# -- the oracle: the rules restated plainly ------------------------------------------------


def oracle(turn_settings: TurnSettings, steps: list[Step], end: float) -> list[dict[str, Any]]:
    debounce, throttle = turn_settings.debounce_delay, turn_settings.throttle_min_interval
    out: list[dict[str, Any]] = []
    state = "idle"
    last_start = -math.inf
    deadline: float | None = None

    def r(t: float) -> float:
        return round(t, 3) + 0.0

    def move(t: float, dest: str, trigger: str) -> None:
        nonlocal state
        out.append({"t": r(t), "source": state, "dest": dest, "trigger": trigger})
        state = dest

    def fire_due(now: float) -> None:
        nonlocal deadline, last_start
        while deadline is not None and deadline <= now:
            t, deadline = deadline, None
            if state == "debouncing":  # rule 4
                move(t, "responding", "debounce_due")
                out.append({"t": r(t), "action": "response.create"})
                last_start = t
            else:  # rule 7
                move(t, "idle", "cooldown_over")

    for step in steps:
        fire_due(step.t)
        t = step.t
        line: dict[str, Any] = {"t": r(t), "event": step.event}
        if step.event == "response_done":
            line["tool_calls"] = step.tool_calls
        if step.event == "speech_started" and step.item:
            line["item_id"] = f"item_{t}"
            line["audio_end_ms"] = int(t * 1000)
        out.append(line)
        throttle_end = round(last_start + throttle, 6)
        if step.event == "speech_started":
            if state == "idle":  # rule 1
                move(t, "listening", "speech_started")
            elif state in ("debouncing", "cooling_down"):  # rules 3 and 8
                deadline = None
                move(t, "listening", "speech_started")
            elif state == "responding":  # rule 9
                move(t, "listening", "speech_started")
                out.append({"t": r(t), "action": "response.cancel"})
                if step.item:
                    out.append(
                        {
                            "t": r(t),
                            "action": "conversation.item.truncate",
                            "item_id": line["item_id"],
                            "audio_end_ms": line["audio_end_ms"],
                        }
                    )
        elif step.event == "speech_stopped" and state == "listening":  # rule 2
            move(t, "debouncing", "speech_stopped")
            deadline = max(round(t + debounce, 6), throttle_end)
        elif step.event == "response_done" and state == "responding":
            if step.tool_calls > 0:  # rule 5
                out.append({"t": r(t), "action": "response.create", "follow_up": True})
            elif t < throttle_end:  # rule 6
                move(t, "cooling_down", "response_done")
                deadline = throttle_end
            else:
                move(t, "idle", "response_done")
        # anything else: rule 10
    fire_due(end)
    return out


def scenario_text(turn_settings: TurnSettings, steps: list[Step], end: float) -> str:
    lines: list[dict[str, Any]] = [
        {
            "config": {
                "debounce_delay": turn_settings.debounce_delay,
                "throttle_min_interval": turn_settings.throttle_min_interval,
            }
        }
    ]
    for step in steps:
        line: dict[str, Any] = {"t": step.t, "event": step.event}
        if step.event == "response_done":
            line["tool_calls"] = step.tool_calls
        if step.event == "speech_started" and step.item:
            line["item_id"] = f"item_{step.t}"
            line["audio_end_ms"] = int(step.t * 1000)
        lines.append(line)
    lines.append({"t": end, "meta": {"type": "end"}})
    return "\n".join(json.dumps(line) for line in lines)


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(conversations())
def test_invariants_hold_for_any_inputs(case: tuple[TurnSettings, list[Step], float]) -> None:
    turn_settings, steps, end = case
    _, timeline = run_machine(turn_settings, steps, end)
    check_invariants(turn_settings, timeline)


@PROPERTY
@given(conversations())
def test_the_machine_agrees_with_the_rules_restated(
    case: tuple[TurnSettings, list[Step], float],
) -> None:
    turn_settings, steps, end = case
    _, timeline = run_machine(turn_settings, steps, end)
    assert [entry.to_json() for entry in timeline] == oracle(turn_settings, steps, end)


@settings(max_examples=100, deadline=None)
@given(conversations())
def test_replay_is_deterministic_and_reproduces_its_own_recording(
    case: tuple[TurnSettings, list[Step], float],
) -> None:
    turn_settings, steps, end = case
    _, live = run_machine(turn_settings, steps, end)
    text = scenario_text(turn_settings, steps, end)
    first = replay(parse_scenario(text))
    second = replay(parse_scenario(text))
    assert first.timeline == second.timeline
    assert [e.to_json() for e in first.timeline] == [e.to_json() for e in live]
    recording = [json.dumps({"config": json.loads(text.splitlines()[0])["config"]})]
    recording += [json.dumps(entry.to_json()) for entry in live]
    recording.append(json.dumps({"t": end, "meta": {"type": "end"}}))
    result = replay(parse_scenario("\n".join(recording)))
    assert result.ok, result.report()

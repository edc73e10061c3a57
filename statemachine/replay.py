"""Replay of scenarios and recordings on a fake clock (no real waiting).

``replay(scenario)`` feeds every input to a :class:`TurnMachine` at its time, checks each
``expect`` line against the state at that time, and checks the transitions of a recording:
the replay must reproduce them exactly in order, each timer-driven one within 50 ms of its
recorded time (input-driven ones within 1 ms, the rounding of the recording).

The replay runs up to the time of the last line: timers due later do not fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .clock import FakeClock
from .machine import TurnMachine
from .rules import SPEECH_STARTED, SPEECH_STOPPED, TIMER_TRIGGERS
from .scenario import (
    EventLine,
    ExpectLine,
    Scenario,
    ScenarioError,
    TransitionLine,
    load_scenario,
    parse_scenario,
)
from .settings import TurnSettings
from .timeline import Action, TimelineEntry, Transition

__all__ = [
    "INPUT_TOLERANCE",
    "TIMER_TOLERANCE",
    "Check",
    "Failure",
    "ReplayResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "replay",
]

TIMER_TOLERANCE = 0.050  # seconds, for timer-driven recorded transitions
INPUT_TOLERANCE = 0.001  # seconds, for input-driven ones (recordings round t to ms)
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Check:
    """The result of one ``expect`` line; ``index`` = timeline entries before the check."""

    line: int
    t: float
    expected: str
    actual: str
    index: int

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed expectation (``kind="expect"``), a recorded transition the replay does not
    reproduce (``"transition"``), or one it reproduces too far from its time (``"timing"``).
    ``line`` is the scenario line (``None`` for a transition missing from the recording)."""

    kind: Literal["expect", "transition", "timing"]
    line: int | None
    t: float
    expected: str
    actual: str
    message: str
    index: int


@dataclass(frozen=True, slots=True)
class ReplayResult:
    scenario: Scenario
    settings: TurnSettings
    timeline: list[TimelineEntry]
    checks: list[Check]
    failures: list[Failure]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def transitions(self) -> list[Transition]:
        return [entry for entry in self.timeline if isinstance(entry, Transition)]

    @property
    def actions(self) -> list[Action]:
        return [entry for entry in self.timeline if isinstance(entry, Action)]

    def states(self) -> list[str]:
        """The states visited, starting with ``idle``."""
        return ["idle", *(transition.dest for transition in self.transitions)]

    def report(self) -> str:
        """The failures with readable diffs ("" when ok)."""
        from .report import format_failures

        return format_failures(self)


def describe(source: str, dest: str, trigger: str) -> str:
    return f"{source} -> {dest} ({trigger})"


def _compare_recorded(
    recorded: list[TransitionLine], timeline: list[TimelineEntry]
) -> list[Failure]:
    """Recorded transitions against replayed ones: same order, times within tolerance."""
    replayed = [(i, e) for i, e in enumerate(timeline) if isinstance(e, Transition)]
    failures: list[Failure] = []
    for number, (rec, (index, rep)) in enumerate(zip(recorded, replayed, strict=False), 1):
        want = describe(rec.source, rec.dest, rec.trigger)
        got = describe(rep.source, rep.dest, rep.trigger)
        if want != got:
            message = (
                f"transition #{number} differs: recorded {want} at t={rec.t:.3f}, "
                f"replay gave {got} at t={rep.t:.3f}"
            )
            return [*failures, Failure("transition", rec.line, rec.t, want, got, message, index)]
        timer = rec.trigger in TIMER_TRIGGERS
        tolerance = TIMER_TOLERANCE if timer else INPUT_TOLERANCE
        if abs(rep.t - rec.t) > tolerance + _EPSILON:
            message = (
                f"transition #{number} {want} is off by {abs(rep.t - rec.t) * 1000:.0f} ms: "
                f"recorded at t={rec.t:.3f}, replayed at t={rep.t:.3f} (allowed "
                f"{tolerance * 1000:.0f} ms for {'a timer' if timer else 'an input'})"
            )
            expected, actual = f"t={rec.t:.3f}", f"t={rep.t:.3f}"
            failures.append(Failure("timing", rec.line, rec.t, expected, actual, message, index))
    if len(recorded) > len(replayed):
        rec = recorded[len(replayed)]
        want = describe(rec.source, rec.dest, rec.trigger)
        message = (
            f"transition #{len(replayed) + 1} differs: recorded {want} at t={rec.t:.3f}, "
            "the replay has no more transitions"
        )
        failures.append(
            Failure("transition", rec.line, rec.t, want, "(none)", message, len(timeline))
        )
    elif len(replayed) > len(recorded):
        index, rep = replayed[len(recorded)]
        got = describe(rep.source, rep.dest, rep.trigger)
        message = (
            f"transition #{len(recorded) + 1} differs: the recording has no more transitions, "
            f"replay gave {got} at t={rep.t:.3f}"
        )
        failures.append(Failure("transition", None, rep.t, "(none)", got, message, index))
    return failures


def replay(
    scenario: Scenario,
    debounce_delay: float | None = None,
    throttle_min_interval: float | None = None,
    *,
    check_recorded: bool = True,
) -> ReplayResult:
    """Replay ``scenario`` on a fake clock with the file's settings, or these overrides.

    Every line moves the clock to its ``t`` first (timers due by then fire, in time order);
    then an input is applied, or an ``expect`` compared with the current state. Recorded
    transition lines are compared with the replay afterwards (``check_recorded=False``
    skips that).
    """
    settings = scenario.settings(debounce_delay, throttle_min_interval)
    clock = FakeClock()
    machine = TurnMachine(settings, clock)
    timeline = machine._timeline  # the machine's own list, not a copy (same package)
    checks: list[Check] = []
    failures: list[Failure] = []
    advance_to = clock.advance_to
    speech_started, speech_stopped = machine.speech_started, machine.speech_stopped
    response_done = machine.response_done
    for line in scenario.lines:
        advance_to(line.t)
        if isinstance(line, EventLine):
            event = line.event
            if event == SPEECH_STARTED:
                speech_started(line.item_id, line.audio_end_ms)
            elif event == SPEECH_STOPPED:
                speech_stopped()
            else:
                response_done(line.tool_calls)
        elif isinstance(line, ExpectLine):
            check = Check(line.line, line.t, line.state, machine.state, len(timeline))
            checks.append(check)
            if not check.ok:
                message = f"expected state {check.expected!r}, got {check.actual!r}"
                failures.append(
                    Failure(
                        "expect",
                        line.line,
                        line.t,
                        check.expected,
                        check.actual,
                        message,
                        check.index,
                    )
                )
    machine.close()
    timeline = list(timeline)
    recorded = scenario.recorded_transitions
    if check_recorded and recorded:
        failures.extend(_compare_recorded(recorded, timeline))
    return ReplayResult(scenario, settings, timeline, checks, failures)

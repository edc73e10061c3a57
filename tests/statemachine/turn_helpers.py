"""Helpers for the turn machine tests (fake clock only: no test ever sleeps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from statemachine import Action, FakeClock, TimelineEntry, Transition, TurnMachine, TurnSettings

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Rig:
    """A machine on a fake clock, with what its callbacks received."""

    clock: FakeClock
    machine: TurnMachine
    actions: list[Action] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    entries: list[TimelineEntry] = field(default_factory=list)

    def at(self, t: float) -> TurnMachine:
        """Move the clock to ``t`` (firing due timers) and hand back the machine."""
        self.clock.advance_to(t)
        return self.machine

    @property
    def state(self) -> str:
        return self.machine.state

    def json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.machine.timeline]

    def moves(self) -> list[tuple[str, str, str]]:
        return [(t.source, t.dest, t.trigger) for t in self.transitions]


def make_rig(debounce_delay: float = 1.5, throttle_min_interval: float = 4.0) -> Rig:
    clock = FakeClock()
    actions: list[Action] = []
    transitions: list[Transition] = []
    entries: list[TimelineEntry] = []
    machine = TurnMachine(
        TurnSettings(debounce_delay, throttle_min_interval),
        clock,
        on_action=actions.append,
        on_transition=transitions.append,
        on_entry=entries.append,
    )
    return Rig(clock, machine, actions, transitions, entries)


def drive_to(rig: Rig, state: str) -> None:
    """Bring a fresh rig (D=1.5, T=4) to ``state`` at t=10 the usual way."""
    m = rig.machine
    if state == "idle":
        rig.at(10.0)
        return
    rig.at(0.0)
    m.speech_started()
    if state == "listening":
        rig.at(10.0)
        return
    rig.at(1.0)
    m.speech_stopped()  # due at 2.5
    if state == "debouncing":
        rig.at(2.0)
        return
    rig.at(2.5)  # responding, last_start = 2.5
    if state == "responding":
        return
    assert state == "cooling_down"
    rig.at(3.0)
    m.response_done()  # 3.0 < 6.5: cooling down until 6.5

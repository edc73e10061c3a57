"""The turn rules of TURN_RULES.md as one table: the only place they live.

The machine (:mod:`statemachine.machine`) and the diagram (:mod:`statemachine.diagram`) are
both built from :data:`STATES` and :data:`RULES`. Each row names the callbacks of the
machine's model (:class:`statemachine.machine.TurnModel`) that carry out its effects.

Rows with the same trigger and source are tried in table order; the first whose
conditions hold wins. Any input with no row for the current state changes nothing (rule 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # only in the type stubs of transitions
    from transitions.core import TransitionConfigDict

__all__ = [
    "COOLDOWN_OVER",
    "DEBOUNCE_DUE",
    "INITIAL",
    "INPUTS",
    "RESPONSE_DONE",
    "RULES",
    "SPEECH_STARTED",
    "SPEECH_STOPPED",
    "STATES",
    "TIMER_TRIGGERS",
    "TRIGGERS",
    "Rule",
]

# States
IDLE: Final = "idle"
LISTENING: Final = "listening"
DEBOUNCING: Final = "debouncing"
RESPONDING: Final = "responding"
COOLING_DOWN: Final = "cooling_down"
STATES: Final = (IDLE, LISTENING, DEBOUNCING, RESPONDING, COOLING_DOWN)
INITIAL: Final = IDLE

# Inputs (from upstream) and the machine's own timers
SPEECH_STARTED: Final = "speech_started"
SPEECH_STOPPED: Final = "speech_stopped"
RESPONSE_DONE: Final = "response_done"
DEBOUNCE_DUE: Final = "debounce_due"
COOLDOWN_OVER: Final = "cooldown_over"
INPUTS: Final = (SPEECH_STARTED, SPEECH_STOPPED, RESPONSE_DONE)
TIMER_TRIGGERS: Final = (DEBOUNCE_DUE, COOLDOWN_OVER)
TRIGGERS: Final = INPUTS + TIMER_TRIGGERS


@dataclass(frozen=True, slots=True)
class Rule:
    """One row: ``trigger`` in ``source`` -> ``dest`` (``None``: stay, no state change)."""

    number: int
    trigger: str
    source: str
    dest: str | None
    conditions: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def to_transition(self) -> TransitionConfigDict:
        """The row as a ``transitions`` transition definition."""
        config: TransitionConfigDict = {
            "trigger": self.trigger,
            "source": self.source,
            "dest": self.dest,
        }
        if self.conditions:
            config["conditions"] = list(self.conditions)
        if self.after:
            config["after"] = list(self.after)
        return config

    @property
    def label(self) -> str:
        return f"{self.trigger} (rule {self.number})"


RULES: Final[tuple[Rule, ...]] = (
    # 1. idle + speech_started -> listening
    Rule(1, SPEECH_STARTED, IDLE, LISTENING),
    # 2. listening + speech_stopped at t -> debouncing; due = max(t + D, last_start + T)
    Rule(2, SPEECH_STOPPED, LISTENING, DEBOUNCING, after=("schedule_turn",)),
    # 3. debouncing + speech_started -> listening; the pending turn is dropped
    Rule(3, SPEECH_STARTED, DEBOUNCING, LISTENING, after=("drop_turn",)),
    # 4. debouncing reaching due -> responding, response.create, last_start = due
    Rule(4, DEBOUNCE_DUE, DEBOUNCING, RESPONDING, after=("open_turn",)),
    # 5. responding + response_done with tool_calls > 0 -> stays; follow-up response.create
    Rule(5, RESPONSE_DONE, RESPONDING, None, ("has_tool_calls",), ("request_follow_up",)),
    # 6. responding + response_done (no tools) -> cooling_down if t < last_start + T ...
    Rule(6, RESPONSE_DONE, RESPONDING, COOLING_DOWN, ("in_throttle",), ("schedule_cooldown",)),
    #    ... else idle
    Rule(6, RESPONSE_DONE, RESPONDING, IDLE),
    # 7. cooling_down reaching last_start + T -> idle
    Rule(7, COOLDOWN_OVER, COOLING_DOWN, IDLE),
    # 8. cooling_down + speech_started -> listening (rule 2 still applies the throttle)
    Rule(8, SPEECH_STARTED, COOLING_DOWN, LISTENING, after=("drop_cooldown",)),
    # 9. responding + speech_started (barge-in) -> listening, response.cancel (+ truncate)
    Rule(9, SPEECH_STARTED, RESPONDING, LISTENING, after=("cancel_response",)),
    # 10. anything else changes nothing (the machine ignores triggers with no row)
)

"""The per-session turn machine of TURN_RULES.md, its clocks, replay and diagram.

Imports nothing else of the project. See :mod:`statemachine.rules` for the rules table.
"""

from .clock import Clock, FakeClock, LoopClock, TimerHandle
from .machine import TurnMachine
from .rules import STATES
from .settings import TurnSettings
from .timeline import Action, Input, TimelineEntry, Transition

__all__ = [
    "STATES",
    "Action",
    "Clock",
    "FakeClock",
    "Input",
    "LoopClock",
    "TimelineEntry",
    "TimerHandle",
    "Transition",
    "TurnMachine",
    "TurnSettings",
]

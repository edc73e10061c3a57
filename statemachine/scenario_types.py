"""The parts of a scenario (see :mod:`statemachine.scenario` for the file format)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .settings import TurnSettings

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
]


class ScenarioError(ValueError):
    """A malformed scenario: ``line`` (1-based; 0 for the whole file) and ``message``."""

    def __init__(self, line: int, message: str, source: str | None = None) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message
        self.source = source

    def __str__(self) -> str:
        where = self.source or "<scenario>"
        return f"{where}:{self.line}: {self.message}" if self.line else f"{where}: {self.message}"


class EventLine(NamedTuple):
    line: int
    t: float
    event: str
    tool_calls: int = 0
    item_id: str | None = None
    audio_end_ms: int | None = None


class ExpectLine(NamedTuple):
    line: int
    t: float
    state: str


class TransitionLine(NamedTuple):
    line: int
    t: float
    source: str
    dest: str
    trigger: str


class ActionLine(NamedTuple):
    line: int
    t: float
    action: str
    data: dict[str, Any]


class MetaLine(NamedTuple):
    line: int
    t: float
    meta: dict[str, Any]


# Lines are named tuples: immutable, and quick to build for 100,000-line recordings.
ScenarioLine = EventLine | ExpectLine | TransitionLine | ActionLine | MetaLine


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    """The optional first line; ``None`` leaves the default."""

    debounce_delay: float | None = None
    throttle_min_interval: float | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    lines: tuple[ScenarioLine, ...]
    config: ScenarioConfig = ScenarioConfig()
    source: str | None = None

    def settings(
        self,
        debounce_delay: float | None = None,
        throttle_min_interval: float | None = None,
    ) -> TurnSettings:
        """Defaults, then the file's config, then these overrides."""
        return (
            TurnSettings()
            .with_overrides(self.config.debounce_delay, self.config.throttle_min_interval)
            .with_overrides(debounce_delay, throttle_min_interval)
        )

    @property
    def expects(self) -> list[ExpectLine]:
        return [line for line in self.lines if isinstance(line, ExpectLine)]

    @property
    def recorded_transitions(self) -> list[TransitionLine]:
        return [line for line in self.lines if isinstance(line, TransitionLine)]

    @property
    def end(self) -> float:
        """The time of the last line (0 for an empty scenario)."""
        return self.lines[-1].t if self.lines else 0.0

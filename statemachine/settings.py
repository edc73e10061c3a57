"""Settings of the turn machine: one frozen dataclass, defaults written once."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = ["TurnSettings"]


def _check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class TurnSettings:
    """The two knobs of TURN_RULES.md.

    ``debounce_delay`` (D): seconds of silence after ``speech_stopped`` before a turn opens.
    ``throttle_min_interval`` (T): minimum seconds between the starts of two turns' responses.
    """

    debounce_delay: float = 1.5
    throttle_min_interval: float = 4.0

    def __post_init__(self) -> None:
        _check_seconds("debounce_delay", self.debounce_delay)
        _check_seconds("throttle_min_interval", self.throttle_min_interval)
        # Store floats so that JSON output and comparisons never see ints or bools.
        object.__setattr__(self, "debounce_delay", float(self.debounce_delay))
        object.__setattr__(self, "throttle_min_interval", float(self.throttle_min_interval))

    def with_overrides(
        self,
        debounce_delay: float | None = None,
        throttle_min_interval: float | None = None,
    ) -> TurnSettings:
        """A copy with the given values replaced; ``None`` keeps the current value."""
        return replace(
            self,
            debounce_delay=self.debounce_delay if debounce_delay is None else debounce_delay,
            throttle_min_interval=(
                self.throttle_min_interval
                if throttle_min_interval is None
                else throttle_min_interval
            ),
        )

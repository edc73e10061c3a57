"""The model the ``transitions`` machine drives: rule data and the effects named in
:data:`statemachine.rules.RULES`.

It holds ``last_start``, the pending timer and the data of the input being handled, and
collects the actions that a trigger produces. It knows nothing of sockets or sessions, and
its callbacks never await.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .clock import Clock, TimerHandle
from .rules import COOLDOWN_OVER, DEBOUNCE_DUE, INITIAL
from .settings import TurnSettings
from .timeline import RESPONSE_CANCEL, RESPONSE_CREATE, TRUNCATE, Action

__all__ = ["TurnModel", "later"]


def later(t: float, seconds: float) -> float:
    """``t + seconds`` rounded to the microsecond, so that deadlines match the decimal times
    people write in scenarios (0.1 + 0.2 is 0.3 here, not 0.30000000000000004)."""
    return round(t + seconds, 6)


class TurnModel:
    """State and effects of one turn machine (one per session, never shared)."""

    state: str  # set by transitions (model_attribute="state")

    def __init__(self, settings: TurnSettings, clock: Clock, on_timer: Callable[[], None]) -> None:
        self.state = INITIAL
        self.settings = settings
        self.clock = clock
        self._on_timer = on_timer
        # Data of the input being handled (set by TurnMachine before each trigger).
        self.now = 0.0
        self.tool_calls = 0
        self.item_id: str | None = None
        self.audio_end_ms: int | None = None
        # Rule data.
        self.last_start = -math.inf
        self.fired_due = -math.inf  # due time of the timer being handled
        # The one pending timer (debounce in debouncing, cooldown in cooling_down).
        self.timer_trigger: str | None = None
        self.timer_due: float | None = None
        self.timer_handle: TimerHandle | None = None
        # Actions produced by the current trigger, in order.
        self.actions: list[Action] = []

    # -- conditions ---------------------------------------------------------------------

    def has_tool_calls(self) -> bool:
        """Rule 5: the response asked for tools."""
        return self.tool_calls > 0

    def in_throttle(self) -> bool:
        """Rule 6: the throttle window of the current turn is still open."""
        return self.now < later(self.last_start, self.settings.throttle_min_interval)

    # -- effects ------------------------------------------------------------------------

    def schedule_turn(self) -> None:
        """Rule 2: the turn is due at ``max(t + D, last_start + T)``."""
        settings = self.settings
        due = max(
            later(self.now, settings.debounce_delay),
            later(self.last_start, settings.throttle_min_interval),
        )
        self._start_timer(DEBOUNCE_DUE, due)

    def drop_turn(self) -> None:
        """Rule 3: the pending turn is dropped."""
        self.cancel_timer()

    def open_turn(self) -> None:
        """Rule 4: ``response.create`` opens the turn; ``last_start = due``."""
        self.last_start = self.fired_due
        self.actions.append(Action(RESPONSE_CREATE, self.now))

    def request_follow_up(self) -> None:
        """Rule 5: a follow-up ``response.create`` (not a turn: ``last_start`` stays)."""
        self.actions.append(Action(RESPONSE_CREATE, self.now, follow_up=True))

    def schedule_cooldown(self) -> None:
        """Rule 6: cooling down ends at ``last_start + T`` (rule 7)."""
        self._start_timer(
            COOLDOWN_OVER, later(self.last_start, self.settings.throttle_min_interval)
        )

    def drop_cooldown(self) -> None:
        """Rule 8: the user speaks again; the throttle now lives in rule 2's due time."""
        self.cancel_timer()

    def cancel_response(self) -> None:
        """Rule 9: barge-in cancels the response (and truncates the audio played so far)."""
        self.actions.append(Action(RESPONSE_CANCEL, self.now))
        if self.item_id is not None and self.audio_end_ms is not None:
            self.actions.append(
                Action(TRUNCATE, self.now, item_id=self.item_id, audio_end_ms=self.audio_end_ms)
            )

    # -- timer --------------------------------------------------------------------------

    def _start_timer(self, trigger: str, due: float) -> None:
        self.cancel_timer()
        self.timer_trigger = trigger
        self.timer_due = due
        self.timer_handle = self.clock.call_at(due, self._on_timer)

    def cancel_timer(self) -> None:
        """Cancel the pending timer, if any."""
        if self.timer_handle is not None:
            self.timer_handle.cancel()
        self.timer_trigger = None
        self.timer_due = None
        self.timer_handle = None

    def take_timer(self) -> str | None:
        """Forget the pending timer because it is firing now; returns its trigger."""
        trigger = self.timer_trigger
        if self.timer_due is not None:
            self.fired_due = self.timer_due
        if self.timer_handle is not None:
            self.timer_handle.cancel()  # harmless if it is the one running
        self.timer_trigger = None
        self.timer_due = None
        self.timer_handle = None
        return trigger

    def take_actions(self) -> list[Action]:
        actions = self.actions
        self.actions = []
        return actions

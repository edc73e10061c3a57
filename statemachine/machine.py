"""TurnMachine: the per-session turn machine of TURN_RULES.md.

A synchronous ``transitions.Machine`` built from :data:`statemachine.rules.RULES`, driven
only from the event loop's thread: inputs and timers each run to completion without
awaiting, so a timer can never slip between the steps of an input. The machine emits
actions to a callback and never touches a socket.

Before each input, a timer that is already due fires first (as on the fake clock, where a
timer due at ``t`` fires before the inputs at ``t``), so live sessions and replays agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from transitions import Event, Machine

from .clock import Clock
from .model import TurnModel
from .rules import (
    INITIAL,
    RESPONSE_DONE,
    RULES,
    SPEECH_STARTED,
    SPEECH_STOPPED,
    STATES,
    TRIGGERS,
)
from .settings import TurnSettings
from .timeline import Action, Input, TimelineEntry, Transition

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = ["TurnMachine"]

ActionCallback = Callable[[Action], object]
TransitionCallback = Callable[[Transition], object]
EntryCallback = Callable[[TimelineEntry], object]


def _bind(config: TransitionConfigDict, model: TurnModel) -> TransitionConfigDict:
    """The table names callbacks of the model; hand transitions the bound methods (checked
    here, once, rather than looked up by name on every trigger)."""
    bound = dict(config)
    for key in ("conditions", "after"):
        names = config.get(key)
        if names:
            assert isinstance(names, list)
            bound[key] = [getattr(model, name) for name in names]
    return cast("TransitionConfigDict", bound)


def _build_machine(model: TurnModel) -> Machine:
    return Machine(
        model=model,
        states=list(STATES),
        transitions=[_bind(rule.to_transition(), model) for rule in RULES],
        initial=INITIAL,
        auto_transitions=False,
        ignore_invalid_triggers=True,  # rule 10: any other input changes nothing
        send_event=False,
        model_attribute="state",
    )


class TurnMachine:
    """One session's turn machine.

    ``on_action`` receives each :class:`Action`, ``on_transition`` each :class:`Transition`,
    ``on_entry`` every timeline entry (inputs too, e.g. for a recorder), synchronously and
    in timeline order, after the machine has finished handling the input or timer. They
    must not raise. With ``keep_timeline=False`` the machine keeps no history (for long
    live sessions); the callbacks still fire.
    """

    def __init__(
        self,
        settings: TurnSettings,
        clock: Clock,
        *,
        on_action: ActionCallback | None = None,
        on_transition: TransitionCallback | None = None,
        on_entry: EntryCallback | None = None,
        keep_timeline: bool = True,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._on_action = on_action
        self._on_transition = on_transition
        self._on_entry = on_entry
        self._keep_timeline = keep_timeline
        self._timeline: list[TimelineEntry] = []
        self._closed = False
        self._model = TurnModel(settings, clock, self._timer_fired)
        self._machine = _build_machine(self._model)
        # Each trigger's event, and the states that have a row for it: any other state
        # ignores it (rule 10) without asking transitions, which would log a warning.
        self._dispatch: dict[str, tuple[Event, frozenset[str]]] = {
            name: (event, frozenset(event.transitions))
            for name, event in self._machine.events.items()
            if name in TRIGGERS
        }

    # -- read-only views ----------------------------------------------------------------

    @property
    def state(self) -> str:
        """``idle``, ``listening``, ``debouncing``, ``responding`` or ``cooling_down``."""
        return self._model.state

    @property
    def settings(self) -> TurnSettings:
        return self._settings

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def timeline(self) -> list[TimelineEntry]:
        """Every input, transition and action so far (a copy; empty if not kept)."""
        return list(self._timeline)

    @property
    def last_start(self) -> float | None:
        """Time of the last turn-opening ``response.create`` (``None`` before the first)."""
        last = self._model.last_start
        return None if last == -math.inf else last

    @property
    def pending_deadline(self) -> float | None:
        """When the pending timer (debounce or cooling-down end) is due, if any."""
        return self._model.timer_due

    @property
    def closed(self) -> bool:
        return self._closed

    # -- inputs -------------------------------------------------------------------------

    def speech_started(self, item_id: str | None = None, audio_end_ms: int | None = None) -> None:
        """Upstream ``input_audio_buffer.speech_started``.

        On barge-in (rule 9) with both ``item_id`` and ``audio_end_ms`` given, a
        ``conversation.item.truncate`` action follows ``response.cancel``.
        """
        if item_id is not None and not isinstance(item_id, str):
            raise TypeError(f"item_id must be a string or None, got {item_id!r}")
        if audio_end_ms is not None and (
            isinstance(audio_end_ms, bool) or not isinstance(audio_end_ms, int) or audio_end_ms < 0
        ):
            raise ValueError(f"audio_end_ms must be an int >= 0 or None, got {audio_end_ms!r}")
        if self._closed:
            return
        model = self._model
        t = self._begin_input()
        model.item_id = item_id
        model.audio_end_ms = audio_end_ms
        entry = Input(t, SPEECH_STARTED, item_id=item_id, audio_end_ms=audio_end_ms)
        self._fire(SPEECH_STARTED, t, entry)
        model.item_id = None
        model.audio_end_ms = None

    def speech_stopped(self) -> None:
        """Upstream ``input_audio_buffer.speech_stopped``."""
        if self._closed:
            return
        t = self._begin_input()
        self._fire(SPEECH_STOPPED, t, Input(t, SPEECH_STOPPED))

    def response_done(self, tool_calls: int = 0) -> None:
        """Upstream ``response.done``; ``tool_calls`` = number of function calls in it."""
        if isinstance(tool_calls, bool) or not isinstance(tool_calls, int) or tool_calls < 0:
            raise ValueError(f"tool_calls must be an int >= 0, got {tool_calls!r}")
        if self._closed:
            return
        model = self._model
        t = self._begin_input()
        model.tool_calls = tool_calls
        self._fire(RESPONSE_DONE, t, Input(t, RESPONSE_DONE, tool_calls=tool_calls))
        model.tool_calls = 0

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Cancel the pending timer and detach the model from the machine. Idempotent;
        inputs after ``close`` are ignored and not recorded."""
        if self._closed:
            return
        self._closed = True
        self._model.cancel_timer()
        self._machine.remove_model(self._model)
        self._on_action = self._on_transition = self._on_entry = None

    # -- internals ----------------------------------------------------------------------

    def _begin_input(self) -> float:
        """The input's time; a timer already due fires first."""
        t = self._clock.now()
        due = self._model.timer_due
        if due is not None and due <= t:
            self._timer_fired()
        return t

    def _timer_fired(self) -> None:
        if self._closed:
            return
        trigger = self._model.take_timer()
        if trigger is not None:
            self._fire(trigger, self._clock.now(), None)

    def _fire(self, trigger: str, t: float, entry: Input | None) -> None:
        model = self._model
        source = model.state
        event, sources = self._dispatch[trigger]
        entries: list[TimelineEntry] = [] if entry is None else [entry]
        if source in sources:
            model.now = t
            event.trigger(model)
            dest = model.state
            if dest != source:
                entries.append(Transition(t, source, dest, trigger))
            if model.actions:
                entries += model.take_actions()
        self._emit(entries)

    def _emit(self, entries: list[TimelineEntry]) -> None:
        if self._keep_timeline:
            self._timeline += entries
        on_entry, on_transition, on_action = self._on_entry, self._on_transition, self._on_action
        if on_transition is None and on_action is None:
            if on_entry is not None:
                for entry in entries:
                    on_entry(entry)
            return
        for entry in entries:
            if on_entry is not None:
                on_entry(entry)
            if on_transition is not None and isinstance(entry, Transition):
                on_transition(entry)
            elif on_action is not None and isinstance(entry, Action):
                on_action(entry)

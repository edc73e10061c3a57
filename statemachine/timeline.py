"""Timeline entries: every input, transition and action of a turn machine, with its time.

``to_json()`` gives exactly the shapes of TURN_RULES.md (``t`` rounded to milliseconds):

- input:      ``{"t", "event"[, "tool_calls"][, "item_id"][, "audio_end_ms"]}``
- transition: ``{"t", "source", "dest", "trigger"}``
- action:     ``{"t", "action"[, "follow_up"][, "item_id"][, "audio_end_ms"]}``

``tool_calls`` is always written for ``response_done``; ``follow_up`` only when true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

__all__ = [
    "RESPONSE_CANCEL",
    "RESPONSE_CREATE",
    "TRUNCATE",
    "Action",
    "Input",
    "TimelineEntry",
    "Transition",
    "round_t",
]

RESPONSE_CREATE = "response.create"
RESPONSE_CANCEL = "response.cancel"
TRUNCATE = "conversation.item.truncate"


def round_t(t: float) -> float:
    """A time as written in JSON: seconds rounded to milliseconds."""
    return round(t, 3) + 0.0  # "+ 0.0" turns -0.0 into 0.0


class TimelineEntry:
    """Base of :class:`Input`, :class:`Transition` and :class:`Action`."""

    __slots__ = ()
    kind: ClassVar[Literal["input", "transition", "action"]]
    t: float

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Input(TimelineEntry):
    """An input as the machine received it (``event`` is the input's name)."""

    t: float
    event: str
    tool_calls: int | None = None
    item_id: str | None = None
    audio_end_ms: int | None = None

    kind: ClassVar[Literal["input"]] = "input"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round_t(self.t), "event": self.event}
        if self.tool_calls is not None:
            out["tool_calls"] = self.tool_calls
        if self.item_id is not None:
            out["item_id"] = self.item_id
        if self.audio_end_ms is not None:
            out["audio_end_ms"] = self.audio_end_ms
        return out


@dataclass(frozen=True, slots=True)
class Transition(TimelineEntry):
    """A change of state. Timer-driven ones have trigger ``debounce_due``/``cooldown_over``."""

    t: float
    source: str
    dest: str
    trigger: str

    kind: ClassVar[Literal["transition"]] = "transition"

    def to_json(self) -> dict[str, Any]:
        return {
            "t": round_t(self.t),
            "source": self.source,
            "dest": self.dest,
            "trigger": self.trigger,
        }


@dataclass(frozen=True, slots=True)
class Action(TimelineEntry):
    """Something the session must do upstream.

    ``follow_up`` is true for rule 5's ``response.create`` (after tool outputs; it does not
    open a turn). ``item_id``/``audio_end_ms`` are set for ``conversation.item.truncate``.
    """

    name: str
    t: float
    follow_up: bool = False
    item_id: str | None = None
    audio_end_ms: int | None = None

    kind: ClassVar[Literal["action"]] = "action"

    @property
    def opens_turn(self) -> bool:
        """True for a turn-opening ``response.create`` (rule 4)."""
        return self.name == RESPONSE_CREATE and not self.follow_up

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round_t(self.t), "action": self.name}
        if self.follow_up:
            out["follow_up"] = True
        if self.item_id is not None:
            out["item_id"] = self.item_id
        if self.audio_end_ms is not None:
            out["audio_end_ms"] = self.audio_end_ms
        return out

"""The registry of live sessions: counts, limits and the figures `/metrics` shows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


class LiveSession(Protocol):
    @property
    def id(self) -> str: ...


@dataclass
class SessionRegistry:
    """Live sessions of one app. `admit` refuses beyond `max_sessions`."""

    max_sessions: int = 2000
    started: int = 0
    refused: int = 0
    _live: dict[str, LiveSession] = field(default_factory=dict)

    def admit(self, session: LiveSession) -> bool:
        if len(self._live) >= self.max_sessions:
            self.refused += 1
            return False
        self._live[session.id] = session
        self.started += 1
        return True

    def release(self, session: LiveSession) -> None:
        self._live.pop(session.id, None)

    @property
    def live(self) -> int:
        return len(self._live)

    def __iter__(self) -> Iterator[LiveSession]:
        return iter(list(self._live.values()))

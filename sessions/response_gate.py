"""Turns the machine's actions into upstream events without ever tripping the API's rules.

The upstream allows one response at a time (`conversation_already_has_active_response`) and
refuses a cancel with nothing to cancel and a truncate beyond the audio it sent. The gate keeps
just enough per-session state to avoid all three.
"""

from __future__ import annotations

import json

from statemachine import Action

RESPONSE_CREATE = json.dumps({"type": "response.create"})
RESPONSE_CANCEL = json.dumps({"type": "response.cancel"})


class ResponseGate:
    """One session's view of the upstream response in flight and of the assistant audio."""

    def __init__(self) -> None:
        self.in_flight = False  # a response.create was sent and its response.done not seen
        self.deferred_create = False  # a turn opened while the previous response was finishing
        self.cancel_pending = False
        self.answered = False  # the first answer has started (the voice is then fixed)
        self.turn = 0  # counts turn-opening creates, so a stale follow-up is recognised
        self._audio_item: str | None = None
        self._audio_ms: dict[str, float] = {}
        self._played: tuple[str, int] | None = None

    # -- what upstream tells us ---------------------------------------------------------

    def audio_item_started(self, item_id: str) -> None:
        self._audio_item = item_id
        self._audio_ms[item_id] = 0.0

    @property
    def tracking_audio(self) -> bool:
        """Whether an assistant audio item is being counted (for barge-in truncation)."""
        return self._audio_item is not None

    def audio_delta(self, ms: float) -> None:
        if self._audio_item is not None:
            self._audio_ms[self._audio_item] += ms

    def response_done(self) -> tuple[list[str], bool]:
        """The response ended: what to send now (a deferred turn-opening create), and whether
        this was a cancelled response that the current turn must not take for its own."""
        stale = self.cancel_pending or self.deferred_create
        self.in_flight = False
        self.cancel_pending = False
        if self.deferred_create:
            self.deferred_create = False
            self.in_flight = True
            return [RESPONSE_CREATE], stale
        return [], stale

    # -- what the client tells us -------------------------------------------------------

    def audio_played(self, item_id: str, audio_end_ms: int) -> None:
        self._played = (item_id, audio_end_ms)

    def barge_in_position(self) -> tuple[str, int] | None:
        """Where to truncate the assistant audio on barge-in, if the client said how far it
        played; clamped to the audio actually sent for that item."""
        if self._played is None:
            return None
        item_id, played = self._played
        sent = self._audio_ms.get(item_id)
        if sent is None:
            return None
        return item_id, min(played, int(sent))

    # -- the machine's actions ----------------------------------------------------------

    def perform(self, action: Action) -> list[str]:
        """Upstream events (JSON text) that carry out `action` now."""
        if action.name == "response.create":
            if action.opens_turn:
                self.answered = True
                self.turn += 1
            if self.in_flight:
                self.deferred_create = True
                return []
            self.in_flight = True
            return [RESPONSE_CREATE]
        if action.name == "response.cancel":
            self.deferred_create = False
            if not self.in_flight or self.cancel_pending:
                return []
            self.cancel_pending = True
            return [RESPONSE_CANCEL]
        if action.name == "conversation.item.truncate" and action.item_id is not None:
            self._played = None
            return [
                json.dumps(
                    {
                        "type": "conversation.item.truncate",
                        "item_id": action.item_id,
                        "content_index": 0,
                        "audio_end_ms": action.audio_end_ms or 0,
                    }
                )
            ]
        return []

"""Turns the machine's actions into upstream events without ever tripping the API's rules.

The upstream allows one response at a time (`conversation_already_has_active_response`) and
refuses a cancel with nothing to cancel and a truncate beyond the audio it sent. The gate keeps
just enough per-session state to avoid all three, and recovers when the upstream refuses a
`response.create` outright (an `error` naming the create's `event_id`, and no `response.done`).
"""

from __future__ import annotations

import json

from statemachine import Action

# Upstream error codes that do not mean "your response.create failed".
_NOT_A_FAILED_CREATE = frozenset(
    {"conversation_already_has_active_response", "response_cancel_not_active"}
)


def _create(event_id: str) -> str:
    return json.dumps({"type": "response.create", "event_id": event_id})


def _cancel(event_id: str) -> str:
    return json.dumps({"type": "response.cancel", "event_id": event_id})


class ResponseGate:
    """One session's view of the upstream response in flight and of the assistant audio."""

    def __init__(self) -> None:
        self.in_flight = False  # a response.create was sent and its response.done not seen
        self.deferred_create = False  # a turn opened while the previous response was finishing
        self.cancel_pending = False  # a response.cancel was sent; its response.done not seen
        self.answered = False  # the first answer has started (the voice is then fixed)
        self.turn = 0  # counts turn-opening creates, so a stale follow-up is recognised
        self._sent = 0
        self._create_id: str | None = None  # the in-flight create, until response.created
        self._cancel_id: str | None = None
        self._audio_item: str | None = None  # the in-flight answer's audio item
        self._audio_sent_ms = 0.0
        self._played: tuple[str, int] | None = None

    def _next_id(self, kind: str) -> str:
        self._sent += 1
        return f"botify_{kind}_{self._sent}"

    # -- what upstream tells us ---------------------------------------------------------

    def response_created(self) -> None:
        self._create_id = None  # the create was accepted: only response.done ends it now

    def audio_item_started(self, item_id: str) -> None:
        self._audio_item = item_id
        self._audio_sent_ms = 0.0

    @property
    def tracking_audio(self) -> bool:
        """Whether an assistant audio item is being counted (for barge-in truncation)."""
        return self._audio_item is not None

    def audio_delta(self, ms: float) -> None:
        self._audio_sent_ms += ms

    def response_done(self) -> tuple[list[str], bool]:
        """The response ended: what to send now (a deferred turn-opening create), and whether
        this was a cancelled response that the current turn must not take for its own."""
        stale = self.cancel_pending or self.deferred_create
        self.in_flight = False
        self.cancel_pending = False
        self._create_id = self._cancel_id = None
        if self.deferred_create:
            self.deferred_create = False
            return [self._send_create()], stale
        return [], stale

    def upstream_error(self, code: str | None, event_id: str | None) -> tuple[bool, bool]:
        """An upstream `error`: (the in-flight create was refused, so no response.done will
        come; the error answers our own cancel, which the client need not see)."""
        if event_id is not None and event_id == self._cancel_id:
            self._cancel_id = None
            if code == "response_cancel_not_active":
                self.cancel_pending = False
            return False, code == "response_cancel_not_active"
        if self._create_id is None or code in _NOT_A_FAILED_CREATE:
            return False, False
        # The error names our create, or names no event while our create awaits its
        # response.created (an error caused by a client event would carry its event_id).
        if event_id == self._create_id or event_id is None:
            self.in_flight = False
            self._create_id = None
            return True, False
        return False, False

    # -- what the client tells us -------------------------------------------------------

    def audio_played(self, item_id: str, audio_end_ms: int) -> None:
        self._played = (item_id, audio_end_ms)

    def barge_in_position(self) -> tuple[str, int] | None:
        """Where to truncate the in-flight answer's audio on barge-in, if the client said how
        far it played that item; clamped to the audio actually sent for it."""
        if self._played is None or self._audio_item is None:
            return None
        item_id, played = self._played
        if item_id != self._audio_item:
            return None  # the client reported an earlier answer's item
        return item_id, min(played, int(self._audio_sent_ms))

    # -- the machine's actions ----------------------------------------------------------

    def _send_create(self) -> str:
        self.in_flight = True
        self._create_id = self._next_id("create")
        self._audio_item = None
        self._played = None
        return _create(self._create_id)

    def perform(self, action: Action) -> list[str]:
        """Upstream events (JSON text) that carry out `action` now."""
        if action.name == "response.create":
            if action.opens_turn:
                self.answered = True
                self.turn += 1
            if self.in_flight:
                self.deferred_create = True
                return []
            return [self._send_create()]
        if action.name == "response.cancel":
            self.deferred_create = False
            if not self.in_flight or self.cancel_pending:
                return []
            self.cancel_pending = True
            self._cancel_id = self._next_id("cancel")
            return [_cancel(self._cancel_id)]
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

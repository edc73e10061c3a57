"""The protocol state of one fake upstream session, without any I/O.

Every method changes the state synchronously and returns the server events that change
produces, in wire order; the connection sends them as one batch. So a state change and its
events can never be split by another task (a cancel cannot slip into the middle of a response).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar, Literal

from tests.fakes import ga_events as ev
from tests.fakes.fake_response import FakeResponse, Output
from tests.fakes.ga_events import PCM16_24K_BYTES_PER_MS, Event
from tests.fakes.ga_models import Problem, check_client_event

__all__ = ["Conversation", "FakeResponse", "Outcome"]

MIN_COMMIT_MS = 100
Outcome = tuple[list[Event], Problem | None]
"""Events to send, and the problem to answer with an ``error`` event (None if accepted)."""


def _not_found(item_id: object, param: str = "item_id") -> Problem:
    return Problem("invalid_value", f"Item '{item_id}' not found.", param)


class Conversation:
    """Session, conversation items and responses of one connection (script mode)."""

    def __init__(
        self,
        new_id: Callable[[str], str],
        model: str,
        *,
        voice_live: bool = False,
        session_lifetime_s: int = 1800,
    ) -> None:
        self.new_id = new_id
        self.voice_live = voice_live
        self.session: Event = ev.default_session(
            new_id("sess"), model, lifetime_s=session_lifetime_s
        )
        self.items: dict[str, Event] = {}
        self.responses: list[FakeResponse] = []
        self.active_response: FakeResponse | None = None
        self.truncations: list[Event] = []
        self.audio_bytes_received = 0
        self._buffer_bytes = 0
        self._speech_item_id: str | None = None
        self._call_ids: set[str] = set()
        self._item_audio_bytes: dict[str, int] = {}

    def _last_item_id(self) -> str | None:
        return next(reversed(self.items), None)

    # ------------------------------------------------------------------ client events

    def handle(self, event: Event) -> Outcome:
        """Check and apply one client event."""
        problem = self._check(event)
        if problem is not None:
            return [], problem
        handler = self._HANDLERS.get(event["type"])
        return handler(self, event) if handler is not None else ([], None)

    def _check(self, event: Event) -> Problem | None:
        if self.voice_live and event.get("type") == "session.update":
            # Voice Live adds fields and enum values (azure_semantic_vad, Azure voices, noise
            # suppression...) that the openai models reject: only the envelope is checked.
            if isinstance(event.get("session"), dict):
                return None
            return Problem("invalid_value", "Invalid value for 'session'.", "session")
        return check_client_event(event)

    def update_session(self, update: Event) -> list[Event]:
        self.session = ev.deep_merge(self.session, update)
        return [{"type": "session.updated", "session": self.session}]

    def _on_session_update(self, event: Event) -> Outcome:
        return self.update_session(event["session"]), None

    def _on_append(self, event: Event) -> Outcome:
        try:
            audio = base64.b64decode(event["audio"], validate=True)
        except (binascii.Error, ValueError):
            return [], Problem(
                "invalid_value", "Invalid 'audio'. Expected base64-encoded audio.", "audio"
            )
        self.audio_bytes_received += len(audio)
        self._buffer_bytes += len(audio)
        return [], None

    def _on_commit(self, event: Event) -> Outcome:
        buffered_ms = self._buffer_bytes // PCM16_24K_BYTES_PER_MS
        if buffered_ms < MIN_COMMIT_MS:
            return [], Problem(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {buffered_ms}ms of audio.",
            )
        item_id = self._speech_item_id or self.new_id("item")
        return self._commit(item_id), None

    def _on_clear(self, event: Event) -> Outcome:
        self._buffer_bytes = 0
        return [{"type": "input_audio_buffer.cleared"}], None

    def _on_item_create(self, event: Event) -> Outcome:
        item = dict(event["item"])
        previous = event.get("previous_item_id")
        if previous is not None and previous != "root" and previous not in self.items:
            return [], _not_found(previous, "previous_item_id")
        if item.get("type") == "function_call_output" and item.get("call_id") not in self._call_ids:
            return [], Problem(
                "invalid_value",
                f"No function call with call_id '{item.get('call_id')}' in this conversation.",
                "item.call_id",
            )
        item.setdefault("id", self.new_id("item"))
        if item["id"] in self.items:
            return [], Problem("invalid_value", f"Item '{item['id']}' already exists.", "item.id")
        item.setdefault("object", "realtime.item")
        item.setdefault("status", "completed")
        previous = previous or self._last_item_id()
        self.items[item["id"]] = item
        return [
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item},
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item},
        ], None

    def _on_item_retrieve(self, event: Event) -> Outcome:
        item = self.items.get(event["item_id"])
        if item is None:
            return [], _not_found(event["item_id"])
        return [{"type": "conversation.item.retrieved", "item": item}], None

    def _on_item_delete(self, event: Event) -> Outcome:
        if self.items.pop(event["item_id"], None) is None:
            return [], _not_found(event["item_id"])
        return [{"type": "conversation.item.deleted", "item_id": event["item_id"]}], None

    def _on_item_truncate(self, event: Event) -> Outcome:
        item_id, end_ms = event["item_id"], event["audio_end_ms"]
        if item_id in self._item_audio_bytes and event["content_index"] != 0:
            return [], Problem(
                "invalid_value",
                "Invalid 'content_index': the item has one content part.",
                "content_index",
            )
        if item_id not in self._item_audio_bytes:
            return [], Problem(
                "invalid_value", f"Item '{item_id}' is not an assistant audio message.", "item_id"
            )
        audio_ms = self._item_audio_bytes[item_id] // PCM16_24K_BYTES_PER_MS
        if end_ms < 0 or end_ms > audio_ms:
            return [], Problem(
                "invalid_value",
                f"Audio content of {audio_ms}ms is already shorter than {end_ms}ms.",
                "audio_end_ms",
            )
        truncated = {
            "type": "conversation.item.truncated",
            "item_id": item_id,
            "content_index": event["content_index"],
            "audio_end_ms": end_ms,
        }
        self.truncations.append(truncated)
        return [truncated], None

    def _on_response_create(self, event: Event) -> Outcome:
        if self.active_response is not None:
            return [], Problem(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active_response.id}. Wait until the response is finished before "
                "creating a new one.",
            )
        self._new_response("client", event)
        return [], None

    def _on_response_cancel(self, event: Event) -> Outcome:
        response = self.active_response
        wanted = event.get("response_id")
        if response is None or (wanted is not None and wanted != response.id):
            return [], Problem(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        return self._finish(response, "cancelled", "client_cancelled"), None

    def _on_ignored(self, event: Event) -> Outcome:
        return [], None

    _HANDLERS: ClassVar[dict[str, Callable[[Conversation, Event], Outcome]]] = {
        "session.update": _on_session_update,
        "input_audio_buffer.append": _on_append,
        "input_audio_buffer.commit": _on_commit,
        "input_audio_buffer.clear": _on_clear,
        "conversation.item.create": _on_item_create,
        "conversation.item.retrieve": _on_item_retrieve,
        "conversation.item.delete": _on_item_delete,
        "conversation.item.truncate": _on_item_truncate,
        "response.create": _on_response_create,
        "response.cancel": _on_response_cancel,
        "output_audio_buffer.clear": _on_ignored,
    }

    # ------------------------------------------------------------------ input side (VAD)

    def speech_started(self, audio_start_ms: int, item_id: str | None) -> tuple[str, list[Event]]:
        item_id = item_id or self._speech_item_id or self.new_id("item")
        self._speech_item_id = item_id
        event = {
            "type": "input_audio_buffer.speech_started",
            "audio_start_ms": audio_start_ms,
            "item_id": item_id,
        }
        return item_id, [event]

    def speech_stopped(self, audio_end_ms: int, item_id: str | None) -> tuple[str, list[Event]]:
        item_id = item_id or self._speech_item_id or self.new_id("item")
        self._speech_item_id = item_id
        event = {
            "type": "input_audio_buffer.speech_stopped",
            "audio_end_ms": audio_end_ms,
            "item_id": item_id,
        }
        return item_id, [event]

    def user_turn(self, transcript: str, item_id: str | None) -> tuple[str, list[Event]]:
        item_id = item_id or self._speech_item_id or self.new_id("item")
        events = self._commit(item_id)
        events += [
            {
                "type": "conversation.item.input_audio_transcription.delta",
                "item_id": item_id,
                "content_index": 0,
                "delta": piece,
            }
            for piece in ev.split_text(transcript, 3)
        ]
        self.items[item_id] = ev.user_audio_item(item_id, transcript)
        events.append(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": transcript,
                "usage": ev.transcription_usage(1.0),
            }
        )
        return item_id, events

    def _commit(self, item_id: str) -> list[Event]:
        self._buffer_bytes = 0
        self._speech_item_id = None
        previous = self._last_item_id()
        item = ev.user_audio_item(item_id)
        self.items[item_id] = item
        return [
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": previous,
            },
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item},
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item},
        ]

    # ------------------------------------------------------------------ responses

    def respond(
        self,
        text: str,
        audio: bytes,
        function_calls: Sequence[tuple[str, str]],
        *,
        complete: bool,
        unprompted: bool,
        modality: Literal["audio", "text"],
        audio_chunk_bytes: int,
    ) -> tuple[str, list[Event]]:
        """See ``FakeUpstreamConnection.respond``."""
        if modality == "text" and audio:
            raise ValueError("a text-modality response carries no audio")
        response = self.active_response
        if response is None:
            if not unprompted:
                raise RuntimeError(
                    "respond() without a pending response.create "
                    "(await conn.receive('response.create') first, or pass unprompted=True)"
                )
            response = self._new_response("server", None)
        events = response.created()
        for out in response.outputs:  # an item left open by respond(complete=False)
            if not out.done:
                events += response.close_output(out, "completed")
                self._track(response, out)
        steps: list[Callable[[], tuple[Output, list[Event]]]] = []
        if text or audio:
            steps.append(
                partial(self._stream_message, response, text, audio, modality, audio_chunk_bytes)
            )
        for name, arguments in function_calls:
            steps.append(partial(self._stream_call, response, name, arguments))
        for index, step in enumerate(steps):
            out, streamed = step()
            events += streamed
            self._track(response, out)
            if complete or index < len(steps) - 1:  # one item streams at a time
                events += response.close_output(out, "completed")
                self._track(response, out)
        if complete:
            events += self._finish(response, "completed")
        return response.id, events

    def finish_response(self, status: str, reason: str | None) -> tuple[str, list[Event]]:
        response = self.active_response
        if response is None:
            raise RuntimeError("no active response to finish")
        return response.id, self._finish(response, status, reason)

    def _new_response(
        self, origin: Literal["client", "server"], create: Event | None
    ) -> FakeResponse:
        response = FakeResponse(self.new_id("resp"), origin, create, self.session)
        self.responses.append(response)
        self.active_response = response
        return response

    def _stream_message(
        self,
        response: FakeResponse,
        text: str,
        audio: bytes,
        modality: Literal["audio", "text"],
        chunk_bytes: int,
    ) -> tuple[Output, list[Event]]:
        return response.stream_message(
            self.new_id("item"), self._last_item_id(), text, audio, modality, chunk_bytes
        )

    def _stream_call(
        self, response: FakeResponse, name: str, arguments: str
    ) -> tuple[Output, list[Event]]:
        call_id = self.new_id("call")
        self._call_ids.add(call_id)
        return response.stream_call(
            self.new_id("item"), call_id, self._last_item_id(), name, arguments
        )

    def _track(self, response: FakeResponse, out: Output) -> None:
        """Keep the conversation's copy of an output item (and its audio length) current."""
        if response.in_conversation:
            self.items[out.item_id] = out.item
            if out.part_type == "audio":
                self._item_audio_bytes[out.item_id] = out.audio_bytes

    def _finish(
        self, response: FakeResponse, status: str, reason: str | None = None
    ) -> list[Event]:
        self.active_response = None
        events = response.finish(status, reason)
        for out in response.outputs:
            self._track(response, out)
        return events

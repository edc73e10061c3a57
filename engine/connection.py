"""One client of the embedded engine: the Realtime GA protocol over one WebSocket.

The handler task reads the socket and handles each client event in order; recognition and
responses run as tasks of this connection, so a long answer never delays reading.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from engine import events as ev
from engine.audio import bytes_of, ms_of
from engine.resources import EngineResources
from engine.responses import ResponseRun
from engine.session_config import EngineSession, SessionConfigError, default_session
from engine.vad import ServerVad, SpeechStarted

log = logging.getLogger(__name__)
MIN_COMMIT_MS = 100


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


def _field(event: dict[str, Any], name: str, kind: type, what: str) -> Any:
    if name not in event:
        raise ProtocolError(
            "missing_required_parameter", f"Missing required parameter: '{name}'.", name
        )
    value = event[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError("invalid_type", f"Invalid type for '{name}': expected {what}.", name)
    return value


class EngineConnection:
    def __init__(self, ws: web.WebSocketResponse, resources: EngineResources) -> None:
        self.ws = ws
        self.resources = resources
        self.ids = ev.Ids()
        self.session = EngineSession(default_session(self.ids.new("sess"), resources.model))
        self.vad = self._make_vad()
        self.items: dict[str, ev.Event] = {}
        self.transcripts: dict[str, asyncio.Task[str]] = {}
        self.audio_sent_ms: dict[str, int] = {}
        self.response: ResponseRun | None = None
        self._speech_item: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "session.update": self._session_update,
            "input_audio_buffer.append": self._append,
            "input_audio_buffer.commit": self._commit,
            "input_audio_buffer.clear": self._clear,
            "conversation.item.create": self._item_create,
            "conversation.item.truncate": self._item_truncate,
            "conversation.item.delete": self._item_delete,
            "conversation.item.retrieve": self._item_retrieve,
            "response.create": self._response_create,
            "response.cancel": self._response_cancel,
        }

    # -- plumbing -----------------------------------------------------------------------

    async def send(self, event: ev.Event) -> None:
        if self.ws.closed:
            return
        event.setdefault("event_id", self.ids.new("event"))
        with contextlib.suppress(ConnectionResetError):
            await self.ws.send_str(json.dumps(event))

    def spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def run(self) -> None:
        await self.send({"type": "session.created", "session": self.session.session})
        try:
            async for message in self.ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_text(message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._on_text(bytes(message.data).decode("utf-8", "replace"))
        finally:
            if self.response is not None:
                self.response.cancel()
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=1.0)

    async def _on_text(self, text: str) -> None:
        event_id = None
        try:
            try:
                event = json.loads(text)
            except ValueError:
                raise ProtocolError("invalid_json", "The event is not valid JSON.") from None
            if not isinstance(event, dict):
                raise ProtocolError("invalid_json", "The event must be a JSON object.")
            event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
            event_type = _field(event, "type", str, "a string")
            handler = self._handlers.get(event_type)
            if handler is None:
                raise ProtocolError(
                    "invalid_value", f"Invalid value: '{event_type}'. Unknown event type.", "type"
                )
            await handler(event)
        except ProtocolError as problem:
            await self.send(ev.error(problem.code, problem.message, event_id, problem.param))

    # -- session ------------------------------------------------------------------------

    def _make_vad(self) -> ServerVad:
        detection = self.session.turn_detection
        if detection is None:
            return ServerVad(detect=False)
        return ServerVad(
            threshold=float(detection.get("threshold", 0.5)),
            prefix_padding_ms=int(detection.get("prefix_padding_ms", 300)),
            silence_duration_ms=int(detection.get("silence_duration_ms", 500)),
        )

    async def _session_update(self, event: dict[str, Any]) -> None:
        update = _field(event, "session", dict, "an object")
        try:
            ignored = self.session.update(update)
        except SessionConfigError as problem:
            raise ProtocolError("invalid_value", str(problem), problem.param) from None
        detection = self.session.turn_detection
        if detection is None:
            self.vad.configure(detect=False)
        else:
            self.vad.configure(
                float(detection.get("threshold", 0.5)),
                int(detection.get("prefix_padding_ms", 300)),
                int(detection.get("silence_duration_ms", 500)),
                detect=True,
            )
        if ignored:
            log.info("engine: session.update fields not supported, ignored: %s", ignored)
        await self.send(
            {
                "type": "session.updated",
                "session": self.session.session,
                # Not part of the GA protocol: what this engine accepted but does not apply.
                "ignored_fields": ignored,
            }
        )

    # -- input audio --------------------------------------------------------------------

    async def _append(self, event: dict[str, Any]) -> None:
        audio_b64 = _field(event, "audio", str, "a base64 string")
        try:
            audio = binascii.a2b_base64(audio_b64, strict_mode=True)
        except binascii.Error:
            raise ProtocolError("invalid_value", "Invalid 'audio': not base64.", "audio") from None
        for vad_event in self.vad.feed(audio):
            if isinstance(vad_event, SpeechStarted):
                self._speech_item = self.ids.new("item")
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": vad_event.audio_start_ms,
                        "item_id": self._speech_item,
                    }
                )
                detection = self.session.turn_detection or {}
                if self.response is not None and detection.get("interrupt_response", True):
                    await self.response.cancel_and_wait("turn_detected")
            else:
                item_id = self._speech_item or self.ids.new("item")
                self._speech_item = None
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_stopped",
                        "audio_end_ms": vad_event.audio_end_ms,
                        "item_id": item_id,
                    }
                )
                await self._commit_audio(item_id, vad_event.audio, auto=True)

    async def _commit(self, event: dict[str, Any]) -> None:
        audio = self.vad.commit()
        if len(audio) < bytes_of(MIN_COMMIT_MS):
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                f"Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {ms_of(len(audio))}ms.",
            )
        self._speech_item = None
        await self._commit_audio(self.ids.new("item"), audio, auto=False)

    async def _clear(self, event: dict[str, Any]) -> None:
        self.vad.clear()
        self._speech_item = None
        await self.send({"type": "input_audio_buffer.cleared"})

    async def _commit_audio(self, item_id: str, audio: bytes, auto: bool) -> None:
        previous = next(reversed(self.items), None)
        item = ev.user_audio_item(item_id)
        self.items[item_id] = item
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": previous,
            }
        )
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        await self.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item}
        )
        self.transcripts[item_id] = self.spawn(self._transcribe(item_id, audio))
        detection = self.session.turn_detection or {}
        if auto and detection.get("create_response", True):
            await self._start_response({})

    async def _transcribe(self, item_id: str, audio: bytes) -> str:
        transcript = await asyncio.to_thread(self.resources.transcribe, audio)
        self.items.get(item_id, {}).get("content", [{}])[0]["transcript"] = transcript
        if self.session.transcription:
            words = transcript.split()
            for index, word in enumerate(words):
                await self.send(
                    {
                        "type": "conversation.item.input_audio_transcription.delta",
                        "item_id": item_id,
                        "content_index": 0,
                        "delta": word if index == 0 else " " + word,
                    }
                )
            await self.send(
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    "item_id": item_id,
                    "content_index": 0,
                    "transcript": transcript,
                    "usage": {"type": "duration", "seconds": round(ms_of(len(audio)) / 1000, 3)},
                }
            )
        return transcript

    # -- conversation items -------------------------------------------------------------

    async def _item_create(self, event: dict[str, Any]) -> None:
        item = dict(_field(event, "item", dict, "an object"))
        kind = item.get("type")
        if kind == "function_call_output":
            call_id = _field(item, "call_id", str, "a string")
            _field(item, "output", str, "a string")
            if not any(i.get("call_id") == call_id for i in self.items.values()):
                raise ProtocolError(
                    "invalid_value", f"No function call with call_id '{call_id}'.", "item.call_id"
                )
        elif kind == "message":
            if item.get("role") not in ("user", "assistant", "system"):
                raise ProtocolError("invalid_value", "Invalid 'item.role'.", "item.role")
            _field(item, "content", list, "a list")
        else:
            raise ProtocolError("invalid_value", f"Unsupported item type {kind!r}.", "item.type")
        given = item.get("id")
        item_id = given if isinstance(given, str) else self.ids.new("item")
        item.update({"id": item_id, "object": "realtime.item", "status": "completed"})
        previous = event.get("previous_item_id") or next(reversed(self.items), None)
        self.items[item_id] = item
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        await self.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item}
        )

    def _known_item(self, event: dict[str, Any]) -> str:
        item_id: str = _field(event, "item_id", str, "a string")
        if item_id not in self.items:
            raise ProtocolError(
                "invalid_value", f"Item with item_id '{item_id}' not found.", "item_id"
            )
        return item_id

    async def _item_truncate(self, event: dict[str, Any]) -> None:
        item_id = self._known_item(event)
        end_ms = _field(event, "audio_end_ms", int, "an integer")
        sent_ms = self.audio_sent_ms.get(item_id)
        if sent_ms is None or end_ms < 0 or end_ms > sent_ms:
            raise ProtocolError(
                "invalid_value",
                f"audio_end_ms {end_ms} is beyond the {sent_ms or 0} ms of audio of this item.",
                "audio_end_ms",
            )
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": int(event.get("content_index", 0)),
                "audio_end_ms": end_ms,
            }
        )

    async def _item_delete(self, event: dict[str, Any]) -> None:
        item_id = self._known_item(event)
        del self.items[item_id]
        await self.send({"type": "conversation.item.deleted", "item_id": item_id})

    async def _item_retrieve(self, event: dict[str, Any]) -> None:
        item_id = self._known_item(event)
        await self.send({"type": "conversation.item.retrieved", "item": self.items[item_id]})

    # -- responses ----------------------------------------------------------------------

    async def _response_create(self, event: dict[str, Any]) -> None:
        options = event.get("response", {})
        if not isinstance(options, dict):
            raise ProtocolError("invalid_type", "Invalid type for 'response'.", "response")
        await self._start_response(options)

    async def _start_response(self, options: dict[str, Any]) -> None:
        if self.response is not None:
            raise ProtocolError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.response.response_id}. Wait until the response is finished before "
                "creating a new one.",
            )
        self.response = ResponseRun(self, self.ids.new("resp"), options)
        self.spawn(self.response.run())

    def response_finished(self, run: ResponseRun) -> None:
        if self.response is run:
            self.response = None

    async def _response_cancel(self, event: dict[str, Any]) -> None:
        if self.response is None:
            raise ProtocolError(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        await self.response.cancel_and_wait("client_cancelled")

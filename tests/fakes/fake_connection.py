"""One WebSocket connection of the fake upstream: socket I/O and the script API.

Import it from ``tests.fakes.fake_upstream`` (whose docstring describes the behaviour). The
protocol state lives in ``Conversation`` (no I/O); this class reads the socket (only in the
server's handler task), sends the events each state change produces as one ordered batch, and
queues client events for the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from tests.fakes import ga_events as ev
from tests.fakes.fake_conversation import Conversation
from tests.fakes.fake_response import FakeResponse
from tests.fakes.ga_events import Event
from tests.fakes.ga_models import Problem

__all__ = ["FakeUpstreamClosed", "FakeUpstreamConnection", "Mode"]

Mode = Literal["script", "echo"]

HARMLESS_ERRORS = frozenset({"response_cancel_not_active"})
"""Client-caused error codes not counted as protocol violations (a cancel may cross a done)."""

DEFAULT_ERROR_MESSAGES = {
    "session_expired": "Your session hit the maximum duration of 30 minutes.",
    "server_error": "The server had an error while processing your request. Sorry about that!",
    "rate_limit_exceeded": "Rate limit reached. Please try again later.",
}

_CLOSED = object()


class FakeUpstreamClosed(ConnectionError):
    """The fake's WebSocket ended while a test waited on it or tried to send."""


class FakeUpstreamConnection:
    """The server side of one accepted WebSocket."""

    def __init__(
        self,
        *,
        index: int,
        request: web.Request,
        ws: web.WebSocketResponse,
        mode: Mode,
        session_lifetime_s: int = 1800,
    ) -> None:
        self.index = index
        self.mode: Mode = mode
        self.path: str = request.path
        self.query: dict[str, str] = dict(request.query)
        self.headers: CIMultiDict[str] = CIMultiDict(request.headers)
        self.extensions_offered: str | None = request.headers.get("Sec-WebSocket-Extensions")
        self.compression_negotiated = bool(ws.compress)
        self.is_voice_live = self.path.startswith("/voice-live")

        self.received: list[Event] = []
        self.sent: list[Event] = []  # script mode only
        self.errors_sent: list[Event] = []
        self.protocol_violations: list[str] = []
        self.binary_frames_received = 0
        self.frames_echoed = 0
        self.closed = asyncio.Event()
        self.close_code: int | None = None

        self._request = request
        self._ws = ws
        self._ids = itertools.count(1)
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._send_lock = asyncio.Lock()
        self._close_task: asyncio.Task[bool] | None = None
        model = self.query.get("model") or self.query.get("deployment") or "gpt-realtime"
        self.conversation = Conversation(
            self.new_id, model, voice_live=self.is_voice_live, session_lifetime_s=session_lifetime_s
        )

    def new_id(self, prefix: str) -> str:
        """A fresh id, unique across the fake's connections: ``{prefix}_{conn}_{n}``."""
        return f"{prefix}_{self.index}_{next(self._ids)}"

    # --- state, as the conversation holds it

    @property
    def session(self) -> Event:
        """The current (merged) session, as last sent in ``session.created/updated``."""
        return self.conversation.session

    @property
    def items(self) -> dict[str, Event]:
        """Conversation items by id, in order."""
        return self.conversation.items

    @property
    def responses(self) -> list[FakeResponse]:
        return self.conversation.responses

    @property
    def active_response(self) -> FakeResponse | None:
        """The response asked for (or started unprompted) with no ``response.done`` yet."""
        return self.conversation.active_response

    @property
    def truncations(self) -> list[Event]:
        """The ``conversation.item.truncated`` events sent."""
        return self.conversation.truncations

    @property
    def audio_bytes_received(self) -> int:
        """Decoded bytes of every accepted ``input_audio_buffer.append`` (script mode)."""
        return self.conversation.audio_bytes_received

    # --- script API

    async def receive(self, type_: str | None = None, timeout: float = 2.0) -> Event:
        """The next client event (a dict), skipping events of other types if ``type_`` is given.

        All client events are also kept in ``received``. Raises ``TimeoutError`` (naming what
        was skipped) or ``FakeUpstreamClosed`` when the socket ends first.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        skipped: Counter[str] = Counter()
        while True:
            try:
                item = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    item = await asyncio.wait_for(self._queue.get(), deadline - loop.time())
                except TimeoutError:
                    raise TimeoutError(
                        f"connection {self.index}: no client event {type_ or ''} within "
                        f"{timeout}s; skipped: {dict(skipped)}"
                    ) from None
            if item is _CLOSED:
                self._queue.put_nowait(_CLOSED)
                raise FakeUpstreamClosed(
                    f"connection {self.index} closed while waiting for {type_ or 'an event'}; "
                    f"skipped: {dict(skipped)}"
                )
            assert isinstance(item, dict)
            if type_ is None or item.get("type") == type_:
                return item
            skipped[str(item.get("type"))] += 1

    async def send(self, event: Event) -> Event:
        """Send one event as is, adding ``event_id`` if missing; returns what was sent."""
        return (await self._send_batch([dict(event)]))[0]

    async def send_raw(self, data: str | bytes) -> None:
        """Send one TEXT (str) or BINARY (bytes) frame, unchecked (e.g. invalid JSON)."""
        async with self._send_lock:
            await self._write(data)

    async def speech_started(self, audio_start_ms: int = 0, item_id: str | None = None) -> str:
        """``input_audio_buffer.speech_started``; returns the item id of this user turn."""
        item_id, events = self.conversation.speech_started(audio_start_ms, item_id)
        await self._send_batch(events)
        return item_id

    async def speech_stopped(self, audio_end_ms: int = 1000, item_id: str | None = None) -> str:
        """``input_audio_buffer.speech_stopped`` for the current user turn; returns its id."""
        item_id, events = self.conversation.speech_stopped(audio_end_ms, item_id)
        await self._send_batch(events)
        return item_id

    async def user_turn(self, transcript: str = "", *, item_id: str | None = None) -> str:
        """What a VAD commit produces: ``input_audio_buffer.committed``,
        ``conversation.item.added`` / ``.done`` (the user audio message), then
        ``conversation.item.input_audio_transcription.delta`` (a few) and ``.completed``.

        Uses the item id of the last ``speech_started``/``speech_stopped``; returns it.
        """
        item_id, events = self.conversation.user_turn(transcript, item_id)
        await self._send_batch(events)
        return item_id

    async def respond(
        self,
        text: str = "Hello",
        audio: bytes = b"",
        function_calls: Sequence[tuple[str, str]] = (),
        *,
        complete: bool = True,
        unprompted: bool = False,
        modality: Literal["audio", "text"] = "audio",
        audio_chunk_bytes: int = 4800,
    ) -> str:
        """Stream the response to the pending ``response.create``; returns its id.

        Emits ``response.created``, then for ``text``/``audio`` one assistant message
        (``response.output_item.added``, ``conversation.item.added``,
        ``response.content_part.added``, interleaved ``response.output_audio_transcript.delta``
        and ``response.output_audio.delta`` with ``audio`` in ``audio_chunk_bytes`` pieces --
        or ``response.output_text.delta`` with ``modality="text"``), then one
        ``function_call`` item per ``(name, arguments_json)``
        (``response.function_call_arguments.delta`` ... ``.done``); each item is closed
        (``*.done``, ``conversation.item.done``, ``response.output_item.done``) before the next
        starts, and ``response.done`` (status ``completed``, ``output`` = the items) ends it.

        ``complete=False`` stops before closing the last item: the response stays active,
        for barge-in tests; end it with ``finish_response()`` or a client ``response.cancel``.
        Raises ``RuntimeError`` unless a ``response.create`` is pending -- the fake never
        waits: ``await conn.receive("response.create")`` first -- or ``unprompted=True`` (a
        response the server starts by itself).
        """
        response_id, events = self.conversation.respond(
            text,
            audio,
            function_calls,
            complete=complete,
            unprompted=unprompted,
            modality=modality,
            audio_chunk_bytes=audio_chunk_bytes,
        )
        await self._send_batch(events)
        return response_id

    async def finish_response(
        self,
        status: Literal["completed", "cancelled", "incomplete", "failed"] = "completed",
        reason: str | None = None,
    ) -> str:
        """End the active response: open items closed, then ``response.done`` with ``status``."""
        response_id, events = self.conversation.finish_response(status, reason)
        await self._send_batch(events)
        return response_id

    async def error(
        self,
        code: str = "session_expired",
        message: str | None = None,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        client_event_id: str | None = None,
        close: bool = False,
        close_code: int = 1000,
    ) -> Event:
        """Send an ``error`` event of the server's own; with ``close``, then close the socket."""
        text = message or DEFAULT_ERROR_MESSAGES.get(code, f"Fake upstream error: {code}.")
        sent = await self.send(
            ev.error_event(
                code, text, error_type=error_type, param=param, client_event_id=client_event_id
            )
        )
        if close:
            await self.close(close_code)
        return sent

    async def drop(self) -> None:
        """Abort the TCP connection: no close frame; the peer sees the stream end."""
        transport = self._request.transport
        if transport is not None:
            transport.abort()
        await self.wait_closed()

    async def close(self, code: int = 1000, message: str = "") -> None:
        """Send a close frame with ``code``; returns once the socket has ended."""
        if self._close_task is None:
            self._close_task = asyncio.ensure_future(
                self._ws.close(code=code, message=message.encode())
            )
        with contextlib.suppress(Exception):
            await asyncio.shield(self._close_task)
        await self.wait_closed()

    async def wait_closed(self, timeout: float = 2.0) -> None:
        await asyncio.wait_for(self.closed.wait(), timeout)

    # --- sending

    async def _send_batch(self, events: list[Event]) -> list[Event]:
        """Send events in order, none interleaved with another batch; stamps ``event_id``
        in place (so the conversation's records show the ids that went out)."""
        for event in events:
            event.setdefault("event_id", self.new_id("event"))
        async with self._send_lock:
            for event in events:
                if self.mode == "script":
                    self.sent.append(event)
                    if event.get("type") == "error":
                        self.errors_sent.append(event)
                await self._write(json.dumps(event))
        return events

    async def _write(self, data: str | bytes) -> None:
        if self._ws.closed:
            raise FakeUpstreamClosed(f"connection {self.index} is closed")
        try:
            if isinstance(data, bytes):
                await self._ws.send_bytes(data)
            else:
                await self._ws.send_str(data)
        except (ConnectionError, RuntimeError) as exc:
            raise FakeUpstreamClosed(f"connection {self.index}: {exc}") from exc

    # --- handler side (the server's handler task only)

    async def run(self) -> None:
        """Greet, then read the socket until it ends."""
        try:
            with contextlib.suppress(FakeUpstreamClosed):
                await self.send({"type": "session.created", "session": self.session})
            if self.mode == "echo":
                await self._run_echo()
            else:
                await self._run_script()
        finally:
            if self._close_task is not None:
                with contextlib.suppress(Exception):
                    await self._close_task
            elif not self._ws.closed:
                with contextlib.suppress(Exception):
                    await self._ws.close()
            self.close_code = self._ws.close_code
            self._queue.put_nowait(_CLOSED)
            self.closed.set()

    def _record(self, event: Event) -> None:
        self.received.append(event)
        self._queue.put_nowait(event)

    async def _run_script(self) -> None:
        async for msg in self._ws:
            if msg.type is WSMsgType.TEXT:
                await self._on_frame(msg.data)
            elif msg.type is WSMsgType.BINARY:
                self.binary_frames_received += 1
                try:
                    text = msg.data.decode("utf-8")
                except UnicodeDecodeError:
                    await self._reject(None, Problem("invalid_json", "Binary frame is not JSON."))
                    continue
                await self._on_frame(text)

    async def _on_frame(self, data: str) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            await self._reject(None, Problem("invalid_json", "The frame is not valid JSON."))
            return
        if not isinstance(event, dict):
            await self._reject(None, Problem("invalid_json", "An event must be a JSON object."))
            return
        events, problem = self.conversation.handle(event)
        try:
            if problem is not None:
                await self._reject(event, problem)
            else:
                await self._send_batch(events)
        except FakeUpstreamClosed:
            pass
        finally:
            self._record(event)

    async def _reject(self, event: Event | None, problem: Problem) -> None:
        if problem.code not in HARMLESS_ERRORS:
            self.protocol_violations.append(problem.code)
        client_event_id = event.get("event_id") if event else None
        error = ev.error_event(
            problem.code,
            problem.message,
            param=problem.param,
            client_event_id=client_event_id if isinstance(client_event_id, str) else None,
        )
        with contextlib.suppress(FakeUpstreamClosed):
            await self.send(error)

    async def _run_echo(self) -> None:
        with contextlib.suppress(ConnectionError):  # the peer vanished mid-echo
            await self._echo_loop()

    async def _echo_loop(self) -> None:
        ws = self._ws
        dumps, loads = json.dumps, json.loads
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                try:
                    event = loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(event, dict):
                    continue
                if event.get("type") == "input_audio_buffer.append":
                    self.frames_echoed += 1
                    event_id = event.get("event_id")
                    echo = {
                        "type": "response.output_audio.delta",
                        "event_id": f"echo_{event_id}" if event_id else self.new_id("echo"),
                        "response_id": "resp_echo",
                        "item_id": "item_echo",
                        "output_index": 0,
                        "content_index": 0,
                        "delta": event.get("audio", ""),
                    }
                    await ws.send_str(dumps(echo))
                    continue
                if event.get("type") == "session.update" and isinstance(event.get("session"), dict):
                    await self._send_batch(self.conversation.update_session(event["session"]))
                self._record(event)
            elif msg.type is WSMsgType.BINARY:
                self.binary_frames_received += 1
                self.frames_echoed += 1
                await ws.send_bytes(msg.data)

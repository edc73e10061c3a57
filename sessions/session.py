"""Session: one front-end connection relayed to one upstream connection, driven by the turn
machine.

Only the handler's task reads the client socket (`run`); one task reads the upstream. The
machine's callbacks are synchronous, so what they want sent goes through a small outbox that
is flushed in order, right after the input that caused it or from a task for timer-driven
transitions.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from sessions.client_events import ClientEvent, binary_append, parse_client_text
from sessions.config import SessionConfig
from sessions.errors import ClientEventError, ErrorCode, error_text
from sessions.protocol import AUDIO_PLAYED
from sessions.recorder import Recorder
from sessions.response_gate import ResponseGate
from sessions.session_update import build_session_update, voice_update
from sessions.tool_calls import ToolCalls, ToolSpec, function_call_output
from sessions.upstream import UpstreamConnectError, connect_upstream
from sessions.upstream_events import AUDIO_DELTA, audio_delta_ms, error_code, function_calls
from sessions.upstream_events import read_event as read_upstream_event
from statemachine import Action, LoopClock, TimelineEntry, Transition, TurnMachine, TurnSettings

log = logging.getLogger(__name__)

CLOSE_POLICY = 1008
CLOSE_INTERNAL_ERROR = 1011
SIDE_CLOSE_TIMEOUT = 1.0


class Session:
    """A live relay session. Create it for an accepted client socket and `await run()`."""

    def __init__(
        self,
        session_id: str,
        config: SessionConfig,
        client: web.WebSocketResponse,
        http: aiohttp.ClientSession,
        tools: Mapping[str, ToolSpec] | None = None,
    ) -> None:
        self.id = session_id
        self._config = config
        self._client = client
        self._http = http
        self._tools = dict(tools or {})
        self._upstream: aiohttp.ClientWebSocketResponse | None = None
        self._machine: TurnMachine | None = None
        self._clock: LoopClock | None = None
        self._recorder: Recorder | None = None
        self._gate = ResponseGate()
        self._calls = ToolCalls(self._tools, config.tool_timeout, self._emit_client)
        self._outbox: collections.deque[tuple[bool, str]] = collections.deque()
        self._flushing = False
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._errors: collections.deque[float] = collections.deque()
        self._pending_calls: list[str] = []
        self._upstream_end_reported = False
        self._upstream_pump: asyncio.Task[None] | None = None
        self._upstream_ended = False

    # -- lifecycle ----------------------------------------------------------------------

    async def run(self) -> None:
        """Relay until either side closes; always cleans up."""
        try:
            try:
                self._upstream = await connect_upstream(
                    self._http, self._config.upstream, self._config.connect_timeout
                )
            except UpstreamConnectError as error:
                log.warning("session %s: upstream refused: %s", self.id, error.message)
                await self._send_client_now(
                    error_text(error.code, error.message, None, "server_error")
                )
                await self._client.close(code=error.close_code, message=error.code.encode())
                return
            self._start()
            await self._upstream.send_str(
                json.dumps(
                    build_session_update(self._config, [t.schema for t in self._tools.values()])
                )
            )
            self._upstream_pump = asyncio.create_task(self._pump_upstream())
            await self._pump_client()
        finally:
            # aiohttp may cancel the handler once the client is gone: cleanup must finish anyway.
            await asyncio.shield(asyncio.ensure_future(self._cleanup()))

    def _start(self) -> None:
        self._clock = LoopClock()
        turn_settings = TurnSettings(
            debounce_delay=self._config.debounce_delay,
            throttle_min_interval=self._config.throttle_min_interval,
        )
        if self._config.recordings_dir is not None:
            self._recorder = Recorder.open(
                self._config.recordings_dir, self.id, turn_settings, self._config.record_audio
            )
        self._machine = TurnMachine(
            turn_settings,
            self._clock,
            on_entry=self._on_entry,
            keep_timeline=False,
        )
        self._emit_client({"type": "botify.session", "session_id": self.id, "state": "idle"})

    async def _cleanup(self) -> None:
        if self._machine is not None:
            self._machine.close()
        self._calls.cancel_all()
        pump = self._upstream_pump
        if pump is not None and not self._upstream_ended:
            pump.cancel()  # else it is closing the client itself: let it finish
        for task in list(self._tasks):
            task.cancel()
        waiting = {*self._tasks, *([pump] if pump is not None else [])}
        if waiting:
            await asyncio.wait(waiting, timeout=SIDE_CLOSE_TIMEOUT)
        for ws in (self._upstream, self._client):
            if ws is not None and not ws.closed:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(SIDE_CLOSE_TIMEOUT):
                        await ws.close()
        if self._recorder is not None:
            self._recorder.close()

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _now(self) -> float:
        return self._clock.now() if self._clock is not None else 0.0

    # -- client -> upstream -------------------------------------------------------------

    async def _pump_client(self) -> None:
        async for message in self._client:
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await self._on_client_frame(message.data)
            elif message.type is WSMsgType.ERROR:
                log.info("session %s: client socket error: %s", self.id, self._client.exception())
                break
            if self._client.closed:
                break

    async def _on_client_frame(self, data: str | bytes) -> None:
        try:
            event: ClientEvent = (
                parse_client_text(data, self._config.max_frame_bytes)
                if isinstance(data, str)
                else binary_append(data, self._config.max_frame_bytes)
            )
        except ClientEventError as error:
            await self._refuse(error)
            return
        upstream = self._upstream
        assert upstream is not None
        if self._recorder is not None:
            self._recorder.meta(
                self._now(), "client", event.type, event.audio_bytes, event.event, event.audio_b64
            )
        if event.text is not None:
            if not upstream.closed:
                await upstream.send_str(event.text)
        elif event.type == "session.update":
            await self._change_voice(event.event["voice"], event.event.get("event_id"))
        elif event.type == AUDIO_PLAYED:
            self._gate.audio_played(event.event["item_id"], event.event["audio_end_ms"])

    async def _change_voice(self, voice: str, event_id: str | None) -> None:
        if self._gate.answered:
            await self._refuse(
                ClientEventError(
                    ErrorCode.VOICE_LOCKED,
                    "the voice can change only before the first answer",
                    event_id,
                )
            )
            return
        assert self._upstream is not None
        await self._upstream.send_str(json.dumps(voice_update(voice)))

    async def _refuse(self, error: ClientEventError) -> None:
        await self._send_client_now(error_text(error.code, error.message, error.event_id))
        now = time.monotonic()
        self._errors.append(now)
        while self._errors and self._errors[0] < now - self._config.abuse_window:
            self._errors.popleft()
        if len(self._errors) > self._config.abuse_errors:
            log.warning("session %s: closing after repeated invalid events", self.id)
            await self._send_client_now(
                error_text(
                    ErrorCode.TOO_MANY_ERRORS,
                    f"more than {self._config.abuse_errors} invalid events in "
                    f"{self._config.abuse_window:g} s; closing",
                )
            )
            await self._client.close(code=CLOSE_POLICY, message=b"too many invalid events")

    # -- upstream -> client -------------------------------------------------------------

    async def _pump_upstream(self) -> None:
        upstream = self._upstream
        assert upstream is not None
        close_reason = "closed the connection"
        try:
            async for message in upstream:
                if message.type is WSMsgType.TEXT:
                    await self._on_upstream_text(message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._client.send_bytes(message.data)
                elif message.type is WSMsgType.ERROR:
                    close_reason = f"failed ({type(upstream.exception()).__name__})"
                    break
        except (ConnectionResetError, aiohttp.ClientError) as error:
            close_reason = f"dropped ({type(error).__name__})"
        self._upstream_ended = True
        if self._client.closed:
            return
        if not self._upstream_end_reported:
            code = upstream.close_code
            await self._send_client_now(
                error_text(
                    ErrorCode.UPSTREAM_CLOSED,
                    f"the speech service {close_reason}"
                    + (f" (code {code})" if code is not None else ""),
                    None,
                    "server_error",
                )
            )
        log.info("session %s: upstream %s", self.id, close_reason)
        await self._client.close(code=CLOSE_INTERNAL_ERROR, message=b"upstream closed")

    async def _on_upstream_text(self, text: str) -> None:
        event_type, event = read_upstream_event(text)
        if event_type == AUDIO_DELTA and self._gate.tracking_audio:
            self._gate.audio_delta(audio_delta_ms(text))
        if self._recorder is not None:
            self._record_upstream(text, event_type, event)
        if event is None:
            await self._client.send_str(text)
            return
        if not self._swallow(event_type, event):
            await self._client.send_str(text)
        self._feed(event_type, event)
        await self._flush()

    def _record_upstream(self, text: str, event_type: str, event: dict[str, Any] | None) -> None:
        assert self._recorder is not None
        if event is None and self._recorder.records_audio:
            event = json.loads(text)  # flat deltas are parsed only when their audio is kept
        if event is None:
            self._recorder.meta(self._now(), "upstream", event_type, len(text))
            return
        audio = event.get("delta") if event_type == AUDIO_DELTA else None
        self._recorder.meta(
            self._now(),
            "upstream",
            event_type,
            len(text),
            event,
            audio if isinstance(audio, str) else None,
        )

    def _swallow(self, event_type: str, event: dict[str, Any]) -> bool:
        """Upstream noise the relay itself caused and the client should not see."""
        return event_type == "error" and error_code(event) == "response_cancel_not_active"

    def _feed(self, event_type: str, event: dict[str, Any]) -> None:
        """Upstream events that matter to the turn machine, the gate and the tools."""
        machine = self._machine
        assert machine is not None
        if event_type == "input_audio_buffer.speech_started":
            position = self._gate.barge_in_position() if machine.state == "responding" else None
            if position is None:
                machine.speech_started()
            else:
                machine.speech_started(item_id=position[0], audio_end_ms=position[1])
        elif event_type == "input_audio_buffer.speech_stopped":
            machine.speech_stopped()
        elif event_type == "response.output_item.added":
            item = event.get("item")
            if isinstance(item, dict) and item.get("type") == "message" and item.get("id"):
                self._gate.audio_item_started(str(item["id"]))
        elif event_type == "response.function_call_arguments.done":
            self._start_call(event)
        elif event_type == "response.done":
            calls = function_calls(event)
            for call in calls:
                self._start_call(call)
            self._pending_calls = [str(call["call_id"]) for call in calls]
            texts, stale = self._gate.response_done()
            for text in texts:
                self._post(True, text)
            if stale and machine.state == "responding":
                # The cancelled previous answer finished; the turn in progress is another one.
                log.debug("session %s: late response.done of a cancelled answer", self.id)
            else:
                machine.response_done(tool_calls=len(calls))
            self._pending_calls = []
        elif event_type == "error":
            code = error_code(event)
            if code == "session_expired":
                self._upstream_end_reported = True
            elif code == "conversation_already_has_active_response":
                log.error("session %s: upstream reports an overlapping response", self.id)

    def _start_call(self, call: dict[str, Any]) -> None:
        call_id, name = call.get("call_id"), call.get("name")
        if isinstance(call_id, str) and isinstance(name, str):
            arguments = call.get("arguments")
            self._calls.start(call_id, name, arguments if isinstance(arguments, str) else "")

    # -- the turn machine's output ------------------------------------------------------

    def _on_entry(self, entry: TimelineEntry) -> None:
        if self._recorder is not None:
            self._recorder.entry(entry)
        if isinstance(entry, Transition):
            self._emit_client(
                {
                    "type": "botify.state",
                    "state": entry.dest,
                    "previous": entry.source,
                    "trigger": entry.trigger,
                    "t": round(entry.t, 3),
                }
            )
        elif isinstance(entry, Action):
            if entry.follow_up:
                self._spawn(self._follow_up(list(self._pending_calls), entry, self._gate.turn))
            else:
                for text in self._gate.perform(entry):
                    self._post(True, text)

    async def _follow_up(self, call_ids: list[str], action: Action, turn: int) -> None:
        """Rule 5: send the tool outputs, then the follow-up response.create, unless the
        user barged in meanwhile (the turn is over or another one began)."""
        outcomes = await self._calls.outcomes(call_ids)
        for outcome in outcomes:
            self._post(True, function_call_output(outcome))
        machine = self._machine
        if (
            machine is not None
            and not machine.closed
            and machine.state == "responding"
            and self._gate.turn == turn
        ):
            for text in self._gate.perform(action):
                self._post(True, text)
        await self._flush()

    def _emit_client(self, event: dict[str, Any]) -> None:
        self._post(False, json.dumps(event))

    def _post(self, to_upstream: bool, text: str) -> None:
        """Queue a message; it goes out with the next flush (scheduled here if none runs)."""
        self._outbox.append((to_upstream, text))
        if not self._flushing and not self._flush_scheduled:
            self._flush_scheduled = True
            self._spawn(self._flush())

    async def _flush(self) -> None:
        """Send the outbox in order; one flusher at a time keeps the order."""
        self._flush_scheduled = False
        if self._flushing:
            return
        self._flushing = True
        try:
            while self._outbox:
                to_upstream, text = self._outbox.popleft()
                target: Any = self._upstream if to_upstream else self._client
                if target is None or target.closed:
                    continue
                with contextlib.suppress(ConnectionResetError):
                    await target.send_str(text)
        finally:
            self._flushing = False

    async def _send_client_now(self, text: str) -> None:
        await self._flush()
        if not self._client.closed:
            with contextlib.suppress(ConnectionResetError):
                await self._client.send_str(text)

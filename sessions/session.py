"""Session: one front-end connection relayed to one upstream connection, driven by the turn
machine.

Two readers, two writers, one machine:

- the client reader (`_read_client`, the handler's own task) and the upstream reader
  (`_read_upstream`, a task) only parse, validate, feed the turn machine and hand messages on;
- each socket has one writer, an :class:`~sessions.outlet.Outlet`: `self._up` for the upstream,
  `self._down` for the client. Handing a message to an outlet never waits on its peer, so a slow
  client cannot delay what the machine decides for the upstream, nor the other way round;
- the machine's callbacks (`_on_entry`) are synchronous and only post to the outlets.

Either side ending, or an outlet giving up on its peer, ends the session (`_end_*`), and
`_cleanup` closes both sockets within a second whatever state they are in.
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
from sessions.outlet import SEND_ERRORS, Outlet
from sessions.protocol import AUDIO_PLAYED
from sessions.recorder import Recorder
from sessions.session_update import build_session_update, voice_update
from sessions.tool_calls import ToolSpec
from sessions.turns import Turns, turn_settings
from sessions.upstream import UpstreamConnectError, connect_upstream, upstream_transport
from sessions.upstream_events import AUDIO_DELTA, audio_delta_ms, error_code
from sessions.upstream_events import read_event as read_upstream_event
from statemachine import LoopClock

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
        client_transport: asyncio.Transport | None = None,
    ) -> None:
        self.id = session_id
        self._config = config
        self._client = client
        self._client_transport = client_transport
        self._http = http
        self._tools = dict(tools or {})
        self._upstream: aiohttp.ClientWebSocketResponse | None = None
        self._clock: LoopClock | None = None
        self._recorder: Recorder | None = None
        self._down = Outlet(
            "client",
            client,
            client_transport,
            max_bytes=config.client_buffer_bytes,
            send_timeout=config.client_send_timeout,
            on_fault=self._client_fault,
        )
        self._up: Outlet | None = None
        self._turns: Turns | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._errors: collections.deque[float] = collections.deque()
        self._upstream_end_reported = False
        self._upstream_reader: asyncio.Task[None] | None = None
        self._ending = False  # the session is ending: the closer below is at work
        self._closer: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------

    async def run(self) -> None:
        """Relay until either side closes; always cleans up."""
        try:
            try:
                self._upstream = await connect_upstream(
                    self._http,
                    self._config.upstream,
                    self._config.connect_timeout,
                    self._config.heartbeat_interval,
                )
            except UpstreamConnectError as error:
                log.warning("session %s: upstream refused: %s", self.id, error.message)
                self._down.post(error_text(error.code, error.message, None, "server_error"))
                await self._close_client(error.close_code, error.code.encode())
                return
            self._start(self._upstream)
            self._upstream_reader = asyncio.create_task(self._read_upstream(self._upstream))
            await self._read_client()
        finally:
            # aiohttp may cancel the handler once the client is gone: cleanup must finish anyway.
            await asyncio.shield(asyncio.ensure_future(self._cleanup()))

    def _start(self, upstream: aiohttp.ClientWebSocketResponse) -> None:
        self._up = Outlet(
            "upstream",
            upstream,
            upstream_transport(upstream),
            max_bytes=self._config.client_buffer_bytes,
            send_timeout=self._config.client_send_timeout,
            on_fault=self._upstream_fault,
        )
        self._up.post(
            json.dumps(build_session_update(self._config, [t.schema for t in self._tools.values()]))
        )
        self._clock = LoopClock()
        if self._config.recordings_dir is not None:
            self._recorder = Recorder.open(
                self._config.recordings_dir,
                self.id,
                turn_settings(self._config),
                self._config.record_audio,
            )
        self._turns = Turns(
            self.id, self._config, self._tools, self._clock, self._up, self._down, self._recorder
        )
        self._down.post_json({"type": "botify.session", "session_id": self.id, "state": "idle"})

    async def _cleanup(self) -> None:
        if self._turns is not None:
            self._tasks |= self._turns.close()
        reader = self._upstream_reader
        if reader is not None:
            reader.cancel()
        for task in list(self._tasks):
            task.cancel()
        waiting = {*self._tasks, *(t for t in (reader, self._closer) if t is not None)}
        if waiting:
            await asyncio.wait(waiting, timeout=SIDE_CLOSE_TIMEOUT)
        if self._up is not None:
            self._up.close()
        if self._upstream is not None:
            await self._close_upstream()
        await self._close_client(CLOSE_INTERNAL_ERROR, b"session ended")
        self._down.close()
        outlet_tasks = [o.task for o in (self._up, self._down) if o is not None and o.task]
        if outlet_tasks:
            await asyncio.wait(outlet_tasks, timeout=SIDE_CLOSE_TIMEOUT)
        if self._recorder is not None:
            self._recorder.close()

    async def _close_upstream(self) -> None:
        upstream = self._upstream
        if upstream is None or upstream.closed:
            return
        try:
            async with asyncio.timeout(SIDE_CLOSE_TIMEOUT):
                await upstream.close()
        except (TimeoutError, *SEND_ERRORS):
            transport = upstream_transport(upstream)
            if transport is not None:
                transport.abort()

    async def _close_client(self, code: int, message: bytes) -> None:
        """Close the client socket within a second; a peer that does not take the close frame
        (or does not answer it) has its connection aborted."""
        if self._client.closed:
            return
        try:
            async with asyncio.timeout(SIDE_CLOSE_TIMEOUT):
                await self._down.flush(SIDE_CLOSE_TIMEOUT / 2)
                await self._client.close(code=code, message=message)
        except (TimeoutError, *SEND_ERRORS):
            if self._client_transport is not None:
                self._client_transport.abort()

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _now(self) -> float:
        return self._clock.now() if self._clock is not None else 0.0

    # -- endings ------------------------------------------------------------------------

    def _client_fault(self, reason: str) -> None:
        """The client does not keep up with what is sent to it: it is closed (1008)."""
        log.warning("session %s: client too slow: %s; closing", self.id, reason)
        self._end(self._close_slow_client(reason))

    async def _close_slow_client(self, reason: str) -> None:
        # Say why if the socket still takes a frame at all; the close follows regardless.
        error = error_text(ErrorCode.CLIENT_TOO_SLOW, f"the client {reason}", None, "server_error")
        with contextlib.suppress(TimeoutError, *SEND_ERRORS):
            async with asyncio.timeout(SIDE_CLOSE_TIMEOUT / 4):
                await self._client.send_str(error)
        await self._close_client(CLOSE_POLICY, b"client too slow")

    def _end(self, closing: Any) -> None:
        """Start closing the session (once): `closing` closes the sockets; cleanup waits
        for it rather than cancelling it."""
        if self._ending:
            closing.close()
            return
        self._ending = True
        self._closer = asyncio.create_task(closing)

    def _upstream_fault(self, reason: str) -> None:
        """The upstream does not take what the relay sends: end the session (1011)."""
        self._end_upstream(
            ErrorCode.UPSTREAM_UNRESPONSIVE,
            f"the speech service stopped accepting events: it {reason}",
        )

    def _end_upstream(self, code: ErrorCode, message: str) -> None:
        if self._ending:
            return
        log.warning("session %s: %s", self.id, message)
        if not self._upstream_end_reported:
            self._upstream_end_reported = True
            self._down.post(error_text(code, message, None, "server_error"))
        self._end(self._finish_upstream_gone())

    async def _finish_upstream_gone(self) -> None:
        if self._up is not None:
            self._up.close()
        await self._close_upstream()
        await self._close_client(CLOSE_INTERNAL_ERROR, b"upstream closed")

    # -- client -> upstream -------------------------------------------------------------

    async def _read_client(self) -> None:
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
            self._refuse(error)
            return
        up = self._up
        assert up is not None
        if self._recorder is not None:
            self._recorder.meta(
                self._now(), "client", event.type, event.audio_bytes, event.event, event.audio_b64
            )
        if event.text is not None:
            await up.send(event.text)
        elif event.type == "session.update":
            self._change_voice(event.event["voice"], event.event.get("event_id"))
        elif event.type == AUDIO_PLAYED:
            assert self._turns is not None
            self._turns.gate.audio_played(event.event["item_id"], event.event["audio_end_ms"])

    def _change_voice(self, voice: str, event_id: str | None) -> None:
        assert self._turns is not None
        if self._turns.gate.answered:
            self._refuse(
                ClientEventError(
                    ErrorCode.VOICE_LOCKED,
                    "the voice can change only before the first answer",
                    event_id,
                )
            )
            return
        assert self._up is not None
        self._up.post(json.dumps(voice_update(voice)))

    def _refuse(self, error: ClientEventError) -> None:
        self._down.post(error_text(error.code, error.message, error.event_id))
        now = time.monotonic()
        self._errors.append(now)
        while self._errors and self._errors[0] < now - self._config.abuse_window:
            self._errors.popleft()
        if len(self._errors) > self._config.abuse_errors and not self._ending:
            log.warning("session %s: closing after repeated invalid events", self.id)
            self._down.post(
                error_text(
                    ErrorCode.TOO_MANY_ERRORS,
                    f"more than {self._config.abuse_errors} invalid events in "
                    f"{self._config.abuse_window:g} s; closing",
                )
            )
            self._end(self._close_client(CLOSE_POLICY, b"too many invalid events"))

    # -- upstream -> client -------------------------------------------------------------

    async def _read_upstream(self, upstream: aiohttp.ClientWebSocketResponse) -> None:
        close_reason = "closed the connection"
        unresponsive = False
        try:
            async for message in upstream:
                if message.type is WSMsgType.TEXT:
                    await self._on_upstream_text(message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._down.send(message.data)
                elif message.type is WSMsgType.ERROR:
                    error = upstream.exception()
                    unresponsive = isinstance(error, aiohttp.ServerTimeoutError)
                    close_reason = f"failed ({type(error).__name__})"
                    break
        except (ConnectionResetError, aiohttp.ClientError) as error:
            close_reason = f"dropped ({type(error).__name__})"
        if self._client.closed or self._ending:
            return
        if unresponsive:
            interval = self._config.heartbeat_interval
            self._end_upstream(
                ErrorCode.UPSTREAM_UNRESPONSIVE,
                f"the speech service stopped answering pings (none within {interval / 2:g} s)",
            )
            return
        code = upstream.close_code
        self._end_upstream(
            ErrorCode.UPSTREAM_CLOSED,
            f"the speech service {close_reason}" + (f" (code {code})" if code is not None else ""),
        )

    async def _on_upstream_text(self, text: str) -> None:
        event_type, event = read_upstream_event(text)
        turns = self._turns
        assert turns is not None
        recorder = self._recorder
        if event_type == AUDIO_DELTA:
            gate = turns.gate
            if gate.cancel_pending:
                return  # the cancelled answer's last audio: the client must not play it
            if gate.tracking_audio:
                gate.audio_delta(audio_delta_ms(text))
            if recorder is not None:
                recorder.upstream(self._now(), text, event_type, event)
            await self._down.send(text, audio=True)
            return
        if recorder is not None:
            recorder.upstream(self._now(), text, event_type, event)
        if event is None:
            await self._down.send(text)
            return
        if event_type == "error":
            if error_code(event) == "session_expired":
                self._upstream_end_reported = True  # the client sees this error itself
            if not turns.error(event):
                await self._down.send(text)
            return
        await self._down.send(text)
        turns.feed(event_type, event)

"""Outlet: the one writer of a WebSocket, so that reading never waits on writing.

A reader hands each message to the outlet of the other leg. When nothing is queued and the
socket's transport can take the frame without pausing, `send` writes it at once (aiohttp's
writer suspends only on a paused transport, so this never waits). Otherwise the message joins
a queue bounded in bytes that the outlet's own task drains, each write limited by
`send_timeout`. A peer that lets the queue overflow, or that does not take a write in time, is
reported once through `on_fault`; the outlet then drops everything given to it.

Urgent messages (`response.cancel`, truncation) go ahead of queued ones. Queued assistant audio
can be dropped (`drop_audio`) when its answer is cancelled.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

# What a failed write raises: the peer went away, or the socket is closing.
SEND_ERRORS = (ConnectionError, aiohttp.ClientError, RuntimeError)
_FRAME_OVERHEAD = 16  # WebSocket header and mask, at most

Fault = Callable[[str], None]


class Outlet:
    """The writer of one socket (`ws`: aiohttp's server or client WebSocket)."""

    def __init__(
        self,
        name: str,
        ws: Any,
        transport: asyncio.WriteTransport | None,
        *,
        max_bytes: int,
        send_timeout: float,
        on_fault: Fault,
    ) -> None:
        self.name = name
        self._ws = ws
        self._transport = transport
        self._high = transport.get_write_buffer_limits()[1] if transport is not None else 0
        self._max_bytes = max_bytes
        self._send_timeout = send_timeout
        self._on_fault = on_fault
        self._queue: collections.deque[tuple[str | bytes, bool]] = collections.deque()
        self._urgent: collections.deque[str] = collections.deque()
        self.queued_bytes = 0
        self.fault: str | None = None
        self._busy = False  # the task is between taking a message and having written it
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    # -- giving it messages (never waits) -----------------------------------------------

    async def send(self, data: str | bytes, audio: bool = False) -> None:
        """Write now if that cannot wait, else queue. Awaiting this never suspends on the
        peer: it only completes a write the transport has room for."""
        if self._queue or self._urgent or self._busy or self.fault is not None:
            self.post(data, audio)
            return
        transport = self._transport
        if transport is None or (
            transport.get_write_buffer_size() + len(data) + _FRAME_OVERHEAD > self._high
        ):
            self.post(data, audio)
            return
        try:
            if isinstance(data, str):
                await self._ws.send_str(data)
            else:
                await self._ws.send_bytes(data)
        except SEND_ERRORS as error:
            self._fail(f"write failed ({type(error).__name__})")

    def post(self, data: str | bytes, audio: bool = False) -> None:
        """Queue a message behind the others (from synchronous code, e.g. the turn machine)."""
        if self.fault is not None:
            return
        self._queue.append((data, audio))
        self.queued_bytes += len(data)
        if self.queued_bytes > self._max_bytes:
            self._fail(f"more than {self._max_bytes} bytes waiting to be written")
            return
        self._kick()

    def post_json(self, event: dict[str, Any]) -> None:
        self.post(json.dumps(event))

    def post_urgent(self, text: str) -> None:
        """Queue a control message ahead of everything not yet written."""
        if self.fault is not None:
            return
        self._urgent.append(text)
        self._kick()

    def drop_audio(self) -> int:
        """Forget the queued assistant audio (its answer was cancelled); returns the bytes."""
        if not self._queue:
            return 0
        kept = collections.deque(item for item in self._queue if not item[1])
        dropped = self.queued_bytes - sum(len(data) for data, _ in kept)
        self._queue = kept
        self.queued_bytes -= dropped
        return dropped

    # -- draining -----------------------------------------------------------------------

    async def flush(self, timeout: float) -> bool:
        """Wait until everything queued is written (at most `timeout`); True when it was."""
        if self._idle.is_set() and not self._queue and not self._urgent:
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
                return True
        return False

    def close(self) -> None:
        """Stop the writer task; whatever is still queued is dropped."""
        self._queue.clear()
        self._urgent.clear()
        self.queued_bytes = 0
        if self._task is not None:
            self._task.cancel()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"outlet-{self.name}")

    def _fail(self, reason: str) -> None:
        if self.fault is not None:
            return
        self.fault = reason
        self._queue.clear()
        self._urgent.clear()
        self.queued_bytes = 0
        self._idle.set()
        self._on_fault(reason)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.fault is None and (self._urgent or self._queue):
                if self._urgent:
                    data: str | bytes = self._urgent.popleft()
                else:
                    data, _ = self._queue.popleft()
                    self.queued_bytes -= len(data)
                self._busy = True
                try:
                    async with asyncio.timeout(self._send_timeout):
                        if isinstance(data, str):
                            await self._ws.send_str(data)
                        else:
                            await self._ws.send_bytes(data)
                except TimeoutError:
                    self._fail(f"did not accept a write within {self._send_timeout:g} s")
                except SEND_ERRORS as error:
                    self._fail(f"write failed ({type(error).__name__})")
                finally:
                    self._busy = False
            if not self._queue and not self._urgent:
                self._idle.set()

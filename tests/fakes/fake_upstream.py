"""A fake Azure OpenAI Realtime / Azure Voice Live upstream speaking the GA protocol.

A real aiohttp WebSocket server on 127.0.0.1 (a free port by default), for the relay's tests
(reached through the real connector) and for its benchmark::

    async with FakeUpstream() as up:                 # or the ``fake_upstream`` fixture
        connect_relay_to(up.base_url)                # "http://127.0.0.1:PORT"
        conn = await up.next_connection()
        update = await conn.receive("session.update")
        await conn.speech_started(audio_start_ms=0)
        await conn.speech_stopped(audio_end_ms=900)
        await conn.user_turn(transcript="When do you open?")
        await conn.receive("response.create")
        await conn.respond(text="At nine.", audio=pcm16_bytes)
        assert conn.protocol_violations == []

Any path is accepted and recorded (``/openai/v1/realtime?model=…``,
``/voice-live/realtime?api-version=…&model=…``, whatever the SDK builds).

Handshake: ``handshake_status`` (401, 403, 404, 429, …) refuses the upgrade with that status
and Azure's JSON error body (429 adds ``Retry-After: 1``); ``handshake_delay`` holds the upgrade
that many seconds first (for connect-timeout tests). Both are plain attributes, changeable
between attempts; every upgrade request, refused or not, is kept in ``attempts``. For
"connection refused" use ``free_closed_port()``. permessage-deflate is accepted like a real
server would (``accept_deflate``); ``conn.extensions_offered`` shows what the client offered.

Mode "script" (default), automatic behaviour per connection:

- sends ``session.created`` (the GA default session) on connect;
- checks every client event against the openai GA models like the service does: unknown
  type, wrong field type -> ``invalid_value``; missing field -> ``missing_required_parameter``;
  undeclared field (e.g. the seed's ``data`` or beta-era session fields) ->
  ``unknown_parameter``. Voice Live (path ``/voice-live…``) ``session.update`` bodies are not
  checked beyond being an object, because Azure's extensions fail the openai models;
- ``session.update`` -> ``session.updated`` echoing the merged session (``conn.session``);
- ``input_audio_buffer.append``: base64 checked (``invalid_value``), decoded bytes counted in
  ``conn.audio_bytes_received``; ``.commit`` (needs >= 100 ms, else
  ``input_audio_buffer_commit_empty``) -> committed + ``conversation.item.added/done``;
  ``.clear`` -> ``input_audio_buffer.cleared``;
- ``conversation.item.create`` -> ``conversation.item.added`` + ``conversation.item.done``
  (a ``function_call_output`` must name a ``call_id`` the fake emitted); ``.retrieve`` ->
  ``.retrieved``; ``.delete`` -> ``.deleted``; ``.truncate`` -> ``conversation.item.truncated``,
  or ``invalid_value`` when ``audio_end_ms`` exceeds the audio sent in that item (48 bytes/ms);
- ``response.create`` makes a response pending/active (the test streams it with
  ``conn.respond``); another ``response.create`` while one is active (no ``response.done`` yet)
  -> ``conversation_already_has_active_response``;
- ``response.cancel`` with an active response -> its open items closed as ``incomplete`` and
  ``response.done`` with status ``cancelled`` (reason ``client_cancelled``); without one ->
  ``response_cancel_not_active``;
- VAD is scripted (``conn.speech_started/speech_stopped/user_turn``): the fake never starts or
  cancels a response by itself, whatever ``turn_detection.create_response`` /
  ``interrupt_response`` say -- assert those on ``conn.session`` instead;
- BINARY frames are read as UTF-8 JSON text (what the SDK's ``send_raw(bytes)`` sends); other
  bytes -> ``invalid_json``. Every error has ``error.event_id`` = the client event's id.

Every error the fake answers to a client event is appended (its code) to
``conn.protocol_violations``, except the harmless ``response_cancel_not_active``; so a relay
test asserts ``conn.protocol_violations == []``. Errors are also in ``conn.errors_sent``, every
event sent in ``conn.sent``, every client event in ``conn.received``.

Mode "echo" (benchmarks; minimal work per frame): sends ``session.created``, answers
``session.update`` with ``session.updated``; answers every ``input_audio_buffer.append`` with
one ``response.output_audio.delta`` whose ``delta`` is the same base64 string and whose
``event_id`` is ``echo_{client event_id}`` (``response_id`` ``resp_echo``, ``item_id``
``item_echo``); echoes BINARY frames back as BINARY. Nothing is validated; appends are neither
kept nor queued (other client events are), ``conn.frames_echoed`` counts echoes.

Standalone: ``python -m tests.fakes.fake_upstream --port 8765 --mode echo`` serves until
Ctrl-C / SIGTERM and prints ``fake upstream (echo) listening on http://127.0.0.1:8765``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web
from multidict import CIMultiDict

from tests.fakes.fake_connection import FakeUpstreamClosed, FakeUpstreamConnection, Mode
from tests.fakes.fake_response import FakeResponse
from tests.fakes.ga_events import handshake_error_body

__all__ = [
    "FakeResponse",
    "FakeUpstream",
    "FakeUpstreamClosed",
    "FakeUpstreamConnection",
    "HandshakeAttempt",
    "free_closed_port",
    "main",
]

MAX_MSG_SIZE = 16 * 1024 * 1024  # the service accepts appends up to 15 MiB


def free_closed_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` with nothing listening (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class HandshakeAttempt:
    """One upgrade request as the fake saw it; ``status`` None when it was accepted."""

    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    status: int | None


class FakeUpstream:
    """The fake server; an async context manager (``start()`` / ``stop()`` also work)."""

    def __init__(
        self,
        handshake_status: int | None = None,
        handshake_delay: float = 0.0,
        mode: Mode = "script",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        accept_deflate: bool = True,
        session_lifetime_s: int = 1800,
    ) -> None:
        if mode not in ("script", "echo"):
            raise ValueError(f"mode must be 'script' or 'echo', not {mode!r}")
        self.handshake_status = handshake_status
        self.handshake_delay = handshake_delay
        self.mode: Mode = mode
        self.host = host
        self.port = port
        self.accept_deflate = accept_deflate
        self.session_lifetime_s = session_lifetime_s
        self.connections: list[FakeUpstreamConnection] = []
        self.attempts: list[HandshakeAttempt] = []
        self._new_connections: asyncio.Queue[FakeUpstreamConnection] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the relay maps http to ws)."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT``, for clients that want the WebSocket scheme."""
        return f"ws://{self.host}:{self.port}"

    async def next_connection(self, timeout: float = 2.0) -> FakeUpstreamConnection:
        """The next accepted connection (in order), waiting up to ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self._new_connections.get(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no new upstream connection within {timeout}s "
                f"({len(self.connections)} so far, {len(self.attempts)} attempts)"
            ) from None

    async def start(self) -> FakeUpstream:
        app = web.Application(client_max_size=MAX_MSG_SIZE)
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock, backlog=2048)
        await site.start()
        self._runner = runner
        return self

    async def stop(self) -> None:
        """Close every open connection with 1001 (GOING_AWAY), then stop listening."""
        self._stopping.set()
        await asyncio.gather(
            *(self._shut(conn) for conn in self.connections if not conn.closed.is_set())
        )
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeUpstream:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @staticmethod
    async def _shut(conn: FakeUpstreamConnection) -> None:
        try:
            await asyncio.wait_for(conn.close(1001), 1.0)
        except (TimeoutError, FakeUpstreamClosed):
            with contextlib.suppress(TimeoutError):
                await conn.drop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        status = self.handshake_status
        if self.handshake_delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.handshake_delay)
            status = self.handshake_status
        if self._stopping.is_set():
            status = 503
        self.attempts.append(
            HandshakeAttempt(
                request.path, dict(request.query), CIMultiDict(request.headers), status
            )
        )
        if status is not None:
            headers = {"Retry-After": "1"} if status == 429 else None
            return web.json_response(handshake_error_body(status), status=status, headers=headers)
        ws = web.WebSocketResponse(
            compress=self.accept_deflate, max_msg_size=MAX_MSG_SIZE, timeout=2.0
        )
        if not ws.can_prepare(request).ok:
            return web.json_response(
                {"error": {"code": "400", "message": "Expected a WebSocket upgrade."}}, status=400
            )
        transport = request.transport
        if transport is None or transport.is_closing():
            return ws  # the client gave up while the handshake was held
        await ws.prepare(request)
        conn = FakeUpstreamConnection(
            index=len(self.connections) + 1,
            request=request,
            ws=ws,
            mode=self.mode,
            session_lifetime_s=self.session_lifetime_s,
        )
        self.connections.append(conn)
        self._new_connections.put_nowait(conn)
        await conn.run()
        return ws


async def _serve(args: argparse.Namespace) -> None:
    up = FakeUpstream(
        handshake_status=args.handshake_status,
        mode=args.mode,
        host=args.host,
        port=args.port,
        accept_deflate=not args.no_deflate,
    )
    async with up:
        print(f"fake upstream ({up.mode}) listening on {up.base_url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print(f"fake upstream stopping after {len(up.connections)} connections", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.fake_upstream",
        description="Fake Azure OpenAI Realtime / Voice Live GA upstream (runs until Ctrl-C).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--mode", choices=("script", "echo"), default="echo")
    parser.add_argument(
        "--handshake-status",
        type=int,
        default=None,
        help="refuse every upgrade with this HTTP status",
    )
    parser.add_argument(
        "--no-deflate", action="store_true", help="refuse permessage-deflate even when offered"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

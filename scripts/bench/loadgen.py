"""The load generator: a worker process driven by `scripts/bench_relay.py`.

It reads one JSON command a line on stdin and answers one JSON line on stdout:

- ``{"cmd": "connect", "url": …, "sessions": N}`` opens N WebSockets (no permessage-deflate);
- ``{"cmd": "stream", "start": T0, "stop": T1, "window": [W0, W1], "chunk_ms": 20, "grace": 2}``
  makes every session send ``input_audio_buffer.append`` events of ``chunk_ms`` of pcm16 24 kHz
  at real-time pace on its own schedule of absolute deadlines ``T0 + phase + k * chunk`` (times
  are ``time.monotonic()``, the same clock in every process), from T0 until T1; then it waits up
  to ``grace`` seconds for the last echoes and reports: frames sent and echoed back, the round
  trips (send -> matching ``echo_{event_id}`` received) of the frames sent inside the window,
  the echoes received inside the window, and how late the sends were against their deadlines;
- ``{"cmd": "close"}`` closes every session; ``{"cmd": "exit"}`` ends the worker.

It stops by itself when its stdin closes (the benchmark is gone).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
import sys
import time
from typing import Any

import aiohttp
from aiohttp import WSMsgType

ECHO_MARK = '"event_id": "echo_f'
# Appends are written as the openai SDK writes them: type, audio, then event_id.
SUFFIX = '"}'
BYTES_PER_MS = 48  # pcm16, 24 kHz, mono
MAX_SAMPLES_ERRORS = 5


class Run:
    """What one stream command measures, shared by the worker's sessions."""

    def __init__(self, window: tuple[float, float]) -> None:
        self.w0, self.w1 = window
        self.sent = 0
        self.echoed = 0
        self.echoed_in_window = 0
        self.duplicates = 0
        self.rtt: list[float] = []  # seconds, frames sent inside the window
        self.late: list[float] = []  # seconds, sends inside the window
        self.errors = 0
        self.error_samples: list[str] = []
        self.send_failures = 0


class Session:
    """One client WebSocket: a reader task always running, a sender per stream command."""

    __slots__ = ("base", "echoed", "run", "sent_at", "ws")

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.sent_at: list[float] = []  # by sequence number, across runs
        self.echoed = bytearray()
        self.base = 0  # first sequence number of the current run
        self.run: Run | None = None

    async def read(self) -> None:
        ws, mark, skip = self.ws, ECHO_MARK, len(ECHO_MARK)
        monotonic = time.monotonic
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            data: str = message.data
            now = monotonic()
            run = self.run
            if run is None:
                continue
            at = data.find(mark, 0, 200)
            if at < 0:
                if data.startswith('{"type": "error"') or '"type":"error"' in data[:20]:
                    run.errors += 1
                    if len(run.error_samples) < MAX_SAMPLES_ERRORS:
                        run.error_samples.append(data[:300])
                continue
            end = data.find('"', at + skip)
            seq = int(data[at + skip : end])
            if seq < self.base or seq >= len(self.sent_at):
                continue  # a late echo of an earlier run
            if self.echoed[seq]:
                run.duplicates += 1
                continue
            self.echoed[seq] = 1
            run.echoed += 1
            if run.w0 <= now < run.w1:
                run.echoed_in_window += 1
            sent = self.sent_at[seq]
            if run.w0 <= sent < run.w1:
                run.rtt.append(now - sent)

    async def stream(self, run: Run, first: float, period: float, stop: float, head: str) -> None:
        loop = asyncio.get_running_loop()
        monotonic = time.monotonic
        ws, sent_at, echoed = self.ws, self.sent_at, self.echoed
        deadline = first
        k = 0
        while deadline < stop:
            delay = deadline - monotonic()
            if delay > 0:
                future: asyncio.Future[None] = loop.create_future()
                handle = loop.call_at(deadline, future.set_result, None)
                try:
                    await future
                finally:
                    handle.cancel()
            now = monotonic()
            if now >= stop + period:
                break  # too far behind: the run is over
            seq = len(sent_at)
            sent_at.append(now)
            echoed.append(0)
            if run.w0 <= now < run.w1:
                run.late.append(now - deadline)
            try:
                await ws.send_str(head + str(seq) + SUFFIX)
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                sent_at.pop()
                echoed.pop()
                run.send_failures += 1
                return
            run.sent += 1
            k += 1
            deadline = first + k * period


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.http: aiohttp.ClientSession | None = None
        self.sessions: list[Session] = []
        self.readers: list[asyncio.Task[None]] = []

    async def connect(
        self, url: str, count: int, concurrency: int, timeout: float
    ) -> dict[str, Any]:
        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        http = self.http
        gate = asyncio.Semaphore(concurrency)
        errors: list[str] = []
        started = time.monotonic()

        async def one() -> None:
            async with gate:
                try:
                    async with asyncio.timeout(timeout):
                        ws = await http.ws_connect(url, compress=0, autoping=True, max_msg_size=0)
                except (aiohttp.ClientError, OSError, TimeoutError) as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    return
            session = Session(ws)
            self.sessions.append(session)
            self.readers.append(asyncio.create_task(session.read()))

        await asyncio.gather(*(one() for _ in range(count)))
        return {
            "connected": len(self.sessions),
            "failed": len(errors),
            "errors": errors[:MAX_SAMPLES_ERRORS],
            "seconds": time.monotonic() - started,
        }

    async def stream(self, command: dict[str, Any]) -> dict[str, Any]:
        start, stop, grace = command["start"], command["stop"], command["grace"]
        chunk_ms = int(command["chunk_ms"])
        period = chunk_ms / 1000
        rng = random.Random(1000 + self.index)
        audio = base64.b64encode(rng.randbytes(chunk_ms * BYTES_PER_MS)).decode("ascii")
        head = '{"type": "input_audio_buffer.append", "audio": "' + audio + '", "event_id": "f'
        run = Run((command["window"][0], command["window"][1]))
        live = [s for s in self.sessions if not s.ws.closed]
        for session in live:
            session.base = len(session.sent_at)
            session.run = run
        senders = [
            asyncio.create_task(
                session.stream(run, start + rng.random() * period, period, stop, head)
            )
            for session in live
        ]
        await asyncio.gather(*senders)
        deadline = max(stop, time.monotonic()) + grace
        while run.echoed < run.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for session in live:
            session.run = None
        return {
            "sessions": len(live),
            "sent": run.sent,
            "echoed": run.echoed,
            "echoed_in_window": run.echoed_in_window,
            "duplicates": run.duplicates,
            "send_failures": run.send_failures,
            "closed_sessions": sum(1 for s in live if s.ws.closed),
            "errors": run.errors,
            "error_samples": run.error_samples,
            "rtt_ms": [round(x * 1000, 3) for x in run.rtt],
            "late_ms": [round(x * 1000, 3) for x in run.late],
        }

    async def close(self) -> dict[str, Any]:
        async def one(session: Session) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.ws.close(), 5.0)

        await asyncio.gather(*(one(s) for s in self.sessions))
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        closed = len(self.sessions)
        self.sessions, self.readers = [], []
        return {"closed": closed}

    async def shutdown(self) -> None:
        await self.close()
        if self.http is not None:
            await self.http.close()


async def serve(index: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker(index)

    def reply(answer: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    try:
        while True:
            line = await reader.readline()
            if not line:
                break  # the benchmark is gone
            command = json.loads(line)
            cmd = command["cmd"]
            try:
                if cmd == "connect":
                    reply(
                        await worker.connect(
                            command["url"],
                            int(command["sessions"]),
                            int(command.get("concurrency", 64)),
                            float(command.get("timeout", 20.0)),
                        )
                    )
                elif cmd == "stream":
                    reply(await worker.stream(command))
                elif cmd == "close":
                    reply(await worker.close())
                elif cmd == "exit":
                    reply({"bye": True})
                    break
                else:
                    reply({"error": f"unknown command {cmd!r}"})
            except Exception as error:  # report, keep serving: the benchmark decides
                reply({"error": f"{type(error).__name__}: {error}"})
    finally:
        await worker.shutdown()


def main() -> None:
    index = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(index))


if __name__ == "__main__":
    main()

"""A fake GA Realtime upstream that makes turns happen, for the debounce timing benchmark.

Per connection it echoes every ``input_audio_buffer.append`` like the echo fake of
``tests/fakes`` (one ``response.output_audio.delta`` with the same base64 and event_id
``echo_{event_id}``), and meanwhile plays a user who speaks in bursts: after a random silence it
sends ``input_audio_buffer.speech_started``, after a random speech time
``input_audio_buffer.speech_stopped``, again and again. Each ``response.create`` is answered at
once with a minimal ``response.created`` and ``response.done`` (status completed, no output); a
``response.cancel`` gets ``response_cancel_not_active`` (nothing is ever still running).

On SIGTERM it writes ``--stats FILE`` (JSON): per connection its accept time and, for each
``response.create`` it received, how late it came against the due time computed from when the
fake *sent* the speech_stopped (rule 2 of TURN_RULES.md with ``--debounce``/``--throttle``):
``max(stop_sent + D, previous_due + T)``. That error includes both network hops; the relay's own
timer error is read from its recordings instead. Times are ``time.monotonic()``.

    python -m scripts.bench.turn_upstream --port 8765 --debounce 0.2 --throttle 0.5 --stats s.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import signal
import time
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

MAX_MSG_SIZE = 16 * 1024 * 1024
PCM = {"type": "audio/pcm", "rate": 24000}


def _response(response_id: str, status: str) -> dict[str, Any]:
    """A ``realtime.response`` object (the GA shape, as in tests/fakes/ga_events.py)."""
    return {
        "id": response_id,
        "object": "realtime.response",
        "status": status,
        "status_details": None,
        "output": [],
        "conversation_id": "conv_bench",
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": {"output": {"format": dict(PCM), "voice": "alloy"}},
        "usage": None,
        "metadata": None,
    }


class Connection:
    """One accepted WebSocket: echo, a scripted talker, and the times it saw."""

    def __init__(self, index: int, ws: web.WebSocketResponse, options: argparse.Namespace) -> None:
        self.index = index
        self.ws = ws
        self.options = options
        self.accepted = time.monotonic()
        self.rng = random.Random(index)
        self.ids = itertools.count(1)
        self.starts: list[float] = []
        self.stops: list[float] = []
        self.creates: list[float] = []

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{self.index}_{next(self.ids)}"

    async def send(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", self.new_id("event"))
        await self.ws.send_str(json.dumps(event))

    async def talk(self) -> None:
        """Speech bursts until the socket closes."""
        options, rng = self.options, self.rng
        await asyncio.sleep(options.first_speech + rng.random() * 0.5)
        audio_ms = 0
        while not self.ws.closed:
            item_id = self.new_id("item")
            self.starts.append(time.monotonic())
            await self.send(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": audio_ms,
                    "item_id": item_id,
                }
            )
            speech = rng.uniform(options.speech_min, options.speech_max)
            await asyncio.sleep(speech)
            audio_ms += int(speech * 1000)
            self.stops.append(time.monotonic())
            await self.send(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": audio_ms,
                    "item_id": item_id,
                }
            )
            silence = rng.uniform(options.silence_min, options.silence_max)
            await asyncio.sleep(silence)
            audio_ms += int(silence * 1000)

    async def run(self) -> None:
        await self.send(
            {
                "type": "session.created",
                "session": {"type": "realtime", "object": "realtime.session", "id": "sess"},
            }
        )
        talker = asyncio.create_task(self.talk())
        try:
            await self._serve()
        finally:
            talker.cancel()
            with contextlib.suppress(BaseException):
                await talker

    async def _serve(self) -> None:
        ws = self.ws
        loads, dumps = json.loads, json.dumps
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                event = loads(message.data)
            except ValueError:
                continue
            kind = event.get("type") if isinstance(event, dict) else None
            if kind == "input_audio_buffer.append":
                echo = {
                    "type": "response.output_audio.delta",
                    "event_id": f"echo_{event.get('event_id')}",
                    "response_id": "resp_echo",
                    "item_id": "item_echo",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": event.get("audio", ""),
                }
                await ws.send_str(dumps(echo))
            elif kind == "response.create":
                self.creates.append(time.monotonic())
                response_id = self.new_id("resp")
                await self.send(
                    {"type": "response.created", "response": _response(response_id, "in_progress")}
                )
                await self.send(
                    {"type": "response.done", "response": _response(response_id, "completed")}
                )
            elif kind == "response.cancel":
                await self.send(
                    {
                        "type": "error",
                        "error": {
                            "type": "invalid_request_error",
                            "code": "response_cancel_not_active",
                            "message": "Cancellation failed: no active response found",
                            "param": None,
                            "event_id": event.get("event_id"),
                        },
                    }
                )
            elif kind == "session.update":
                await self.send({"type": "session.updated", "session": event.get("session")})

    def lateness(self) -> list[float]:
        """Seconds each response.create came after its due time (as seen from here)."""
        d, t = self.options.debounce, self.options.throttle
        stops = iter(self.stops)
        last_stop: float | None = None
        next_stop = next(stops, None)
        previous_due = float("-inf")
        late: list[float] = []
        for created in self.creates:
            while next_stop is not None and next_stop <= created:
                last_stop, next_stop = next_stop, next(stops, None)
            if last_stop is None:
                continue
            due = max(last_stop + d, previous_due + t)
            late.append(created - due)
            previous_due = due
        return late


async def serve(options: argparse.Namespace) -> None:
    connections: list[Connection] = []

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=MAX_MSG_SIZE)
        await ws.prepare(request)
        connection = Connection(len(connections) + 1, ws, options)
        connections.append(connection)
        await connection.run()
        return ws

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", options.port, backlog=2048).start()
    print(f"turn upstream listening on http://127.0.0.1:{options.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if options.stats:
        stats = [
            {
                "accepted": c.accepted,
                "speech_stopped": len(c.stops),
                "creates": len(c.creates),
                "late_s": c.lateness(),
            }
            for c in connections
        ]
        Path(options.stats).write_text(json.dumps(stats))
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.turn_upstream")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--debounce", type=float, default=0.2, help="D of the relay, seconds")
    parser.add_argument("--throttle", type=float, default=0.5, help="T of the relay, seconds")
    parser.add_argument("--first-speech", type=float, default=0.3)
    parser.add_argument("--speech-min", type=float, default=0.1)
    parser.add_argument("--speech-max", type=float, default=0.5)
    parser.add_argument("--silence-min", type=float, default=0.1)
    parser.add_argument("--silence-max", type=float, default=0.8)
    parser.add_argument("--stats", help="write per-connection timing here on SIGTERM")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()

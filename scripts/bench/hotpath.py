"""Micro-benchmark of the relay's own per-frame work, without sockets: what `Session` does
with each client append and each upstream audio delta beyond forwarding the text.

    python -m scripts.bench.hotpath [--chunk-ms 20,100] [--number 20000]

Each line is the best of 5 repeats, in µs per call, on the same frames the benchmark sends
(the load generator's appends and the echo upstream's deltas). The `Session.*` lines drive the
real coroutines with stub sockets whose `send_str` does nothing, next to what a bare relay does
per frame (one `await send_str`), so their difference is the relay's Python work per frame.
The `recording:` lines are the same with a Recorder open (RECORDINGS_DIR set; the writes go
to a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import random
import shutil
import tempfile
import timeit
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from sessions.client_events import parse_client_text
from sessions.config import SessionConfig, UpstreamTarget
from sessions.recorder import Recorder
from sessions.response_gate import ResponseGate
from sessions.session import Session
from sessions.upstream_events import audio_delta_ms, read_event
from statemachine import TurnSettings

BYTES_PER_MS = 48


class StubSocket:
    """Enough of a WebSocket for the relay's send path: sending costs nothing."""

    closed = False

    async def send_str(self, data: str) -> None:
        return None


def drive(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine that never suspends, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the coroutine suspended")


def event_id_first(append: str) -> str:
    """The same append with its keys in another valid order (event_id before audio)."""
    event = json.loads(append)
    return json.dumps(
        {"type": event["type"], "event_id": event["event_id"], "audio": event["audio"]}
    )


def frames(chunk_ms: int) -> tuple[str, str, str]:
    audio = base64.b64encode(random.Random(1).randbytes(chunk_ms * BYTES_PER_MS)).decode()
    # As the load generator (and the openai SDK) writes it: type, audio, event_id.
    append = '{"type": "input_audio_buffer.append", "audio": "' + audio + '", "event_id": "f123"}'
    echo = json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "echo_f123",
            "response_id": "resp_echo",
            "item_id": "item_echo",
            "output_index": 0,
            "content_index": 0,
            "delta": audio,
        }
    )
    return append, echo, audio


def _session(stub_up: StubSocket, stub_client: StubSocket) -> Session:
    config = SessionConfig(upstream=UpstreamTarget(url="ws://127.0.0.1:9/bench"))
    session = Session("bench", config, stub_client, None, None)  # type: ignore[arg-type]
    session._upstream = stub_up  # type: ignore[assignment]
    return session


def measure(chunk_ms: int, number: int, folder: str) -> list[tuple[str, float]]:
    append, echo, audio = frames(chunk_ms)
    reordered = event_id_first(append)
    stub_up, stub_client = StubSocket(), StubSocket()
    session = _session(stub_up, stub_client)
    config = SessionConfig(upstream=UpstreamTarget(url="ws://127.0.0.1:9/bench"))
    recorded = _session(stub_up, stub_client)  # the same with RECORDINGS_DIR set
    recorded._recorder = Recorder.open(Path(folder), "bench", TurnSettings(1.5, 4.0), False)
    gate = ResponseGate()
    gate.audio_item_started("item_echo")
    limit = config.max_frame_bytes
    cases: list[tuple[str, Callable[[], object]]] = [
        ("client: parse_client_text (all validation)", lambda: parse_client_text(append, limit)),
        (
            "client: parse_client_text, event_id before audio",
            lambda: parse_client_text(reordered, limit),
        ),
        ("client:   json.loads of the frame", lambda: json.loads(append)),
        (
            "client:   a2b_base64(strict) of the audio",
            lambda: binascii.a2b_base64(audio, strict_mode=True),
        ),
        ("client: Session._on_client_frame", lambda: drive(session._on_client_frame(append))),
        ("client: bare: await send_str", lambda: drive(stub_up.send_str(append))),
        ("upstream: read_event (type peek)", lambda: read_event(echo)),
        ("upstream: audio_delta_ms", lambda: audio_delta_ms(echo)),
        ("upstream: ResponseGate.audio_delta", lambda: gate.audio_delta(26.7)),
        ("upstream: Session._on_upstream_text", lambda: drive(session._on_upstream_text(echo))),
        ("upstream: bare: await send_str", lambda: drive(stub_client.send_str(echo))),
        (
            "recording: Session._on_client_frame",
            lambda: drive(recorded._on_client_frame(append)),
        ),
        (
            "recording: Session._on_upstream_text",
            lambda: drive(recorded._on_upstream_text(echo)),
        ),
    ]
    results = []
    for name, case in cases:
        best = min(timeit.repeat(case, number=number, repeat=5)) / number
        results.append((name, best * 1e6))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.hotpath")
    parser.add_argument("--chunk-ms", default="20,100")
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    asyncio.set_event_loop(asyncio.new_event_loop())  # Session creates an asyncio.Event
    folder = tempfile.mkdtemp(prefix="hotpath-")
    for chunk in (int(c) for c in args.chunk_ms.split(",")):
        print(f"{chunk} ms frames ({chunk * BYTES_PER_MS} bytes of audio):")
        results = dict(measure(chunk, args.number, folder))
        for name, us in results.items():
            print(f"  {us:8.2f} µs  {name}")
        extra = (
            results["client: Session._on_client_frame"]
            - results["client: bare: await send_str"]
            + results["upstream: Session._on_upstream_text"]
            - results["upstream: bare: await send_str"]
        )
        print(f"  {extra:8.2f} µs  relay's own Python work per echoed frame (both directions)")
        recording = (
            results["recording: Session._on_client_frame"]
            - results["client: Session._on_client_frame"]
            + results["recording: Session._on_upstream_text"]
            - results["upstream: Session._on_upstream_text"]
        )
        print(f"  {recording:8.2f} µs  added per echoed frame by RECORDINGS_DIR (meta lines)")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

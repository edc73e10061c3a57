"""The client's turn logic against small in-process WebSocket servers: each way a run ends
maps to its exit code, and the audio goes out as `data` appends at real-time pace."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from scripts.client.audio import BYTES_PER_MS, silence
from scripts.client.render import Printer
from scripts.client.session import ClientOptions, ExitCode, RunResult, run_turn

Behaviour = Callable[[web.WebSocketResponse, list[dict[str, Any]]], Awaitable[None]]
TWO_CHUNKS = silence(200)


async def serve(behaviour: Behaviour) -> tuple[TestServer, list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await behaviour(ws, received)
        return ws

    app = web.Application()
    app.router.add_get("/realtime", handler)
    server = TestServer(app)
    await server.start_server()
    return server, received


async def turn(
    behaviour: Behaviour, pcm: bytes = TWO_CHUNKS, timeout: float = 5.0, speed: float = 1.0
) -> tuple[RunResult, list[dict[str, Any]], str]:
    server, received = await serve(behaviour)
    out = io.StringIO()
    try:
        url = f"ws://127.0.0.1:{server.port}/realtime"
        result = await run_turn(ClientOptions(url, 100, timeout, speed), pcm, Printer(out))
    finally:
        await server.close()
    return result, received, out.getvalue()


async def read_appends(ws: web.WebSocketResponse, received: list[dict[str, Any]], n: int) -> None:
    loop = asyncio.get_running_loop()
    while len(received) < n:
        message = await ws.receive()
        assert message.type is WSMsgType.TEXT
        received.append({**json.loads(message.data), "at": loop.time()})


def answer(status: str = "completed") -> dict[str, Any]:
    return {
        "type": "response.done",
        "response": {"status": status, "output": [{"type": "message", "role": "assistant"}]},
    }


async def test_audio_goes_out_as_data_appends_at_real_time_pace() -> None:
    async def behaviour(ws: web.WebSocketResponse, received: list[dict[str, Any]]) -> None:
        await read_appends(ws, received, 3)
        audio = base64.b64encode(b"\1\0" * 2400).decode()
        await ws.send_json({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 1})
        await ws.send_json({"type": "response.output_audio.delta", "delta": audio})
        await ws.send_json({"type": "response.output_audio_transcript.done", "transcript": "Hi."})
        await ws.send_json(answer())
        await ws.receive()

    result, received, out = await turn(behaviour, silence(250))
    assert result.code is ExitCode.OK
    assert [sorted(event) for event in received] == [["at", "data", "type"]] * 3
    sizes = [len(base64.b64decode(event["data"])) for event in received]
    assert sizes == [100 * BYTES_PER_MS, 100 * BYTES_PER_MS, 50 * BYTES_PER_MS]
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(received)]
    assert gaps[0] == pytest.approx(0.1, abs=0.04)  # each chunk once it would be captured
    assert gaps[1] == pytest.approx(0.05, abs=0.04)
    assert result.audio == b"\1\0" * 2400 and result.answer == "Hi."
    assert result.reply_latency is not None and result.reply_latency >= 0
    assert "assistant  Hi." in out and "response   completed (message)" in out


async def test_a_tool_call_response_does_not_end_the_run() -> None:
    async def behaviour(ws: web.WebSocketResponse, received: list[dict[str, Any]]) -> None:
        call = {"type": "function_call", "name": "search"}
        await ws.send_json(
            {"type": "response.done", "response": {"status": "completed", "output": [call]}}
        )
        await ws.send_json(
            {"type": "response.done", "response": {"status": "cancelled", "output": []}}
        )
        await asyncio.sleep(0.1)
        await ws.send_json(answer("incomplete"))
        await ws.receive()

    result, _, out = await turn(behaviour)
    assert result.code is ExitCode.OK
    assert out.count("response   ") == 3


async def test_an_error_event_ends_the_run_with_exit_1() -> None:
    async def behaviour(ws: web.WebSocketResponse, received: list[dict[str, Any]]) -> None:
        error = {"type": "server_error", "code": "upstream_unavailable", "message": "no engine"}
        await ws.send_json({"type": "error", "error": error})
        await ws.receive()

    result, _, out = await turn(behaviour)
    assert result.code is ExitCode.ERROR_EVENT and int(result.code) == 1
    assert result.message == (
        "the service sent an error: server_error/upstream_unavailable: no engine"
    )
    assert "error      server_error/upstream_unavailable: no engine" in out


async def test_a_failed_response_ends_the_run_with_exit_1() -> None:
    async def behaviour(ws: web.WebSocketResponse, received: list[dict[str, Any]]) -> None:
        details = {"type": "failed", "error": {"type": "server_error", "code": "boom"}}
        response = {"status": "failed", "status_details": details, "output": []}
        await ws.send_json({"type": "response.done", "response": response})
        await ws.receive()

    result, _, _ = await turn(behaviour)
    assert result.code is ExitCode.ERROR_EVENT
    assert "server_error/boom" in result.message


async def test_a_close_before_the_answer_is_exit_4_with_the_close_code() -> None:
    async def behaviour(ws: web.WebSocketResponse, received: list[dict[str, Any]]) -> None:
        await read_appends(ws, received, 1)
        await ws.close(code=1011, message=b"upstream_closed")

    result, _, _ = await turn(behaviour)
    assert result.code is ExitCode.CLOSED_EARLY and int(result.code) == 4
    assert result.close_code == 1011
    assert "closed the connection with code 1011 (upstream_closed)" in result.message


async def test_no_answer_within_the_timeout_after_the_audio_is_exit_5() -> None:
    async def behaviour(ws: web.WebSocketResponse, received: list[dict[str, Any]]) -> None:
        await ws.send_json({"type": "botify.session", "session_id": "s1", "state": "idle"})
        async for _ in ws:
            pass

    loop = asyncio.get_running_loop()
    started = loop.time()
    result, _, out = await turn(behaviour, timeout=0.3, speed=4)
    assert result.code is ExitCode.TIMEOUT and int(result.code) == 5
    assert 0.3 <= loop.time() - started < 1.5
    assert result.session_id == "s1"
    assert "no answer within 0.3 s after the audio was sent" in result.message
    assert "all 0.2 s of audio sent; waiting for the answer" in out


async def test_a_refused_port_is_exit_3() -> None:
    server, _ = await serve(lambda ws, received: asyncio.sleep(0))
    port = server.port
    await server.close()
    options = ClientOptions(f"ws://127.0.0.1:{port}/realtime", timeout=2)
    result = await run_turn(options, TWO_CHUNKS, Printer(io.StringIO()))
    assert result.code is ExitCode.CONNECT_FAILED
    assert f"cannot connect to 127.0.0.1:{port}: connection refused" in result.message

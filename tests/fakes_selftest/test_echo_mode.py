"""Echo mode (benchmarks) and the standalone command line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.fakes.fake_upstream import FakeUpstream
from tests.fakes_selftest.helpers import OPENAI_PATH, b64, connect

REPO = Path(__file__).resolve().parents[2]


async def test_echo_returns_each_append_as_an_audio_delta() -> None:
    frame = b64(b"\x10\x00" * 480)  # 20 ms
    async with FakeUpstream(mode="echo") as up, connect(up) as client:
        conn = await up.next_connection()
        for n in range(5):
            await client.send(
                {"type": "input_audio_buffer.append", "event_id": f"f{n}", "audio": frame}
            )
        echoes = [await client.recv() for _ in range(5)]  # recv validates each (GA model)
        assert [e["type"] for e in echoes] == ["response.output_audio.delta"] * 5
        assert [e["event_id"] for e in echoes] == [f"echo_f{n}" for n in range(5)]
        assert all(e["delta"] == frame for e in echoes)
        assert conn.frames_echoed == 5
        assert conn.received == []  # appends are neither kept nor queued
        assert conn.sent == []


async def test_echo_mode_answers_session_update_and_echoes_binary() -> None:
    async with FakeUpstream(mode="echo") as up, connect(up) as client:
        conn = await up.next_connection()
        await client.send({"type": "session.update", "session": {"type": "realtime"}})
        assert (await client.recv())["type"] == "session.updated"
        assert (await conn.receive("session.update"))["session"] == {"type": "realtime"}
        await client.ws.send_bytes(b"\x00\x01\x02\x03")
        msg = await client.ws.receive(timeout=2)
        assert msg.type is aiohttp.WSMsgType.BINARY and msg.data == b"\x00\x01\x02\x03"
        # No validation in echo mode: a bad append is echoed as is, no error.
        await client.send({"type": "input_audio_buffer.append", "audio": "%%"})
        assert (await client.recv())["delta"] == "%%"
        assert conn.binary_frames_received == 1 and conn.frames_echoed == 2


async def test_standalone_echo_server_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.fake_upstream", "--port", "0", "--mode", "echo",
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        assert "fake upstream (echo) listening on http://127.0.0.1:" in line, line
        base_url = line.rsplit(" ", 1)[1].strip()
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(base_url + OPENAI_PATH) as ws,
        ):
            assert json.loads((await ws.receive(timeout=2)).data)["type"] == "session.created"
            await ws.send_str(json.dumps({"type": "input_audio_buffer.append", "audio": "AAAA"}))
            assert json.loads((await ws.receive(timeout=2)).data)["delta"] == "AAAA"
            proc.send_signal(signal.SIGTERM)
            assert (await ws.receive(timeout=5)).data == 1001  # closed with GOING_AWAY
        assert await asyncio.wait_for(proc.wait(), 5) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

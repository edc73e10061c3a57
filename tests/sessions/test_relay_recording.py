"""A live session's recording replays to the same transitions; it holds no secret."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from app import keys
from statemachine.replay import replay
from statemachine.scenario import load_scenario
from tests.fakes.fake_upstream import FakeUpstream
from tests.sessions.relay_helpers import API_KEY, connect, relay_app

REPO = Path(__file__).resolve().parents[2]
AUDIO = b"\x01\x00" * 24000
PCM = base64.b64encode(b"\x05\x00" * 480).decode()


async def _record_a_conversation(
    upstream: FakeUpstream, aiohttp_client: Any, folder: Path, **extra: str
) -> Path:
    client = await aiohttp_client(relay_app(upstream, RECORDINGS_DIR=str(folder), **extra))
    front = await connect(client)
    up = await upstream.next_connection()
    await front.send({"type": "input_audio_buffer.append", "data": PCM})
    await up.receive("input_audio_buffer.append")
    # Turn 1 with a tool call and its follow-up; turn 2 interrupted by the user.
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await up.respond(text="", function_calls=[("search", '{"query": "hours"}')])
    await up.receive("response.create")
    await up.respond(text="We open at nine.", audio=AUDIO)
    await front.state("cooling_down")
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await up.respond(text="Anything", audio=AUDIO, complete=False)
    await up.speech_started()
    await up.receive("response.cancel")
    await front.transition("responding", "listening")
    await up.speech_stopped()
    await front.transition("debouncing", "responding")
    await front.ws.close()
    await up.wait_closed()
    registry = client.app[keys.REGISTRY]
    async with asyncio.timeout(2):
        while registry.live:  # the recording is closed when the session has ended
            await asyncio.sleep(0.01)
    [path] = folder.glob("*.jsonl")
    return path


async def test_recording_replays_to_the_same_transitions(
    fake_upstream: FakeUpstream, aiohttp_client: Any, tmp_path: Path
) -> None:
    path = await _record_a_conversation(fake_upstream, aiohttp_client, tmp_path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"config": {"debounce_delay": 0.05, "throttle_min_interval": 0.3}}
    recorded = [
        (line["source"], line["dest"], line["trigger"]) for line in lines if "source" in line
    ]
    assert [r[1] for r in recorded] == [
        "listening",
        "debouncing",
        "responding",
        "cooling_down",
        "listening",
        "debouncing",
        "responding",
        "listening",
        "debouncing",
        "responding",
    ]
    assert [line["action"] for line in lines if "action" in line] == [
        "response.create",
        "response.create",
        "response.create",
        "response.cancel",
        "response.create",
    ]
    inputs = [line["event"] for line in lines if "event" in line]
    assert inputs.count("response_done") == 3  # tool turn, answer, late cancelled one
    metas = [line["meta"] for line in lines if "meta" in line]
    append = next(m for m in metas if m["type"] == "input_audio_buffer.append")
    assert append == {"dir": "client", "type": "input_audio_buffer.append", "bytes": 960}
    assert any(m["type"] == "response.output_audio.delta" and m["bytes"] for m in metas)
    text = path.read_text()
    assert API_KEY not in text and PCM not in text and "audio" not in append

    result = replay(load_scenario(path))
    assert result.ok, result.report()
    assert [(t.source, t.dest, t.trigger) for t in result.transitions] == recorded

    cli = subprocess.run(
        [sys.executable, "scripts/replay.py", str(path), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    transitions = [json.loads(line) for line in cli.stdout.splitlines() if "dest" in line]
    assert [(t["source"], t["dest"], t["trigger"]) for t in transitions] == recorded


async def test_audio_is_recorded_only_when_asked(
    fake_upstream: FakeUpstream, aiohttp_client: Any, tmp_path: Path
) -> None:
    path = await _record_a_conversation(fake_upstream, aiohttp_client, tmp_path, RECORD_AUDIO="1")
    metas = [json.loads(line).get("meta") for line in path.read_text().splitlines()]
    append = next(m for m in metas if m and m["type"] == "input_audio_buffer.append")
    assert append["audio"] == PCM
    assert API_KEY not in path.read_text()

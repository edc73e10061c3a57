"""The engine process (python -m app), the search tool run here, and the Realtime protocol
spoken to the engine."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp

from scripts.bench import procs
from scripts.engine_bench.common import ToolRunner

ENGINE_PATH = "/local/v1/realtime"
TURN_TIMEOUT = 30.0
RELAY_DEBOUNCE = 0.3


def engine_cpus(count: int) -> list[int]:
    available = sorted(os.sched_getaffinity(0))
    return available[:count] if count > 0 else available


def start_service(children: procs.Children, cache: Path, cpus: list[int]) -> tuple[Any, int]:
    port = procs.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "SPEECH_"))}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        CACHE_DIR=str(cache),
        ENGINE_REALTIME_PACING="1",
        DEBOUNCE_DELAY=str(RELAY_DEBOUNCE),
        THROTTLE_MIN_INTERVAL="1",
    )
    argv = [sys.executable, "-m", "app"]
    if cpus and Path("/usr/bin/taskset").exists():
        argv = ["taskset", "-c", ",".join(map(str, cpus)), *argv]
    child = children.start("engine", argv, env={**env, "PYTHONPATH": str(procs.REPO)}, cwd=cache)
    procs.wait_for_port(child, port, timeout=60)
    return child, port


def make_search_tool(cache: Path) -> ToolRunner:
    """The relay's search tool on the same knowledge base, run in this process."""
    from search import SqliteSearchBackend, make_search_tool

    backend = SqliteSearchBackend.open(None, cache_dir=cache / "bench-search")
    return make_search_tool(backend, 5)


def engine_session_update(with_tools: bool) -> dict[str, Any]:
    """What the relay asks of the engine: server VAD that neither answers nor interrupts,
    transcription, and the search tool."""
    from search import tool_schema

    detection = {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "create_response": False,
        "interrupt_response": False,
    }
    return {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "output_modalities": ["audio"],
            "audio": {
                "input": {"transcription": {"model": "whisper-1"}, "turn_detection": detection},
                "output": {"voice": "coral"},
            },
            "tools": [tool_schema()] if with_tools else [],
            "tool_choice": "auto",
        },
    }


async def tool_outputs(response: dict[str, Any], run_tool: ToolRunner) -> list[dict[str, Any]]:
    """``function_call_output`` items for the function calls of a finished response."""
    items = []
    for item in response.get("output") or []:
        if item.get("type") != "function_call":
            continue
        output = await run_tool(json.loads(item.get("arguments") or "{}"))
        output.pop("summary", None)
        items.append(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": item["call_id"],
                    "output": json.dumps(output),
                },
            }
        )
    return items


class Socket:
    """A client WebSocket with a typed receive of the next event of given types."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(event))

    async def until(self, *types: str, timeout: float = TURN_TIMEOUT) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"the engine closed the socket ({message.type.name})")
                event: dict[str, Any] = json.loads(message.data)
                if event["type"] == "error":
                    raise RuntimeError(f"engine error: {event['error']}")
                if event["type"] in types:
                    return event

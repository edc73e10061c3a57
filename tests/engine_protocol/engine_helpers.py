"""Helpers for engine protocol tests: a real engine on 127.0.0.1 and speech to feed it."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import aiohttp

from engine.audio import bytes_of
from engine.synthesizer import Synthesizer
from tests.fakes.ga_models import validate_server_event

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE_BASE = REPO / "search" / "docs"


def corpus() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(KNOWLEDGE_BASE.glob("*.md"))]


def spoken(text: str, voice: str = "alloy", silence_ms: int = 800) -> bytes:
    """`text` as a user would say it: silence, the words, silence (pcm16 24 kHz)."""
    quiet = b"\0" * bytes_of(silence_ms)
    return quiet + Synthesizer(voice).synthesize(text) + quiet


class EngineClient:
    """A Realtime client on a real socket that checks every server event against the
    openai GA models."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(event))

    async def stream(self, audio: bytes, chunk_ms: int = 100) -> None:
        step = bytes_of(chunk_ms)
        for start in range(0, len(audio), step):
            chunk = base64.b64encode(audio[start : start + step]).decode()
            await self.send({"type": "input_audio_buffer.append", "audio": chunk})

    async def receive(self, type_: str | None = None, timeout: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive()
                assert message.type is aiohttp.WSMsgType.TEXT, message
                event: dict[str, Any] = json.loads(message.data)
                self.events.append(event)
                if event["type"] != "session.updated":  # carries one extra field, see engine
                    validate_server_event(event)
                if type_ is None or event["type"] == type_:
                    return event

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["type"] == type_]

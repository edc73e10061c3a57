"""Helpers for relay tests: the app wired to a fake upstream, and a client that reads events."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from app.config import settings_from_mapping
from app.web_app import make_app
from tests.fakes.fake_upstream import FakeUpstream

API_KEY = "test-api-key-that-must-never-leak"
# Search index and speech model caches for the tests (a cache: shared between runs is fine).
TEST_CACHE_DIR = str(Path(tempfile.gettempdir()) / "botify-realtime-test-cache")


def relay_env(upstream: FakeUpstream, **extra: str) -> dict[str, str]:
    return {
        "AZURE_OPENAI_ENDPOINT": upstream.base_url,
        "AZURE_OPENAI_REALTIME_DEPLOYMENT": "gpt-realtime",
        "AZURE_OPENAI_API_KEY": API_KEY,
        "DEBOUNCE_DELAY": "0.05",
        "THROTTLE_MIN_INTERVAL": "0.3",
        "CACHE_DIR": TEST_CACHE_DIR,
        **extra,
    }


def relay_app(upstream: FakeUpstream, **extra: str) -> Any:
    return make_app(settings_from_mapping(relay_env(upstream, **extra)))


class RelayClient:
    """A front-end on a real socket: sends events, waits for the ones it wants."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(event))

    async def receive(self, type_: str | None = None, timeout: float = 2.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    raise AssertionError(f"socket ended: {message.type} {message.data!r}")
                event: dict[str, Any] = json.loads(message.data)
                self.events.append(event)
                if type_ is None or event.get("type") == type_:
                    return event

    async def state(self, state: str, timeout: float = 2.0) -> dict[str, Any]:
        """Wait for the `botify.state` event entering `state`."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.receive("botify.state", timeout)
                if event["state"] == state:
                    return event

    async def transition(self, previous: str, state: str, timeout: float = 2.0) -> dict[str, Any]:
        """Wait for the `botify.state` event of this exact transition."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.receive("botify.state", timeout)
                if (event["previous"], event["state"]) == (previous, state):
                    return event

    async def error(self, timeout: float = 2.0) -> dict[str, Any]:
        return (await self.receive("error", timeout))["error"]  # type: ignore[no-any-return]


async def connect(client: TestClient) -> RelayClient:
    return RelayClient(await client.ws_connect("/realtime"))

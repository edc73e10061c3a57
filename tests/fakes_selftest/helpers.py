"""A small aiohttp client for the fake, validating every server event it reads."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from tests.fakes.fake_upstream import FakeUpstream
from tests.fakes.ga_models import validate_server_event

Event = dict[str, Any]
OPENAI_PATH = "/openai/v1/realtime?model=gpt-realtime"
VOICE_LIVE_PATH = "/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Client:
    """One aiohttp WebSocket to the fake; ``recv`` checks each event with the GA models."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[Event] = []

    async def send(self, event: Event) -> None:
        await self.ws.send_str(json.dumps(event))

    async def recv(self, timeout: float = 2.0) -> Event:
        msg = await self.ws.receive(timeout=timeout)
        assert msg.type is aiohttp.WSMsgType.TEXT, f"expected a TEXT frame, got {msg.type!r}"
        event: Event = json.loads(msg.data)
        validate_server_event(event)
        self.events.append(event)
        return event

    async def recv_until(self, type_: str, timeout: float = 2.0) -> list[Event]:
        """Events up to and including the first of ``type_``."""
        got: list[Event] = []
        while not got or got[-1]["type"] != type_:
            got.append(await self.recv(timeout))
        return got

    async def expect_error(self, code: str) -> Event:
        event = await self.recv()
        assert event["type"] == "error", event
        assert event["error"]["code"] == code, event
        return event


@asynccontextmanager
async def connect(
    up: FakeUpstream, path: str = OPENAI_PATH, **kwargs: Any
) -> AsyncIterator[Client]:
    """Connect, read ``session.created``, yield the client."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(up.base_url + path, **kwargs) as ws,
    ):
        client = Client(ws)
        created = await client.recv()
        assert created["type"] == "session.created"
        yield client

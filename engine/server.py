"""The embedded engine's WebSocket endpoint (mounted by the app at /local/v1/realtime)."""

from __future__ import annotations

import logging

from aiohttp import WSCloseCode, web

from engine.connection import EngineConnection
from engine.resources import EngineResources

log = logging.getLogger(__name__)
ENGINE_PATH = "/local/v1/realtime"


class EngineServer:
    """Accepts Realtime clients (the relay, the openai SDK, anything speaking GA)."""

    def __init__(self, resources: EngineResources) -> None:
        self.resources = resources
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def live(self) -> int:
        return len(self._sockets)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await EngineConnection(ws, self.resources).run()
        finally:
            self._sockets.discard(ws)
        return ws

    async def close_all(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")

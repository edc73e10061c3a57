"""The aiohttp application factory."""

from __future__ import annotations

import logging

from aiohttp import WSCloseCode, web

from app import keys
from app.config import Settings
from app.docs import setup_docs
from app.routes_health import routes as health_routes
from app.routes_info import routes as info_routes

log = logging.getLogger(__name__)


async def _close_websockets(app: web.Application) -> None:
    """On shutdown, say goodbye (1001 GOING_AWAY) to every open WebSocket."""
    open_sockets = app[keys.WEBSOCKETS]
    sockets = list(open_sockets)
    if sockets:
        log.info("shutdown: closing %d open WebSocket(s)", len(sockets))
    for ws in sockets:
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


def make_app(settings: Settings) -> web.Application:
    """Build the service for `settings`; run it with `aiohttp.web.run_app` or a test client."""
    app = web.Application()
    app[keys.SETTINGS] = settings
    app[keys.WEBSOCKETS] = set()
    app.add_routes(health_routes)
    app.add_routes(info_routes)
    app.on_shutdown.append(_close_websockets)
    setup_docs(app)
    return app

"""The aiohttp application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import WSCloseCode, web

from app import keys
from app.config import Settings
from app.docs import setup_docs
from app.routes_health import routes as health_routes
from app.routes_info import routes as info_routes
from app.routes_realtime import routes as realtime_routes
from app.upstream_config import make_credential, needs_credential, session_config, upstream_target
from sessions.registry import SessionRegistry

log = logging.getLogger(__name__)


async def _close_websockets(app: web.Application) -> None:
    """On shutdown, say goodbye (1001 GOING_AWAY) to every open WebSocket."""
    open_sockets = app[keys.WEBSOCKETS]
    sockets = list(open_sockets)
    if sockets:
        log.info("shutdown: closing %d open WebSocket(s)", len(sockets))
    for ws in sockets:
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


async def _upstream_resources(app: web.Application) -> AsyncIterator[None]:
    """The HTTP client for upstream legs and, for keyless auth, the Azure credential."""
    settings = app[keys.SETTINGS]
    credential = make_credential() if needs_credential(settings) else None
    # limit=0: every session holds one upstream connection; a pool limit would cap sessions.
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    app[keys.HTTP] = http
    app[keys.SESSION_CONFIG] = session_config(settings, upstream_target(settings, credential))
    try:
        yield
    finally:
        await http.close()
        if credential is not None:
            await credential.close()


def make_app(settings: Settings) -> web.Application:
    """Build the service for `settings`; run it with `aiohttp.web.run_app` or a test client."""
    app = web.Application()
    app[keys.SETTINGS] = settings
    app[keys.WEBSOCKETS] = set()
    app[keys.REGISTRY] = SessionRegistry(max_sessions=settings.max_sessions)
    app[keys.TOOLS] = {}
    app.add_routes(health_routes)
    app.add_routes(info_routes)
    app.add_routes(realtime_routes)
    app.cleanup_ctx.append(_upstream_resources)
    app.on_shutdown.append(_close_websockets)
    setup_docs(app)
    return app

"""The aiohttp application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import WSCloseCode, web

from app import keys
from app.config import Settings, UpstreamMode
from app.docs import setup_docs
from app.knowledge import cache_dir, open_search_backend, search_tools
from app.local_engine import ENGINE_PATH, EngineUnavailable, start_engine
from app.routes_health import routes as health_routes
from app.routes_info import routes as info_routes
from app.routes_realtime import routes as realtime_routes
from app.upstream_config import make_credential, needs_credential, session_config, upstream_target
from sessions.registry import SessionRegistry

log = logging.getLogger(__name__)


SHUTDOWN_CLOSE_TIMEOUT = 1.0


async def _say_goodbye(ws: web.WebSocketResponse, transport: asyncio.Transport | None) -> None:
    """Close one socket with 1001; a peer that does not take the close frame (or does not
    answer it) within a second has its connection aborted."""
    try:
        async with asyncio.timeout(SHUTDOWN_CLOSE_TIMEOUT):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
    except (TimeoutError, ConnectionError, aiohttp.ClientError, RuntimeError):
        if transport is not None:
            transport.abort()


async def _close_websockets(app: web.Application) -> None:
    """On shutdown, say goodbye (1001 GOING_AWAY) to every open WebSocket, all at once."""
    sockets = list(app[keys.WEBSOCKETS].items())
    if sockets:
        log.info("shutdown: closing %d open WebSocket(s)", len(sockets))
        await asyncio.gather(*(_say_goodbye(ws, transport) for ws, transport in sockets))
    engine = app[keys.ENGINE]
    if engine is not None:
        await engine.close_all()


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Opened at start-up, closed at shutdown: the HTTP client for upstream legs, the Azure
    credential (keyless auth), the search backend and, without Azure, the embedded engine."""
    settings = app[keys.SETTINGS]
    credential = make_credential() if needs_credential(settings) else None
    # limit=0: every session holds one upstream connection; a pool limit would cap sessions.
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    backend = await open_search_backend(settings)
    app[keys.HTTP] = http
    app[keys.SEARCH] = backend
    app[keys.TOOLS] = search_tools(backend, settings.search_top_k)
    app[keys.ENGINE] = None
    engine_problem: str | None = None
    if settings.upstream_mode is UpstreamMode.LOCAL:
        try:
            app[keys.ENGINE] = await start_engine(
                settings.search_docs_dir,
                cache_dir(settings),
                backend,
                realtime_pacing=settings.engine_realtime_pacing,
            )
            log.info("the embedded offline engine is ready at %s", ENGINE_PATH)
        except EngineUnavailable as problem:
            engine_problem = str(problem)
            log.warning("%s", engine_problem)
    app[keys.ENGINE_PROBLEM] = engine_problem or "the service uses Azure, not the local engine"
    target = upstream_target(settings, credential, engine_problem)
    app[keys.SESSION_CONFIG] = session_config(settings, target)
    try:
        yield
    finally:
        await http.close()
        await backend.aclose()
        if credential is not None:
            await credential.close()


def make_app(settings: Settings) -> web.Application:
    """Build the service for `settings`; run it with `aiohttp.web.run_app` or a test client."""
    app = web.Application()
    app[keys.SETTINGS] = settings
    app[keys.WEBSOCKETS] = {}
    app[keys.REGISTRY] = SessionRegistry(max_sessions=settings.max_sessions)
    app.add_routes(health_routes)
    app.add_routes(info_routes)
    app.add_routes(realtime_routes)
    app.cleanup_ctx.append(_resources)
    app.on_shutdown.append(_close_websockets)
    setup_docs(app)
    return app

"""`/realtime`: the WebSocket a front-end opens; each connection is one Session."""

from __future__ import annotations

import dataclasses
import logging
import uuid

from aiohttp import web

from app import keys
from app.local_engine import ENGINE_PATH
from sessions.config import SessionConfig
from sessions.errors import ErrorCode, error_text
from sessions.session import Session
from sessions.upstream import local_engine_url

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

CLOSE_TRY_AGAIN_LATER = 1013
# Frames between the session's own limit and this one get a clear `frame_too_large` error;
# beyond it aiohttp closes the socket (1009).
FRAME_HEADROOM = 1024 * 1024


def _with_local_engine(request: web.Request, config: SessionConfig) -> SessionConfig:
    """The engine is on this server: reach it at the local address this client reached."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    host, port = (sockname[0], sockname[1]) if sockname else ("127.0.0.1", 8080)
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    url = local_engine_url(host, port, ENGINE_PATH)
    return dataclasses.replace(config, upstream=dataclasses.replace(config.upstream, url=url))


@routes.get("/realtime")
async def realtime(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    config = app[keys.SESSION_CONFIG]
    # compress=False: no permessage-deflate (base64 audio barely compresses; it doubles CPU).
    # heartbeat: a client that stops answering pings is closed (and its session ends).
    client = web.WebSocketResponse(
        compress=False,
        max_msg_size=config.max_frame_bytes + FRAME_HEADROOM,
        heartbeat=config.heartbeat_interval or None,
    )
    await client.prepare(request)
    if config.upstream.local_engine:
        config = _with_local_engine(request, config)
    session = Session(
        uuid.uuid4().hex[:12],
        config,
        client,
        app[keys.HTTP],
        app[keys.TOOLS],
        client_transport=request.transport,
    )
    registry = app[keys.REGISTRY]
    if not registry.admit(session):
        await client.send_str(
            error_text(
                ErrorCode.SERVER_BUSY,
                f"the service is at its limit of {registry.max_sessions} sessions; retry later",
                None,
                "server_error",
            )
        )
        await client.close(code=CLOSE_TRY_AGAIN_LATER, message=b"server busy")
        return client
    sockets = app[keys.WEBSOCKETS]
    sockets[client] = request.transport
    log.info("session %s: opened from %s", session.id, request.remote)
    try:
        await session.run()
    finally:
        sockets.pop(client, None)
        registry.release(session)
        log.info("session %s: closed (%d live)", session.id, registry.live)
    return client


@routes.get(ENGINE_PATH)
async def local_engine(request: web.Request) -> web.StreamResponse:
    """The embedded offline engine (a Realtime GA server), when it is loaded."""
    engine = request.app[keys.ENGINE]
    if engine is None:
        return web.json_response(
            {"error": {"code": "engine_unavailable", "message": request.app[keys.ENGINE_PROBLEM]}},
            status=503,
        )
    response: web.StreamResponse = await engine.handle(request)
    return response

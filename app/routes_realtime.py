"""`/realtime`: the WebSocket a front-end opens; each connection is one Session."""

from __future__ import annotations

import logging
import uuid

from aiohttp import web

from app import keys
from sessions.errors import ErrorCode, error_text
from sessions.session import Session

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

CLOSE_TRY_AGAIN_LATER = 1013
# Frames between the session's own limit and this one get a clear `frame_too_large` error;
# beyond it aiohttp closes the socket (1009).
FRAME_HEADROOM = 1024 * 1024


@routes.get("/realtime")
async def realtime(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    config = app[keys.SESSION_CONFIG]
    # compress=False: no permessage-deflate (base64 audio barely compresses; it doubles CPU).
    client = web.WebSocketResponse(
        compress=False, max_msg_size=config.max_frame_bytes + FRAME_HEADROOM
    )
    await client.prepare(request)
    session = Session(uuid.uuid4().hex[:12], config, client, app[keys.HTTP], app[keys.TOOLS])
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
    sockets.add(client)
    log.info("session %s: opened from %s", session.id, request.remote)
    try:
        await session.run()
    finally:
        sockets.discard(client)
        registry.release(session)
        log.info("session %s: closed (%d live)", session.id, registry.live)
    return client

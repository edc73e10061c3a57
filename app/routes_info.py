"""`GET /realtime-info`: how to connect, and the configuration in force."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, response_schema

from app import keys
from app.info import describe
from app.info_schemas import RealtimeInfoSchema

routes = web.RouteTableDef()
_SCHEMA = RealtimeInfoSchema()


def _ws_base_url(request: web.Request) -> str:
    scheme = "wss" if request.scheme == "https" else "ws"
    return f"{scheme}://{request.host}"


@routes.get("/realtime-info")
@docs(
    tags=["realtime"],
    summary="How to connect to /realtime, and the configuration in force",
    description="The WebSocket URL, the protocol and its message formats, the voices, the "
    "speech engine and upstream mode, which environment variables it needs (set or not, "
    "never their values), the turn-taking configuration and the testing resources.",
)
@response_schema(RealtimeInfoSchema(), 200, description="The realtime endpoint's description.")
async def realtime_info(request: web.Request) -> web.Response:
    info = describe(request.app[keys.SETTINGS], _ws_base_url(request))
    return web.json_response(_SCHEMA.dump(info))

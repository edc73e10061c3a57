"""`GET /realtime-info`: how to connect, and the configuration in force."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, response_schema

from app import keys
from app.config import UpstreamMode
from app.info import describe
from app.info_schemas import RealtimeInfoSchema

routes = web.RouteTableDef()
_SCHEMA = RealtimeInfoSchema()


def _ws_base_url(request: web.Request) -> str:
    scheme = "wss" if request.scheme == "https" else "ws"
    return f"{scheme}://{request.host}"


@routes.get("/realtime-info", allow_head=False)
@docs(
    tags=["realtime"],
    summary="How to connect to /realtime, and the configuration in force",
    description="The WebSocket URL, the protocol and its message formats, the voices, the "
    "speech engine and upstream mode, which environment variables it needs (set or not, "
    "never their values), the turn-taking configuration and the testing resources.",
)
@response_schema(RealtimeInfoSchema(), 200, description="The realtime endpoint's description.")
async def realtime_info(request: web.Request) -> web.Response:
    app = request.app
    settings = app[keys.SETTINGS]
    tools = [dict(spec.schema) for spec in app[keys.TOOLS].values()]
    engine_problem = None
    if settings.upstream_mode is UpstreamMode.LOCAL and app[keys.ENGINE] is None:
        engine_problem = app[keys.ENGINE_PROBLEM]
    info = describe(
        settings, _ws_base_url(request), tools, app[keys.SEARCH].describe(), engine_problem
    )
    return web.json_response(_SCHEMA.dump(info))

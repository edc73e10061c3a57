"""Liveness and live figures."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, response_schema
from marshmallow import Schema, fields

from app import keys

routes = web.RouteTableDef()


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class MetricsSchema(Schema):
    live_sessions = fields.Integer(required=True, metadata={"description": "Open sessions now."})
    sessions_started = fields.Integer(required=True, metadata={"description": "Since start."})
    sessions_refused = fields.Integer(
        required=True, metadata={"description": "Refused at the session limit since start."}
    )
    max_sessions = fields.Integer(required=True)


@routes.get("/healthz", allow_head=False)
@docs(tags=["service"], summary="Liveness check", description="Answers 200 while serving.")
@response_schema(HealthSchema(), 200, description="The service is up.")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/metrics", allow_head=False)
@docs(tags=["service"], summary="Live figures", description="Session counts since start.")
@response_schema(MetricsSchema(), 200, description="Current figures.")
async def metrics(request: web.Request) -> web.Response:
    registry = request.app[keys.REGISTRY]
    return web.json_response(
        {
            "live_sessions": registry.live,
            "sessions_started": registry.started,
            "sessions_refused": registry.refused,
            "max_sessions": registry.max_sessions,
        }
    )

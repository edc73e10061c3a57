"""Liveness endpoint."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, response_schema
from marshmallow import Schema, fields

routes = web.RouteTableDef()


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


@routes.get("/healthz")
@docs(tags=["service"], summary="Liveness check", description="Answers 200 while serving.")
@response_schema(HealthSchema(), 200, description="The service is up.")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})

"""Swagger UI at /docs and the Swagger 2.0 spec at /api/docs/swagger.json, served offline."""

from __future__ import annotations

import warnings

from aiohttp import web
from aiohttp.web import NotAppKeyWarning
from aiohttp_apispec import setup_aiohttp_apispec

# aiohttp-apispec keeps its own state under string keys; that is its business, not a bug of ours.
warnings.filterwarnings("ignore", category=NotAppKeyWarning, module="aiohttp_apispec")

SPEC_URL = "/api/docs/swagger.json"
DOCS_PATH = "/docs"
STATIC_PATH = "/static/swagger"

DESCRIPTION = (
    "Botify Realtime relays voice front-ends to a realtime speech model. "
    "Open a WebSocket to `/realtime` and speak the Realtime API (GA event names); "
    "`GET /realtime-info` describes the protocol, the configuration in force and how to test."
)


def setup_docs(app: web.Application) -> None:
    setup_aiohttp_apispec(
        app,
        title="Botify Realtime",
        version="0.1.0",
        info={"description": DESCRIPTION},
        url=SPEC_URL,
        swagger_path=DOCS_PATH,
        static_path=STATIC_PATH,
        # Swagger UI would otherwise send the spec to an outside validator host.
        display_configurations={"validatorUrl": None},
    )

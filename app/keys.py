"""Typed application keys: everything the app shares between handlers lives under one of these."""

from __future__ import annotations

from aiohttp import web

from app.config import Settings

SETTINGS = web.AppKey("settings", Settings)
WEBSOCKETS = web.AppKey("websockets", set[web.WebSocketResponse])

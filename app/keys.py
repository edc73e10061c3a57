"""Typed application keys: everything the app shares between handlers lives under one of these."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from app.config import Settings
from search import SearchBackend
from sessions.config import SessionConfig
from sessions.registry import SessionRegistry
from sessions.tool_calls import ToolSpec

if TYPE_CHECKING:
    from engine.server import EngineServer  # the optional `local` extra

SETTINGS = web.AppKey("settings", Settings)
# Open client WebSockets and their transports (shutdown aborts those that do not close).
WEBSOCKETS = web.AppKey("websockets", dict[web.WebSocketResponse, asyncio.Transport | None])
SESSION_CONFIG = web.AppKey("session_config", SessionConfig)
REGISTRY = web.AppKey("registry", SessionRegistry)
HTTP = web.AppKey("http", aiohttp.ClientSession)
TOOLS = web.AppKey("tools", dict[str, ToolSpec])
SEARCH: web.AppKey[SearchBackend] = web.AppKey("search")
ENGINE: web.AppKey[EngineServer | None] = web.AppKey("engine")
ENGINE_PROBLEM = web.AppKey("engine_problem", str)

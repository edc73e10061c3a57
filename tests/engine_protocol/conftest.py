from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from engine.resources import EngineResources
from engine.server import ENGINE_PATH, EngineServer
from tests.engine_protocol.engine_helpers import EngineClient, corpus


@pytest.fixture(scope="session")
def engine_resources(tmp_path_factory: pytest.TempPathFactory) -> EngineResources:
    cache: Path = tmp_path_factory.mktemp("engine-cache")
    resources = EngineResources.build(corpus(), cache_dir=cache)
    resources.realtime_pacing = False  # answers as fast as they are synthesised
    return resources


@pytest.fixture(scope="session")
def paced_resources(engine_resources: EngineResources) -> EngineResources:
    """Audio at real-time pace, so a barge-in meets an answer still being spoken."""
    return dataclasses.replace(engine_resources, realtime_pacing=True)


@pytest.fixture
async def engine(
    aiohttp_client: Any,
    engine_resources: EngineResources,
    paced_resources: EngineResources,
    request: pytest.FixtureRequest,
) -> Callable[[], Awaitable[EngineClient]]:
    paced = request.node.get_closest_marker("paced") is not None
    app = web.Application()
    app.router.add_get(
        ENGINE_PATH, EngineServer(paced_resources if paced else engine_resources).handle
    )
    client = await aiohttp_client(app)

    async def connect() -> EngineClient:
        return EngineClient(await client.ws_connect(ENGINE_PATH))

    return connect

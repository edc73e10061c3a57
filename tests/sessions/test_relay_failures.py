"""Upstream failures reach the client as clear errors; either side closing closes the other."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import keys
from app.config import settings_from_mapping
from app.web_app import make_app
from tests.fakes.fake_upstream import FakeUpstream, free_closed_port
from tests.sessions.relay_helpers import (
    API_KEY,
    TEST_CACHE_DIR,
    RelayClient,
    connect,
    relay_app,
    relay_env,
)


async def _closing_error(front: RelayClient) -> tuple[dict[str, Any], int | None]:
    error = await front.error(timeout=5)
    return error, await _close_code(front)


async def _close_code(front: RelayClient) -> int | None:
    """The code of the server's close frame (skipping text events still on the way)."""
    message = await front.ws.receive(timeout=5)
    while message.type is aiohttp.WSMsgType.TEXT:
        message = await front.ws.receive(timeout=5)
    assert message.type is aiohttp.WSMsgType.CLOSE, message
    return int(message.data)


@pytest.mark.parametrize(
    ("status", "code", "close_code"),
    [
        (401, "upstream_auth_failed", 1011),
        (403, "upstream_forbidden", 1011),
        (404, "upstream_not_found", 1011),
        (429, "upstream_rate_limited", 1013),
        (503, "upstream_unavailable", 1013),
    ],
)
async def test_handshake_refusals(
    fake_upstream: FakeUpstream, aiohttp_client: Any, status: int, code: str, close_code: int
) -> None:
    fake_upstream.handshake_status = status
    client = await aiohttp_client(relay_app(fake_upstream))
    error, closed_with = await _closing_error(await connect(client))
    assert error["code"] == code and error["type"] == "server_error"
    assert str(status) in error["message"] or status == 503
    assert API_KEY not in json.dumps(error)
    assert closed_with == close_code
    await _wait_no_live_sessions(client)


async def test_connection_refused(aiohttp_client: Any) -> None:
    env = {
        "AZURE_OPENAI_ENDPOINT": f"http://127.0.0.1:{free_closed_port()}",
        "AZURE_OPENAI_REALTIME_DEPLOYMENT": "gpt-realtime",
        "AZURE_OPENAI_API_KEY": API_KEY,
    }
    client = await aiohttp_client(make_app(settings_from_mapping(env)))
    error, closed_with = await _closing_error(await connect(client))
    assert error["code"] == "upstream_unavailable" and closed_with == 1013
    assert "could not reach" in error["message"]


async def test_handshake_timeout(fake_upstream: FakeUpstream, aiohttp_client: Any) -> None:
    fake_upstream.handshake_delay = 3.0
    client = await aiohttp_client(relay_app(fake_upstream, UPSTREAM_CONNECT_TIMEOUT="0.2"))
    error, closed_with = await _closing_error(await connect(client))
    assert error["code"] == "upstream_timeout" and closed_with == 1013
    assert "0.2 s" in error["message"]


async def test_without_azure_and_without_the_engine_extra_says_how_to_fix_it(
    aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a machine where the `local` extra is not installed: the engine cannot import.
    monkeypatch.setitem(sys.modules, "engine.resources", None)
    client = await aiohttp_client(make_app(settings_from_mapping({"CACHE_DIR": TEST_CACHE_DIR})))
    error, closed_with = await _closing_error(await connect(client))
    assert error["code"] == "upstream_not_configured" and closed_with == 1011
    assert "pip install -e '.[local]'" in error["message"]
    info = await (await client.get("/realtime-info")).json()
    assert "pip install" in info["upstream"]["description"]
    response = await client.get("/local/v1/realtime")
    assert response.status == 503


async def test_keyless_mode_sends_a_fresh_bearer_token(fake_upstream: FakeUpstream) -> None:
    from sessions.upstream import azure_openai_target, connect_upstream

    issued: list[str] = []

    async def token_provider() -> str:
        issued.append(f"token-{len(issued)}")
        return issued[-1]

    target = azure_openai_target(fake_upstream.base_url, "gpt-realtime", None, token_provider)
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            ws = await connect_upstream(http, target, 2.0)
            await ws.close()
    seen = [c.headers.get("Authorization") for c in fake_upstream.connections]
    assert seen == ["Bearer token-0", "Bearer token-1"]
    assert all("api-key" not in c.headers for c in fake_upstream.connections)


async def test_session_expired_is_reported_and_the_client_closed(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.error("session_expired", close=True)
    error, closed_with = await _closing_error(front)
    assert error["code"] == "session_expired"
    assert not any(e.get("error", {}).get("code") == "upstream_closed" for e in front.events)
    assert closed_with == 1011


async def test_upstream_drop_closes_the_client_within_a_second(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await front.receive("botify.session")
    started = time.monotonic()
    await up.drop()
    error, closed_with = await _closing_error(front)
    assert time.monotonic() - started < 1.0
    assert error["code"] == "upstream_closed" and closed_with == 1011
    await _wait_no_live_sessions(client)


async def test_client_leaving_closes_upstream_within_a_second(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    fronts = [await connect(client) for _ in range(3)]
    ups = [await fake_upstream.next_connection() for _ in fronts]
    metrics = await (await client.get("/metrics")).json()
    assert metrics["live_sessions"] == 3
    started = time.monotonic()
    for front in fronts:
        await front.ws.close()
    for up in ups:
        await up.wait_closed(timeout=1.0)
    assert time.monotonic() - started < 1.0
    await _wait_no_live_sessions(client)
    metrics = await (await client.get("/metrics")).json()
    assert metrics == {
        "live_sessions": 0,
        "sessions_started": 3,
        "sessions_refused": 0,
        "max_sessions": 2000,
    }


async def test_client_vanishing_mid_turn_cleans_up(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream, DEBOUNCE_DELAY="5"))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.speech_started()
    await up.speech_stopped()
    await front.state("debouncing")  # a debounce timer is pending
    await front.ws.close()
    await up.wait_closed(timeout=1.0)
    await _wait_no_live_sessions(client)
    assert not any(e.get("type") == "response.create" for e in up.received)


async def test_session_limit_refuses_clearly(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream, MAX_SESSIONS="1"))
    await connect(client)
    error, closed_with = await _closing_error(await connect(client))
    assert error["code"] == "server_busy" and closed_with == 1013


async def test_shutdown_closes_sockets_with_going_away(fake_upstream: FakeUpstream) -> None:
    app = make_app(settings_from_mapping(relay_env(fake_upstream)))
    server = TestServer(app)
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        front = RelayClient(await http.ws_connect(server.make_url("/realtime")))
        up = await fake_upstream.next_connection()
        await front.receive("botify.session")
        closing = asyncio.create_task(server.close())
        assert await _close_code(front) == 1001
        await closing
    await up.wait_closed(timeout=1.0)
    assert app[keys.REGISTRY].live == 0


async def _wait_no_live_sessions(client: TestClient) -> None:
    registry = client.app[keys.REGISTRY]  # type: ignore[index]
    async with asyncio.timeout(1.0):
        while registry.live:
            await asyncio.sleep(0.01)

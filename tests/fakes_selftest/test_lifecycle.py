"""Handshakes, failures, closes and drops, as a relay's connector will meet them."""

from __future__ import annotations

import asyncio
import base64
import os

import aiohttp
import pytest

from tests.fakes.fake_upstream import FakeUpstream, FakeUpstreamClosed, free_closed_port
from tests.fakes_selftest.helpers import OPENAI_PATH, VOICE_LIVE_PATH, connect

UPGRADE_HEADERS = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
}


async def test_records_path_query_and_headers(fake_upstream: FakeUpstream) -> None:
    assert fake_upstream.base_url == f"http://127.0.0.1:{fake_upstream.port}"
    headers = {"api-key": "secret-key", "x-ms-client-request-id": "abc"}
    async with connect(fake_upstream, VOICE_LIVE_PATH, headers=headers):
        conn = await fake_upstream.next_connection()
        assert conn.path == "/voice-live/realtime"
        assert conn.query == {"api-version": "2025-10-01", "model": "gpt-realtime"}
        assert conn.headers["API-KEY"] == "secret-key"
        assert conn.extensions_offered is None and not conn.compression_negotiated
        assert fake_upstream.connections == [conn]
        assert fake_upstream.attempts[0].status is None
    with pytest.raises(TimeoutError, match="1 so far"):
        await fake_upstream.next_connection(timeout=0.01)


async def test_deflate_offer_is_recorded_and_accepted(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream, compress=15):
        conn = await fake_upstream.next_connection()
        assert conn.extensions_offered is not None
        assert "permessage-deflate" in conn.extensions_offered
        assert conn.compression_negotiated
    async with FakeUpstream(accept_deflate=False) as up, connect(up, compress=15):
        conn = await up.next_connection()
        assert "permessage-deflate" in str(conn.extensions_offered)
        assert not conn.compression_negotiated


@pytest.mark.parametrize(
    ("status", "code"),
    [(401, "401"), (403, "PermissionDenied"), (404, "DeploymentNotFound"), (429, "429")],
)
async def test_handshake_refused_with_azure_error_body(status: int, code: str) -> None:
    async with FakeUpstream(handshake_status=status) as up, aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(up.base_url + OPENAI_PATH)
        assert refused.value.status == status
        async with session.get(up.base_url + OPENAI_PATH, headers=UPGRADE_HEADERS) as resp:
            assert resp.status == status
            body = await resp.json()
            assert body["error"]["code"] == code and body["error"]["message"]
            assert (resp.headers.get("Retry-After") == "1") == (status == 429)
        assert up.connections == []
        assert [a.status for a in up.attempts] == [status, status]
        # The status can change between attempts (e.g. 429 then success).
        up.handshake_status = None
        async with connect(up):
            assert (await up.next_connection()).index == 1


async def test_handshake_delay_lets_the_client_time_out() -> None:
    async with FakeUpstream(handshake_delay=30.0) as up, aiohttp.ClientSession() as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(session.ws_connect(up.base_url + OPENAI_PATH), 0.1)
        assert up.connections == []
        assert loop.time() - started < 1.0
    # Stopping the fake ends the held handshake at once (the block above exited promptly).


async def test_handshake_delay_then_success() -> None:
    async with FakeUpstream(handshake_delay=0.05) as up, connect(up):
        assert (await up.next_connection()).index == 1


async def test_free_closed_port_refuses_connections() -> None:
    port = free_closed_port()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.ws_connect(f"http://127.0.0.1:{port}{OPENAI_PATH}")


async def test_close_with_code(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await conn.close(code=1011)
        msg = await client.ws.receive(timeout=2)
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 1011
        assert conn.closed.is_set()


async def test_error_then_close(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await conn.error("session_expired", close=True, close_code=1000)
        assert (await client.recv())["error"]["code"] == "session_expired"
        msg = await client.ws.receive(timeout=2)
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 1000


async def test_drop_ends_the_socket_without_a_close_frame(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await conn.drop()
        assert conn.closed.is_set()
        msg = await client.ws.receive(timeout=2)
        assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        assert client.ws.close_code != 1000  # no close handshake happened
        with pytest.raises(FakeUpstreamClosed):
            await conn.speech_started()


async def test_client_close_is_seen(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.ws.close(code=4000)
        await conn.wait_closed()
        assert conn.close_code == 4000


async def test_stop_closes_open_connections_with_going_away() -> None:
    async with FakeUpstream() as up, connect(up) as client:
        await up.stop()
        msg = await client.ws.receive(timeout=2)
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 1001
        assert up.connections[0].closed.is_set()


async def test_two_connections_are_independent(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as first, connect(fake_upstream) as second:
        one, two = fake_upstream.connections
        await first.send({"type": "response.create"})
        await second.send({"type": "response.create"})
        await one.receive("response.create")
        await two.receive("response.create")
        assert one.session["id"] != two.session["id"]
        id_one = await one.respond(text="one")
        id_two = await two.respond(text="two")
        assert id_one != id_two
        assert (await first.recv_until("response.done"))[-1]["response"]["id"] == id_one
        assert (await second.recv_until("response.done"))[-1]["response"]["id"] == id_two
        assert one.protocol_violations == two.protocol_violations == []

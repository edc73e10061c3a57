"""The openai SDK's own realtime client, an independent third party, talks to the relay."""

from __future__ import annotations

import base64
import json
from typing import Any

from openai import AsyncOpenAI

from tests.fakes.fake_upstream import FakeUpstream
from tests.sessions.relay_helpers import relay_app


async def _next(rt: Any, type_: str) -> dict[str, Any]:
    while True:
        event = json.loads(await rt.recv_bytes())
        if event["type"] == type_:
            return event  # type: ignore[no-any-return]


async def test_openai_sdk_client_through_the_relay(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    sdk = AsyncOpenAI(api_key="client-needs-no-key", websocket_base_url=str(client.make_url("")))
    async with sdk.realtime.connect(model="gpt-realtime") as rt:
        up = await fake_upstream.next_connection()
        assert "client-needs-no-key" not in str(up.headers)  # the client's token stays with us
        audio = base64.b64encode(b"\x03\x00" * 2400).decode()
        await rt.input_audio_buffer.append(audio=audio)
        assert (await up.receive("input_audio_buffer.append"))["audio"] == audio
        await up.speech_started()
        started = await rt.recv()  # the SDK parses the forwarded GA event into its own model
        while started.type != "input_audio_buffer.speech_started":
            started = await rt.recv()
        assert (await _next(rt, "botify.state"))["state"] == "listening"
        await up.speech_stopped()
        await up.receive("response.create")
        await up.respond(text="We open at nine.", audio=b"\x00\x01" * 4800)
        delta = await _next(rt, "response.output_audio.delta")
        assert base64.b64decode(delta["delta"])
        await _next(rt, "response.done")
        await rt.send({"type": "response.create"})  # refused: the turn machine decides
        error = await _next(rt, "error")
        assert error["error"]["code"] == "event_not_allowed"
    await up.wait_closed(timeout=1.0)
    assert up.protocol_violations == []

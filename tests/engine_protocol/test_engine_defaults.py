"""The engine with GA defaults (server VAD answers and interrupts by itself), and the openai
SDK's realtime client talking to it directly."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from openai import AsyncOpenAI

from engine.audio import bytes_of
from engine.resources import EngineResources
from engine.server import EngineServer
from tests.engine_protocol.engine_helpers import EngineClient, spoken

RETURNS = "You can return shoes within thirty days. Shoes must be unworn and boxed."
Connect = Callable[[], Awaitable[EngineClient]]


@pytest.mark.paced
async def test_default_vad_answers_by_itself_and_barge_in_interrupts(engine: Connect) -> None:
    client = await engine()
    await client.receive("session.created")
    await client.stream(spoken("can I return shoes", silence_ms=700))
    created = await client.receive("response.created")  # create_response defaults to true
    first = await client.receive("response.output_audio.delta")
    assert first["response_id"] == created["response"]["id"]
    # The user talks over the answer: interrupt_response defaults to true.
    await client.stream(spoken("wait", silence_ms=300))
    done = await client.receive("response.done")
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"]["reason"] == "turn_detected"
    item = done["response"]["output"][0]
    assert item["status"] == "incomplete"
    sent_ms = sum(
        len(base64.b64decode(e["delta"])) // 48
        for e in client.of_type("response.output_audio.delta")
    )
    await client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": sent_ms,
        }
    )
    truncated = await client.receive("conversation.item.truncated")
    assert truncated["audio_end_ms"] == sent_ms


async def test_answers_without_tools_from_the_knowledge_search(
    aiohttp_client: Any, engine_resources: EngineResources
) -> None:
    from engine.answers import Passage

    async def knowledge(question: str) -> list[Passage]:
        return [
            Passage(
                "Returns",
                "You can return shoes within thirty days. Shoes must be unworn and boxed.",
            )
        ]

    resources = EngineResources(engine_resources.recognizer, knowledge=knowledge)
    app = web.Application()
    app.router.add_get("/rt", EngineServer(resources).handle)
    client = EngineClient(await (await aiohttp_client(app)).ws_connect("/rt"))
    await client.receive("session.created")
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "can I return shoes"}],
            },
        }
    )
    await client.send({"type": "response.create", "response": {"output_modalities": ["text"]}})
    text = await client.receive("response.output_text.done")
    assert (
        text["text"] == "You can return shoes within thirty days. Shoes must be unworn and boxed."
    )
    assert not client.of_type("response.output_audio.delta")


async def test_the_openai_sdk_talks_to_the_engine(
    aiohttp_client: Any, engine_resources: EngineResources
) -> None:
    app = web.Application()
    app.router.add_get("/local/v1/realtime", EngineServer(engine_resources).handle)
    server = await aiohttp_client(app)
    sdk = AsyncOpenAI(api_key="unused", websocket_base_url=str(server.make_url("/local/v1")))
    async with sdk.realtime.connect(model="botify-local") as rt:
        created = await rt.recv()
        assert created.type == "session.created"
        await rt.session.update(
            session={"type": "realtime", "audio": {"input": {"transcription": {"model": "x"}}}}
        )
        audio = spoken("what are your opening hours")
        for start in range(0, len(audio), bytes_of(100)):
            await rt.input_audio_buffer.append(
                audio=base64.b64encode(audio[start : start + bytes_of(100)]).decode()
            )
        kinds = []
        async for event in rt:
            kinds.append(event.type)
            if event.type == "conversation.item.input_audio_transcription.completed":
                assert "hours" in event.transcript
            if event.type == "response.done":
                assert event.response.status == "completed"
                break
        assert "input_audio_buffer.speech_started" in kinds
        assert "response.output_audio.delta" in kinds

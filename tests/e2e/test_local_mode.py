"""On a machine with no Azure account: a spoken question goes front-end -> relay -> embedded
engine (over a real socket), the model calls the search tool, the relay runs it on the sample
knowledge base, and a spoken answer comes back."""

from __future__ import annotations

import base64
from typing import Any

from app.config import settings_from_mapping
from app.web_app import make_app
from engine.audio import bytes_of
from tests.engine_protocol.engine_helpers import spoken
from tests.sessions.relay_helpers import TEST_CACHE_DIR, connect


async def test_spoken_question_gets_a_spoken_answer_from_the_knowledge_base(
    aiohttp_client: Any,
) -> None:
    settings = settings_from_mapping(
        {
            "CACHE_DIR": TEST_CACHE_DIR,
            "DEBOUNCE_DELAY": "0.3",
            "THROTTLE_MIN_INTERVAL": "1",
            "ENGINE_REALTIME_PACING": "0",
        }
    )
    client = await aiohttp_client(make_app(settings))
    front = await connect(client)
    audio = spoken("what are your opening hours")
    step = bytes_of(100)
    for start in range(0, len(audio), step):
        await front.send(
            {
                "type": "input_audio_buffer.append",
                "data": base64.b64encode(audio[start : start + step]).decode(),
            }
        )
    transcript = await front.receive(
        "conversation.item.input_audio_transcription.completed", timeout=15
    )
    assert "opening hours" in transcript["transcript"]
    await front.transition("debouncing", "responding", timeout=15)
    call = await front.receive("botify.tool_call", timeout=15)
    assert call["name"] == "search" and "hours" in call["arguments"]
    result = await front.receive("botify.tool_result", timeout=15)
    assert result["ok"] is True
    assert result["titles"][0].startswith("Opening hours")
    answer = await front.receive("response.output_audio_transcript.done", timeout=15)
    assert "nine a.m." in answer["transcript"]
    await front.receive("response.done", timeout=15)
    states = [(e["previous"], e["state"]) for e in front.events if e["type"] == "botify.state"]
    assert states[:3] == [
        ("idle", "listening"),
        ("listening", "debouncing"),
        ("debouncing", "responding"),
    ]
    reply = b"".join(
        base64.b64decode(e["delta"])
        for e in front.events
        if e["type"] == "response.output_audio.delta"
    )
    assert len(reply) > bytes_of(1000) and len(reply) % 2 == 0
    assert not [e for e in front.events if e["type"] == "error"]

"""The embedded engine speaks the Realtime GA protocol: VAD, recognition, search calls,
answers with audio, cancel; every event checked against the openai GA models."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable

import pytest

from engine.audio import bytes_of
from tests.engine_protocol.engine_helpers import EngineClient, spoken

Connect = Callable[[], Awaitable[EngineClient]]
SEARCH_TOOL = {
    "type": "function",
    "name": "search",
    "description": "Search the store's knowledge base.",
    "parameters": {
        "type": "object",
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
    },
}


async def _relay_like_session(client: EngineClient) -> None:
    """Configure the session as the relay does: VAD reports, never answers by itself."""
    await client.receive("session.created")
    await client.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": "Answer from the knowledge base.",
                "tools": [SEARCH_TOOL],
                "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
                "audio": {
                    "input": {
                        "transcription": {"model": "whisper-1"},
                        "turn_detection": {
                            "type": "server_vad",
                            "threshold": 0.5,
                            "silence_duration_ms": 500,
                            "create_response": False,
                            "interrupt_response": False,
                        },
                    },
                    "output": {"voice": "marin"},
                },
            },
        }
    )
    updated = await client.receive("session.updated")
    assert updated["ignored_fields"] == ["input_audio_noise_reduction"]
    assert updated["session"]["audio"]["output"]["voice"] == "marin"


async def test_vad_events_carry_the_right_milliseconds(engine: Connect) -> None:
    client = await engine()
    await _relay_like_session(client)
    audio = spoken("what are your opening hours", silence_ms=1000)
    await client.stream(audio, chunk_ms=20)
    started = await client.receive("input_audio_buffer.speech_started")
    stopped = await client.receive("input_audio_buffer.speech_stopped")
    # The speech begins after 1000 ms of silence; prefix padding (300 ms) comes before it.
    assert 600 <= started["audio_start_ms"] <= 800
    speech_ms = (len(audio) - 2 * bytes_of(1000)) // 48
    assert abs(stopped["audio_end_ms"] - (1000 + speech_ms)) <= 150
    assert stopped["item_id"] == started["item_id"]
    committed = await client.receive("input_audio_buffer.committed")
    assert committed["item_id"] == started["item_id"]
    done = await client.receive("conversation.item.input_audio_transcription.completed")
    assert "opening" in done["transcript"] and "hours" in done["transcript"]
    assert client.of_type("conversation.item.input_audio_transcription.delta")
    assert not client.of_type("response.created")  # create_response is false


async def test_question_to_search_call_to_spoken_answer(engine: Connect) -> None:
    client = await engine()
    await _relay_like_session(client)
    await client.stream(spoken("what are your opening hours"))
    await client.receive("conversation.item.input_audio_transcription.completed")
    await client.send({"type": "response.create"})
    call = await client.receive("response.function_call_arguments.done")
    assert call["name"] == "search" and "hours" in call["arguments"]
    done = await client.receive("response.done")
    assert done["response"]["status"] == "completed"
    assert done["response"]["output"][0]["type"] == "function_call"
    output = (
        '{"results": [{"id": "opening-hours#1", "title": "Opening hours", "location": "x", '
        '"content": "Our stores are open from nine a.m. to eight p.m., Monday to Saturday. '
        'On Sundays we open at ten a.m."}]}'
    )
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call["call_id"], "output": output},
        }
    )
    await client.receive("conversation.item.done")
    await client.send({"type": "response.create"})
    transcript = await client.receive("response.output_audio_transcript.done")
    assert "nine a.m." in transcript["transcript"]
    done = await client.receive("response.done")
    assert done["response"]["status"] == "completed"
    audio = b"".join(
        base64.b64decode(event["delta"]) for event in client.of_type("response.output_audio.delta")
    )
    assert len(audio) > bytes_of(1000)  # over a second of 24 kHz pcm16 speech
    message = done["response"]["output"][0]
    assert message["content"][0]["transcript"] == transcript["transcript"]


@pytest.mark.paced
async def test_cancel_stops_the_audio_at_once(engine: Connect) -> None:
    client = await engine()
    await client.receive("session.created")
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "tell me about your returns policy"}],
            },
        }
    )
    await client.send({"type": "response.create"})
    await client.receive("response.output_audio.delta")
    await client.send({"type": "response.cancel"})
    done = await client.receive("response.done")
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"]["reason"] == "client_cancelled"
    deltas_before = len(client.of_type("response.output_audio.delta"))
    await client.send({"type": "response.cancel"})  # nothing to cancel now
    error = await client.receive("error")
    assert error["error"]["code"] == "response_cancel_not_active"
    assert len(client.of_type("response.output_audio.delta")) == deltas_before


async def test_protocol_errors(engine: Connect) -> None:
    client = await engine()
    await client.receive("session.created")
    for event, code in [
        ({"type": "nope", "event_id": "e1"}, "invalid_value"),
        ({"type": "input_audio_buffer.append", "audio": "***"}, "invalid_value"),
        ({"type": "input_audio_buffer.append"}, "missing_required_parameter"),
        ({"type": "input_audio_buffer.commit"}, "input_audio_buffer_commit_empty"),
        (
            {"type": "conversation.item.truncate", "item_id": "x", "audio_end_ms": 5},
            "invalid_value",
        ),
        (
            {"type": "session.update", "session": {"audio": {"output": {"voice": "x"}}}},
            "invalid_value",
        ),
    ]:
        await client.send(event)
        error = await client.receive("error")
        assert error["error"]["code"] == code, event
    assert client.of_type("error")[0]["error"]["event_id"] == "e1"
    # Two responses at once are refused, like the real service.
    await client.send({"type": "response.create"})
    await client.send({"type": "response.create"})
    error = await client.receive("error")
    assert error["error"]["code"] == "conversation_already_has_active_response"
    await client.receive("response.done")

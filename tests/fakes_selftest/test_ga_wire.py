"""Everything the fake emits validates against the openai GA models; the checks themselves."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.realtime import (
    ConversationItemTruncatedEvent,
    RealtimeErrorEvent,
    ResponseDoneEvent,
    SessionCreatedEvent,
)

from tests.fakes.fake_upstream import FakeUpstream
from tests.fakes.ga_models import (
    CLIENT_EVENT_MODELS,
    SERVER_EVENT_MODELS,
    check_client_event,
    validate_server_event,
)
from tests.fakes_selftest.helpers import b64, connect

REQUIRED_TYPES = {
    "session.created",
    "session.updated",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
    "input_audio_buffer.cleared",
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.retrieved",
    "conversation.item.deleted",
    "conversation.item.truncated",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
    "response.created",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_audio.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.done",
    "error",
}


async def test_every_emitted_event_validates_strictly(fake_upstream: FakeUpstream) -> None:
    """A scenario touching every behaviour; then each event sent is parsed by its model."""
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "session.update", "session": {"type": "realtime"}})
        await client.send({"type": "input_audio_buffer.append", "audio": b64(b"\0" * 4800)})
        await client.send({"type": "input_audio_buffer.clear"})
        await conn.speech_started(audio_start_ms=10)
        await conn.speech_stopped(audio_end_ms=800)
        user_item = await conn.user_turn("What are your hours?")
        await client.send({"type": "conversation.item.retrieve", "item_id": user_item})
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        await conn.respond(
            text="Nine to five.", audio=b"\1\0" * 9600, function_calls=[("search", '{"q":1}')]
        )
        await client.send({"type": "response.create", "response": {"output_modalities": ["text"]}})
        await conn.receive("response.create")
        await conn.respond(text="Text only", modality="text")
        await client.send({"type": "response.create", "response": {"conversation": "none"}})
        await conn.receive("response.create")
        await conn.respond(text="Cut", audio=b"\1\0" * 4800, complete=False)
        await client.send({"type": "response.cancel"})
        await client.send({"type": "response.cancel"})
        await conn.receive("response.cancel")
        await conn.receive("response.cancel")
        message_id = conn.responses[0].outputs[0].item["id"]
        await client.send(
            {"type": "conversation.item.truncate", "item_id": message_id, "content_index": 0,
             "audio_end_ms": 100}
        )  # fmt: skip
        await client.send({"type": "conversation.item.delete", "item_id": user_item})
        await conn.error("server_error", error_type="server_error")
        await conn.receive("conversation.item.delete")
        await client.recv_until("conversation.item.deleted")  # client side validates as well

        assert {e["type"] for e in conn.sent} >= REQUIRED_TYPES
        for event in conn.sent:
            assert event["event_id"]
            validate_server_event(event)  # raises with the reason
        assert conn.protocol_violations == []
        done = [
            ResponseDoneEvent.model_validate(e) for e in conn.sent if e["type"] == "response.done"
        ]
        assert [d.response.status for d in done] == ["completed", "completed", "cancelled"]
        assert done[1].response.output_modalities == ["text"]
        assert done[2].response.conversation_id is None


def test_validate_server_event_is_strict() -> None:
    good: dict[str, Any] = {
        "type": "conversation.item.truncated", "event_id": "e", "item_id": "i",
        "content_index": 0, "audio_end_ms": 5,
    }  # fmt: skip
    assert isinstance(validate_server_event(good), ConversationItemTruncatedEvent)
    with pytest.raises(ValueError, match="undeclared fields \\['audio'\\]"):
        validate_server_event({**good, "audio": "x"})
    assert validate_server_event({**good, "audio": "x"}, strict=False)
    with pytest.raises(ValueError, match="audio_end_ms"):
        validate_server_event({k: v for k, v in good.items() if k != "audio_end_ms"})
    with pytest.raises(ValueError, match="not a GA server event"):
        validate_server_event({"type": "response.audio.delta", "event_id": "e"})  # beta name
    error = {"type": "error", "event_id": "e", "error": {"type": "t", "message": "m"}}
    assert isinstance(validate_server_event(error), RealtimeErrorEvent)


def test_session_events_accept_response_fields_only() -> None:
    session = {"type": "realtime", "id": "s", "object": "realtime.session", "expires_at": 1}
    event = {"type": "session.created", "event_id": "e", "session": session}
    assert isinstance(validate_server_event(event), SessionCreatedEvent)
    with pytest.raises(ValueError, match=r"session\.voice"):
        validate_server_event({**event, "session": {**session, "voice": "alloy"}})


def test_model_tables_cover_the_ga_names() -> None:
    assert set(SERVER_EVENT_MODELS) >= REQUIRED_TYPES
    assert "response.audio.delta" not in SERVER_EVENT_MODELS  # beta name is gone
    assert set(CLIENT_EVENT_MODELS) >= {
        "session.update", "input_audio_buffer.append", "input_audio_buffer.commit",
        "input_audio_buffer.clear", "conversation.item.create", "conversation.item.truncate",
        "response.create", "response.cancel",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("event", "code", "param"),
    [
        ({"type": "input_audio_buffer.append", "audio": "AA=="}, None, None),
        ({"type": "nope"}, "invalid_value", "type"),
        ({"type": "input_audio_buffer.append", "audio": 5}, "invalid_value", "audio"),
        ({"type": "conversation.item.truncate", "item_id": "i", "content_index": 0},
         "missing_required_parameter", "audio_end_ms"),
        ({"type": "response.create", "response": {"modalities": ["audio"]}},
         "unknown_parameter", "response.modalities"),
        ({"type": "session.update", "session": {"type": "realtime", "turn_detection": None}},
         "unknown_parameter", "session.turn_detection"),
    ],
)  # fmt: skip
def test_check_client_event(event: dict[str, Any], code: str | None, param: str | None) -> None:
    problem = check_client_event(event)
    got = (problem.code, problem.param) if problem else (None, None)
    assert got == (code, param)

"""The openai SDK's realtime client as an independent third-party client of the fake."""

from __future__ import annotations

import json

import pytest
import websockets
from openai import AsyncAzureOpenAI, AsyncOpenAI
from openai.types.realtime import (
    ConversationItemAdded,
    ConversationItemInputAudioTranscriptionCompletedEvent,
    InputAudioBufferSpeechStartedEvent,
    RealtimeConversationItemFunctionCall,
    RealtimeErrorEvent,
    RealtimeSessionCreateRequest,
    ResponseAudioDeltaEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
)

from tests.fakes.fake_upstream import FakeUpstream
from tests.fakes_selftest.helpers import b64


def sdk_client(up: FakeUpstream) -> AsyncOpenAI:
    return AsyncOpenAI(api_key="x", websocket_base_url=f"{up.ws_url}/openai/v1")


async def test_sdk_url_auth_and_no_deflate(fake_upstream: FakeUpstream) -> None:
    async with sdk_client(fake_upstream).realtime.connect(model="gpt-realtime") as rt:
        conn = await fake_upstream.next_connection()
        assert conn.path == "/openai/v1/realtime"  # websocket_base_url + "/realtime"
        assert conn.query == {"model": "gpt-realtime"}
        assert conn.headers["Authorization"] == "Bearer x"
        assert "api-key" not in conn.headers
        assert conn.extensions_offered is None  # the SDK turns deflate off (max_size unset)
        assert isinstance(await rt.recv(), SessionCreatedEvent)


async def test_azure_sdk_client_uses_legacy_query(fake_upstream: FakeUpstream) -> None:
    client = AsyncAzureOpenAI(
        api_key="k",
        azure_endpoint=fake_upstream.base_url,
        api_version="2025-08-28",
        websocket_base_url=f"{fake_upstream.ws_url}/openai/v1",
    )
    async with client.realtime.connect(model="gpt-realtime") as rt:
        conn = await fake_upstream.next_connection()
        # Not the GA URL (?model=...): api-version + deployment, with the api-key header.
        assert conn.query == {"api-version": "2025-08-28", "deployment": "gpt-realtime"}
        assert conn.headers["api-key"] == "k"
        created = await rt.recv()
        assert isinstance(created, SessionCreatedEvent)
        assert isinstance(created.session, RealtimeSessionCreateRequest)
        assert created.session.model == "gpt-realtime"


async def test_sdk_full_turn_parses_into_typed_events(fake_upstream: FakeUpstream) -> None:
    async with sdk_client(fake_upstream).realtime.connect(model="gpt-realtime") as rt:
        conn = await fake_upstream.next_connection()
        assert isinstance(await rt.recv(), SessionCreatedEvent)
        await rt.session.update(
            session={
                "type": "realtime",
                "instructions": "Be brief.",
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "turn_detection": {
                            "type": "server_vad",
                            "create_response": False,
                            "interrupt_response": False,
                        },
                    },
                    "output": {"voice": "marin"},
                },
            }
        )
        updated = await rt.recv()
        assert isinstance(updated, SessionUpdatedEvent)
        await rt.input_audio_buffer.append(audio=b64(b"\x00\x00" * 2400))
        await conn.receive("input_audio_buffer.append")
        assert conn.audio_bytes_received == 4800

        await conn.speech_started(audio_start_ms=0)
        assert isinstance(await rt.recv(), InputAudioBufferSpeechStartedEvent)
        await conn.speech_stopped(audio_end_ms=100)
        await conn.user_turn(transcript="Opening hours?")
        while not isinstance(
            event := await rt.recv(), ConversationItemInputAudioTranscriptionCompletedEvent
        ):
            pass
        assert event.transcript == "Opening hours?"

        await rt.response.create()
        await conn.receive("response.create")
        await conn.respond(
            text="Nine.", audio=b"\x01\x00" * 4800, function_calls=[("search", '{"q":"h"}')]
        )
        seen: list[object] = []
        while not isinstance(event := await rt.recv(), ResponseDoneEvent):
            seen.append(event)
        assert any(isinstance(e, ResponseAudioDeltaEvent) for e in seen)
        assert any(isinstance(e, ConversationItemAdded) for e in seen)
        args = next(e for e in seen if isinstance(e, ResponseFunctionCallArgumentsDoneEvent))
        assert event.response.status == "completed"
        assert event.response.output is not None
        call = event.response.output[1]
        assert isinstance(call, RealtimeConversationItemFunctionCall)
        assert (call.name, call.arguments, call.call_id) == ("search", '{"q":"h"}', args.call_id)

        await rt.conversation.item.create(
            item={"type": "function_call_output", "call_id": args.call_id, "output": "{}"}
        )
        assert isinstance(await rt.recv(), ConversationItemAdded)
        await rt.response.create()
        await conn.receive("response.create")
        await conn.respond(text="Still there?", audio=b"\x01\x00" * 4800, complete=False)
        await rt.response.cancel()
        while not isinstance(event := await rt.recv(), ResponseDoneEvent):
            pass
        assert event.response.status == "cancelled"
        assert conn.protocol_violations == []


async def test_sdk_binary_send_raw_and_error_parsing(fake_upstream: FakeUpstream) -> None:
    async with sdk_client(fake_upstream).realtime.connect(model="gpt-realtime") as rt:
        conn = await fake_upstream.next_connection()
        await rt.recv()
        await rt.send_raw(json.dumps({"type": "response.create"}).encode())  # BINARY frame
        await conn.receive("response.create")
        assert conn.binary_frames_received == 1
        await rt.send_raw(json.dumps({"type": "response.create", "event_id": "dup"}))
        error = await rt.recv()
        assert isinstance(error, RealtimeErrorEvent)
        assert error.error.code == "conversation_already_has_active_response"
        assert error.error.event_id == "dup"


async def test_sdk_sees_handshake_refusal() -> None:
    async with FakeUpstream(handshake_status=401) as up:
        with pytest.raises(websockets.exceptions.InvalidStatus, match="401"):
            async with sdk_client(up).realtime.connect(model="gpt-realtime"):
                pass
        assert [a.status for a in up.attempts] == [401]

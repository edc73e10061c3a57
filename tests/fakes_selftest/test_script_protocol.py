"""Script mode: the fake's automatic protocol behaviour and its script API, over aiohttp."""

from __future__ import annotations

import base64
import json

import pytest

from tests.fakes.fake_upstream import FakeUpstream, FakeUpstreamClosed
from tests.fakes_selftest.helpers import VOICE_LIVE_PATH, b64, connect

PCM_100MS = b"\x01\x00" * 2400  # 4800 bytes = 100 ms of pcm16 at 24 kHz


async def test_session_created_then_update_echoes_merged_session(
    fake_upstream: FakeUpstream,
) -> None:
    async with connect(fake_upstream) as client:
        created = client.events[0]
        assert created["session"]["type"] == "realtime"
        assert created["session"]["model"] == "gpt-realtime"
        conn = await fake_upstream.next_connection()
        update = {
            "type": "realtime",
            "instructions": "Answer briefly.",
            "audio": {
                "input": {"turn_detection": {"type": "server_vad", "create_response": False}},
                "output": {"voice": "marin"},
            },
        }
        await client.send({"type": "session.update", "event_id": "c1", "session": update})
        updated = await client.recv()
        assert updated["type"] == "session.updated"
        session = updated["session"]
        assert session["instructions"] == "Answer briefly."
        assert session["audio"]["output"]["voice"] == "marin"
        detection = session["audio"]["input"]["turn_detection"]
        assert detection["create_response"] is False
        assert detection["threshold"] == 0.5  # merged, not replaced
        assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
        assert (await conn.receive("session.update"))["event_id"] == "c1"
        assert conn.session == session
        assert conn.protocol_violations == []


@pytest.mark.parametrize(
    ("session", "code", "param"),
    [
        ({"instructions": "x"}, "missing_required_parameter", "session.type"),
        ({"type": "realtime", "voice": "alloy"}, "unknown_parameter", "session.voice"),
        ({"type": "realtime", "modalities": ["audio"]}, "unknown_parameter", "session.modalities"),
        (
            {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "vad"}}}},
            "invalid_value",
            "session.audio.input.turn_detection.type",
        ),
    ],
)
async def test_session_update_rejects_non_ga_shapes(
    fake_upstream: FakeUpstream, session: dict[str, object], code: str, param: str
) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "session.update", "event_id": "u1", "session": session})
        error = await client.expect_error(code)
        assert error["error"]["param"] == param
        assert error["error"]["event_id"] == "u1"
        assert conn.protocol_violations == [code]


async def test_voice_live_session_update_accepts_azure_extensions(
    fake_upstream: FakeUpstream,
) -> None:
    async with connect(fake_upstream, VOICE_LIVE_PATH) as client:
        conn = await fake_upstream.next_connection()
        assert conn.is_voice_live
        assert conn.query == {"api-version": "2025-10-01", "model": "gpt-realtime"}
        azure = {
            "type": "realtime",
            "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
            "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
            "audio": {"input": {"turn_detection": {"type": "azure_semantic_vad"}}},
        }
        await client.ws.send_str(json.dumps({"type": "session.update", "session": azure}))
        msg = await client.ws.receive(timeout=2)
        updated = json.loads(msg.data)  # not GA-model-valid: azure_semantic_vad
        assert updated["type"] == "session.updated"
        assert updated["session"]["input_audio_noise_reduction"]["type"].startswith("azure_")
        assert conn.protocol_violations == []


async def test_append_counts_bytes_and_rejects_bad_audio(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        for _ in range(3):
            await client.send({"type": "input_audio_buffer.append", "audio": b64(PCM_100MS)})
        await client.send({"type": "input_audio_buffer.append", "event_id": "bad", "audio": "%%"})
        error = await client.expect_error("invalid_value")
        assert error["error"]["event_id"] == "bad"
        await client.send({"type": "input_audio_buffer.append", "data": b64(PCM_100MS)})
        error = await client.expect_error("missing_required_parameter")
        assert error["error"]["param"] == "audio"
        await client.send({"type": "input_audio_buffer.append", "audio": "", "data": "AAAA"})
        error = await client.expect_error("unknown_parameter")
        assert error["error"]["param"] == "data"
        assert conn.audio_bytes_received == 3 * len(PCM_100MS)
        assert conn.protocol_violations == [
            "invalid_value",
            "missing_required_parameter",
            "unknown_parameter",
        ]
        assert len(conn.received) == 6


async def test_commit_clear_and_buffer_size(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "input_audio_buffer.append", "audio": b64(PCM_100MS[:960])})
        await client.send({"type": "input_audio_buffer.commit"})
        await client.expect_error("input_audio_buffer_commit_empty")
        await client.send({"type": "input_audio_buffer.clear"})
        assert (await client.recv())["type"] == "input_audio_buffer.cleared"
        await client.send({"type": "input_audio_buffer.append", "audio": b64(PCM_100MS)})
        await client.send({"type": "input_audio_buffer.commit"})
        events = await client.recv_until("conversation.item.done")
        assert [e["type"] for e in events] == [
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
        ]
        assert events[1]["item"]["role"] == "user"
        assert events[0]["item_id"] in conn.items
        assert conn.protocol_violations == ["input_audio_buffer_commit_empty"]


async def test_vad_helpers_and_user_turn(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        item_id = await conn.speech_started(audio_start_ms=120)
        assert await conn.speech_stopped(audio_end_ms=980) == item_id
        assert await conn.user_turn(transcript="When do you open today?") == item_id
        events = await client.recv_until("conversation.item.input_audio_transcription.completed")
        types = [e["type"] for e in events]
        assert types[:5] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
        ]
        assert "conversation.item.input_audio_transcription.delta" in types
        assert events[0]["audio_start_ms"] == 120 and events[1]["audio_end_ms"] == 980
        assert {e["item_id"] for e in events if "item_id" in e} == {item_id}
        deltas = "".join(e.get("delta", "") for e in events if e["type"].endswith(".delta"))
        assert deltas == events[-1]["transcript"] == "When do you open today?"
        assert conn.items[item_id]["content"][0]["transcript"] == "When do you open today?"
        # A new turn gets a new item id.
        assert await conn.speech_started() != item_id


async def test_respond_streams_a_full_response(fake_upstream: FakeUpstream) -> None:
    audio = PCM_100MS * 3
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create", "event_id": "r1"})
        assert (await conn.receive("response.create"))["event_id"] == "r1"
        response_id = await conn.respond(
            text="We open at nine.", audio=audio, function_calls=[("search", '{"q":"hours"}')]
        )
        events = await client.recv_until("response.done")
        assert {e.get("response_id", response_id) for e in events[1:-1]} == {response_id}
        audio_out = b"".join(
            base64.b64decode(e["delta"])
            for e in events
            if e["type"] == "response.output_audio.delta"
        )
        assert audio_out == audio
        transcript = "".join(
            e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta"
        )
        assert transcript == "We open at nine."
        done = events[-1]["response"]
        assert done["id"] == response_id and done["status"] == "completed"
        message, call = done["output"]
        assert message["content"] == [{"type": "output_audio", "transcript": "We open at nine."}]
        assert call["type"] == "function_call" and call["name"] == "search"
        assert call["arguments"] == '{"q":"hours"}' and call["call_id"]
        args_done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
        assert args_done["call_id"] == call["call_id"]
        assert conn.active_response is None
        assert conn.protocol_violations == []
        # The message closes before the function call starts.
        types = [e["type"] for e in events]
        assert types.index("response.output_audio.done") < types.index(
            "response.function_call_arguments.delta"
        )


async def test_respond_needs_a_pending_response_create(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        with pytest.raises(RuntimeError, match=r"response\.create"):
            await conn.respond(text="too early")
        response_id = await conn.respond(text="Hi", unprompted=True, modality="text")
        events = await client.recv_until("response.done")
        types = [e["type"] for e in events]
        assert "response.output_text.delta" in types and "response.output_text.done" in types
        assert events[-1]["response"]["output"][0]["content"] == [
            {"type": "output_text", "text": "Hi"}
        ]
        assert conn.responses[0].id == response_id and conn.responses[0].origin == "server"


async def test_second_response_create_while_active_is_a_violation(
    fake_upstream: FakeUpstream,
) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create"})
        await client.send({"type": "response.create", "event_id": "again"})
        error = await client.expect_error("conversation_already_has_active_response")
        assert error["error"]["event_id"] == "again"
        assert conn.protocol_violations == ["conversation_already_has_active_response"]
        await conn.receive("response.create")
        await conn.respond(text="One")
        await client.recv_until("response.done")
        await client.send({"type": "response.create"})  # fine once the first is done
        await conn.receive("response.create")
        await conn.receive("response.create")
        await conn.respond(text="Two")
        await client.recv_until("response.done")
        assert conn.protocol_violations == ["conversation_already_has_active_response"]


async def test_cancel_active_response_and_cancel_without_one(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.cancel", "event_id": "c0"})
        error = await client.expect_error("response_cancel_not_active")
        assert error["error"]["event_id"] == "c0"
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        await conn.respond(text="A long answer", audio=PCM_100MS * 2, complete=False)
        partial = await client.recv_until("response.output_audio.delta")
        assert partial[0]["type"] == "response.created"
        assert conn.active_response is not None
        await client.send({"type": "response.cancel"})
        events = await client.recv_until("response.done")
        done = events[-1]["response"]
        assert done["status"] == "cancelled"
        assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
        assert done["output"][0]["status"] == "incomplete"
        assert "response.output_audio.done" in [e["type"] for e in events]
        assert conn.active_response is None
        assert conn.protocol_violations == []  # response_cancel_not_active is harmless
        assert [e["error"]["code"] for e in conn.errors_sent] == ["response_cancel_not_active"]


async def test_cancel_before_any_output_still_sends_created(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create"})
        await client.send({"type": "response.cancel"})
        events = await client.recv_until("response.done")
        assert [e["type"] for e in events] == ["response.created", "response.done"]
        assert events[-1]["response"]["status"] == "cancelled"
        with pytest.raises(RuntimeError):
            await conn.respond()


async def test_finish_response_after_partial_stream(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        response_id = await conn.respond(function_calls=[("search", "{}")], text="", complete=False)
        assert await conn.finish_response() == response_id
        events = await client.recv_until("response.done")
        assert events[-1]["response"]["output"][0]["arguments"] == "{}"
        with pytest.raises(RuntimeError):
            await conn.finish_response()


async def test_conversation_items_create_retrieve_delete(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        text_item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hello"}],
        }
        await client.send({"type": "conversation.item.create", "item": text_item})
        added, done = await client.recv(), await client.recv()
        assert (added["type"], done["type"]) == (
            "conversation.item.added",
            "conversation.item.done",
        )
        item_id = added["item"]["id"]
        await client.send({"type": "conversation.item.retrieve", "item_id": item_id})
        assert (await client.recv())["item"]["content"][0]["text"] == "hello"
        await client.send({"type": "conversation.item.delete", "item_id": item_id})
        assert (await client.recv()) | {"event_id": ""} == {
            "type": "conversation.item.deleted",
            "item_id": item_id,
            "event_id": "",
        }
        await client.send({"type": "conversation.item.delete", "item_id": item_id})
        await client.expect_error("invalid_value")
        # A tool result must answer a call the model made.
        output = {"type": "function_call_output", "call_id": "call_nope", "output": "{}"}
        await client.send({"type": "conversation.item.create", "item": output})
        await client.expect_error("invalid_value")
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        await conn.respond(text="", function_calls=[("search", '{"q":"x"}')])
        events = await client.recv_until("response.done")
        call_id = events[-1]["response"]["output"][0]["call_id"]
        output["call_id"] = call_id
        await client.send({"type": "conversation.item.create", "item": output})
        assert (await client.recv())["item"]["call_id"] == call_id
        assert conn.protocol_violations == ["invalid_value", "invalid_value"]


async def test_truncate_within_and_beyond_sent_audio(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        await conn.respond(text="Hello", audio=PCM_100MS * 5)  # 500 ms
        events = await client.recv_until("response.done")
        item_id = events[-1]["response"]["output"][0]["id"]
        truncate = {"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0}
        await client.send({**truncate, "audio_end_ms": 300})
        truncated = await client.recv()
        assert truncated["type"] == "conversation.item.truncated"
        assert truncated["audio_end_ms"] == 300
        await client.send({**truncate, "audio_end_ms": 501, "event_id": "t2"})
        error = await client.expect_error("invalid_value")
        assert error["error"]["param"] == "audio_end_ms" and error["error"]["event_id"] == "t2"
        await client.send({**truncate, "item_id": "item_unknown", "audio_end_ms": 0})
        await client.expect_error("invalid_value")
        assert conn.truncations == [truncated]
        assert conn.protocol_violations == ["invalid_value", "invalid_value"]


async def test_invalid_json_unknown_type_and_binary_frames(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.ws.send_str("{not json")
        await client.expect_error("invalid_json")
        await client.send({"type": "response.audio.delta", "event_id": "beta"})
        error = await client.expect_error("invalid_value")
        assert error["error"]["param"] == "type" and error["error"]["event_id"] == "beta"
        await client.ws.send_bytes(json.dumps({"type": "input_audio_buffer.clear"}).encode())
        assert (await client.recv())["type"] == "input_audio_buffer.cleared"
        await client.ws.send_bytes(b"\xff\xfe raw pcm")
        await client.expect_error("invalid_json")
        assert conn.binary_frames_received == 2
        assert conn.protocol_violations == ["invalid_json", "invalid_value", "invalid_json"]


async def test_receive_filters_times_out_and_reports_close(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "input_audio_buffer.clear"})
        await client.send({"type": "response.create"})
        assert (await conn.receive("response.create"))["type"] == "response.create"
        assert [e["type"] for e in conn.received] == ["input_audio_buffer.clear", "response.create"]
        with pytest.raises(TimeoutError, match=r"response\.cancel"):
            await conn.receive("response.cancel", timeout=0.05)
        await client.ws.close()
        with pytest.raises(FakeUpstreamClosed):
            await conn.receive(timeout=1)
        await conn.wait_closed()
        with pytest.raises(FakeUpstreamClosed):
            await conn.send({"type": "input_audio_buffer.cleared"})


async def test_server_error_event_shape(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        sent = await conn.error("session_expired")
        event = await client.recv()
        assert event == sent
        assert event["event_id"]
        assert event["error"]["type"] == "invalid_request_error"
        assert event["error"]["code"] == "session_expired"
        assert "30 minutes" in event["error"]["message"]
        assert conn.protocol_violations == []  # server-initiated, not the client's fault


async def test_respond_again_continues_the_active_response(fake_upstream: FakeUpstream) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        first = await conn.respond(text="Let me check.", audio=PCM_100MS, complete=False)
        second = await conn.respond(text="", function_calls=[("search", '{"q":"hours"}')])
        assert first == second
        events = await client.recv_until("response.done")
        types = [e["type"] for e in events]
        assert types.count("response.created") == 1
        assert types.index("response.output_item.done") < types.index(
            "response.function_call_arguments.delta"
        )
        assert [o["status"] for o in events[-1]["response"]["output"]] == ["completed"] * 2


async def test_truncate_needs_content_index_zero_and_a_conversation_item(
    fake_upstream: FakeUpstream,
) -> None:
    async with connect(fake_upstream) as client:
        conn = await fake_upstream.next_connection()
        await client.send({"type": "response.create", "response": {"conversation": "none"}})
        await conn.receive("response.create")
        await conn.respond(text="Out of band", audio=PCM_100MS)
        events = await client.recv_until("response.done")
        assert events[-1]["response"]["conversation_id"] is None
        item_id = events[-1]["response"]["output"][0]["id"]
        assert item_id not in conn.items
        truncate = {"type": "conversation.item.truncate", "item_id": item_id, "audio_end_ms": 0}
        await client.send({**truncate, "content_index": 0})
        await client.expect_error("invalid_value")
        await client.send({"type": "response.create"})
        await conn.receive("response.create")
        await conn.respond(text="In band", audio=PCM_100MS)
        events = await client.recv_until("response.done")
        item_id = events[-1]["response"]["output"][0]["id"]
        await client.send({**truncate, "item_id": item_id, "content_index": 1})
        error = await client.expect_error("invalid_value")
        assert error["error"]["param"] == "content_index"

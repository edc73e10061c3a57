"""The relay on real sockets: what it sends upstream and how it treats client input."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
from openai.types.realtime import SessionUpdateEvent

from tests.fakes.fake_upstream import FakeUpstream
from tests.sessions.relay_helpers import API_KEY, connect, relay_app

PCM = base64.b64encode(b"\x01\x00" * 480).decode()  # 20 ms


async def test_session_update_is_the_ga_shape_with_the_settings(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(
        relay_app(
            fake_upstream,
            AZURE_OPENAI_REALTIME_VOICE_CHOICE="verse",
            AZURE_OPENAI_REALTIME_VAD_THRESHOLD="0.35",
            AZURE_OPENAI_REALTIME_VAD_SILENCE_DURATION_MS="650",
        )
    )
    await connect(client)
    up = await fake_upstream.next_connection()
    assert up.path == "/openai/v1/realtime" and up.query == {"model": "gpt-realtime"}
    assert up.headers["api-key"] == API_KEY
    assert "permessage-deflate" not in (up.extensions_offered or "")
    update = await up.receive("session.update")
    SessionUpdateEvent.model_validate(update)  # the openai SDK's own GA model accepts it
    session = update["session"]
    assert session["type"] == "realtime"
    assert "search" in session["instructions"]
    audio = session["audio"]
    assert audio["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert audio["output"] == {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "verse"}
    assert audio["input"]["transcription"]["model"]
    assert audio["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.35,
        "silence_duration_ms": 650,
        "prefix_padding_ms": 300,
        "create_response": False,
        "interrupt_response": False,
    }
    assert "input_audio_noise_reduction" not in session
    assert up.protocol_violations == []


async def test_voice_live_gets_its_url_and_azure_fields(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    from app.config import settings_from_mapping
    from app.web_app import make_app

    settings = settings_from_mapping(
        {
            "SPEECH_ENGINE": "azure",
            "AZURE_SPEECH_SERVICES_ENDPOINT": fake_upstream.base_url,
            "AZURE_SPEECH_SERVICES_KEY": "speech-key",
        }
    )
    client = await aiohttp_client(make_app(settings))
    await connect(client)
    up = await fake_upstream.next_connection()
    assert up.path == "/voice-live/realtime"
    assert up.query == {"api-version": "2025-10-01", "model": "gpt-realtime"}
    assert up.headers["api-key"] == "speech-key"
    session = (await up.receive("session.update"))["session"]
    assert session["input_audio_noise_reduction"] == {"type": "azure_deep_noise_suppression"}
    assert session["input_audio_echo_cancellation"] == {"type": "server_echo_cancellation"}


async def test_audio_in_data_audio_and_binary_frames_reaches_upstream_as_audio(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await front.send({"type": "input_audio_buffer.append", "data": PCM, "event_id": "seed"})
    await front.send({"type": "input_audio_buffer.append", "audio": PCM})
    await front.ws.send_bytes(b"\x02\x00" * 480)
    first = await up.receive("input_audio_buffer.append")
    assert first == {"type": "input_audio_buffer.append", "audio": PCM, "event_id": "seed"}
    await up.receive("input_audio_buffer.append")
    third = await up.receive("input_audio_buffer.append")
    assert base64.b64decode(third["audio"]) == b"\x02\x00" * 480
    assert up.audio_bytes_received == 3 * 960
    assert up.protocol_violations == []


async def test_every_bad_input_gets_an_error_and_the_session_goes_on(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    bad: list[tuple[str | bytes, str]] = [
        ("{oops", "invalid_json"),
        ('"just a string"', "invalid_event"),
        ('{"type": "what.is.this", "event_id": "e1"}', "unknown_event_type"),
        (
            '{"type": "input_audio_buffer.append", "audio": "***", "event_id": "e2"}',
            "invalid_audio",
        ),
        ('{"type": "input_audio_buffer.append", "audio": "AAAA"}', "invalid_audio_length"),
        ('{"type": "input_audio_buffer.append", "data": 3}', "invalid_field_type"),
        ('{"type": "input_audio_buffer.append"}', "missing_field"),
        ('{"type": "response.create", "event_id": "e3"}', "event_not_allowed"),
        (
            '{"type": "session.update", "session": {"instructions": "be rude", "tools": []}}',
            "session_field_not_allowed",
        ),
        (b"\x01\x02\x03", "invalid_audio_length"),
    ]
    for frame, code in bad:
        if isinstance(frame, bytes):
            await front.ws.send_bytes(frame)
        else:
            await front.ws.send_str(frame)
        error = await front.error()
        assert error["code"] == code, (frame, error)
        assert error["type"] == "invalid_request_error" and error["message"]
    assert [e["error"]["event_id"] for e in front.events if e["type"] == "error"][2:4] == [
        "e1",
        "e2",
    ]
    await front.send({"type": "input_audio_buffer.append", "audio": PCM})
    assert (await up.receive("input_audio_buffer.append"))["audio"] == PCM
    assert up.protocol_violations == []


async def test_oversize_frame_gets_an_error_and_the_session_goes_on(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    big = json.dumps({"type": "input_audio_buffer.append", "audio": "A" * (15 * 1024 * 1024 + 8)})
    await front.ws.send_str(big)
    assert (await front.error(timeout=10))["code"] == "frame_too_large"
    await front.send({"type": "input_audio_buffer.append", "audio": PCM})
    assert (await up.receive("input_audio_buffer.append"))["audio"] == PCM


async def test_repeated_abuse_closes_the_session(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    await fake_upstream.next_connection()
    for _ in range(60):
        await front.ws.send_str("{bad")
    codes = []
    while True:
        message = await front.ws.receive(timeout=5)
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        codes.append(json.loads(message.data).get("error", {}).get("code"))
    assert "too_many_errors" in codes
    assert message.type is aiohttp.WSMsgType.CLOSE and message.data == 1008


async def test_voice_may_change_only_before_the_first_answer(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.receive("session.update")
    voice = {
        "type": "session.update",
        "session": {"type": "realtime", "audio": {"output": {"voice": "marin"}}},
    }
    await front.send(voice)
    update = await up.receive("session.update")
    assert update["session"] == {"type": "realtime", "audio": {"output": {"voice": "marin"}}}
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await front.send({**voice, "event_id": "late"})
    error = await front.error()
    assert error["code"] == "voice_locked" and error["event_id"] == "late"


async def test_user_text_messages_are_forwarded(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    item = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "When do you open?"}],
    }
    await front.send({"type": "conversation.item.create", "item": item})
    assert (await up.receive("conversation.item.create"))["item"] == item
    added = await front.receive("conversation.item.added")
    assert added["item"]["content"][0]["text"] == "When do you open?"


async def test_the_relay_refuses_permessage_deflate(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    ws = await client.ws_connect("/realtime", compress=15)  # as browsers offer it
    assert ws.compress == 0  # the server did not accept the extension
    up = await fake_upstream.next_connection()
    assert up.compression_negotiated is False
    await ws.close()

"""Validation and normalisation of client events (no sockets)."""

from __future__ import annotations

import base64
import json

import pytest

from sessions.client_events import binary_append, parse_client_text
from sessions.errors import ClientEventError, ErrorCode

LIMIT = 1024 * 1024
PCM = base64.b64encode(b"\x01\x00" * 240).decode()


def refused(text: str) -> ClientEventError:
    with pytest.raises(ClientEventError) as caught:
        parse_client_text(text, LIMIT)
    return caught.value


def test_seed_data_field_is_normalised_to_audio() -> None:
    event = parse_client_text(json.dumps({"type": "input_audio_buffer.append", "data": PCM}), LIMIT)
    assert event.text is not None
    assert json.loads(event.text) == {"type": "input_audio_buffer.append", "audio": PCM}
    assert event.audio_bytes == 480


def test_canonical_append_is_forwarded_untouched() -> None:
    text = json.dumps({"type": "input_audio_buffer.append", "audio": PCM, "event_id": "e1"})
    event = parse_client_text(text, LIMIT)
    assert event.text is text


def test_append_with_extra_fields_is_rebuilt_without_them() -> None:
    text = json.dumps({"type": "input_audio_buffer.append", "audio": PCM, "x": 1, "event_id": "a"})
    event = parse_client_text(text, LIMIT)
    assert json.loads(event.text or "") == {
        "type": "input_audio_buffer.append",
        "audio": PCM,
        "event_id": "a",
    }


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ("{not json", ErrorCode.INVALID_JSON),
        ("[1, 2]", ErrorCode.INVALID_EVENT),
        ('{"event_id": "x"}', ErrorCode.MISSING_FIELD),
        ('{"type": 5}', ErrorCode.INVALID_FIELD_TYPE),
        ('{"type": "input_audio_buffer.append", "event_id": 7}', ErrorCode.INVALID_FIELD_TYPE),
        ('{"type": "nonsense.event"}', ErrorCode.UNKNOWN_EVENT_TYPE),
        ('{"type": "response.create"}', ErrorCode.EVENT_NOT_ALLOWED),
        ('{"type": "response.cancel"}', ErrorCode.EVENT_NOT_ALLOWED),
        ('{"type": "input_audio_buffer.append"}', ErrorCode.MISSING_FIELD),
        ('{"type": "input_audio_buffer.append", "audio": 12}', ErrorCode.INVALID_FIELD_TYPE),
        ('{"type": "input_audio_buffer.append", "data": "!!!notbase64"}', ErrorCode.INVALID_AUDIO),
        ('{"type": "input_audio_buffer.append", "audio": "AAAA"}', ErrorCode.INVALID_AUDIO_LENGTH),
        ('{"type": "input_audio_buffer.append", "audio": ""}', ErrorCode.INVALID_AUDIO_LENGTH),
        (
            '{"type": "input_audio_buffer.append", "audio": "AA==", "data": "AA=="}',
            ErrorCode.INVALID_EVENT,
        ),
        ('{"type": "conversation.item.create"}', ErrorCode.MISSING_FIELD),
        ('{"type": "conversation.item.create", "item": []}', ErrorCode.INVALID_FIELD_TYPE),
        (
            '{"type": "conversation.item.create", "item": {"type": "message", "role": "system",'
            ' "content": []}}',
            ErrorCode.EVENT_NOT_ALLOWED,
        ),
        ('{"type": "conversation.item.delete"}', ErrorCode.MISSING_FIELD),
        (
            '{"type": "session.update", "session": {"type": "realtime", "instructions": "x"}}',
            ErrorCode.SESSION_FIELD_NOT_ALLOWED,
        ),
        (
            '{"type": "session.update", "session": {"tools": []}}',
            ErrorCode.SESSION_FIELD_NOT_ALLOWED,
        ),
        (
            '{"type": "session.update", "session": {"audio": {"output": {"voice": "robot"}}}}',
            ErrorCode.INVALID_FIELD_TYPE,
        ),
        (
            '{"type": "session.update", "session": {"audio": {"input": {}}}}',
            ErrorCode.SESSION_FIELD_NOT_ALLOWED,
        ),
        ('{"type": "session.update", "session": "x"}', ErrorCode.INVALID_FIELD_TYPE),
        (
            '{"type": "botify.audio_played", "item_id": "i", "audio_end_ms": "5"}',
            ErrorCode.INVALID_FIELD_TYPE,
        ),
        (
            '{"type": "botify.audio_played", "item_id": "i", "audio_end_ms": -1}',
            ErrorCode.INVALID_FIELD_TYPE,
        ),
        ('{"type": "botify.audio_played", "audio_end_ms": 5}', ErrorCode.MISSING_FIELD),
    ],
)
def test_each_bad_event_gets_its_stable_code(event: str, code: ErrorCode) -> None:
    assert refused(event).code is code


def test_event_id_is_carried_into_the_error() -> None:
    error = refused('{"type": "nonsense", "event_id": "evt_42"}')
    assert error.event_id == "evt_42"
    assert "nonsense" in error.message


def test_oversize_frame_is_refused_before_parsing() -> None:
    error = refused(" " * (LIMIT + 1))
    assert error.code is ErrorCode.FRAME_TOO_LARGE


def test_voice_change_is_the_only_session_update() -> None:
    event = parse_client_text(
        '{"type": "session.update", "session": {"type": "realtime",'
        ' "audio": {"output": {"voice": "marin"}}}}',
        LIMIT,
    )
    assert event.text is None and event.event == {"voice": "marin", "event_id": None}


def test_binary_frames_are_raw_pcm16() -> None:
    event = binary_append(b"\x01\x02" * 10, LIMIT)
    assert json.loads(event.text or "")["audio"] == base64.b64encode(b"\x01\x02" * 10).decode()
    for frame, code in (
        (b"\x01", ErrorCode.INVALID_AUDIO_LENGTH),
        (b"", ErrorCode.INVALID_AUDIO_LENGTH),
    ):
        with pytest.raises(ClientEventError) as caught:
            binary_append(frame, LIMIT)
        assert caught.value.code is code
    with pytest.raises(ClientEventError) as caught:
        binary_append(b"\0" * (LIMIT + 2), LIMIT)
    assert caught.value.code is ErrorCode.FRAME_TOO_LARGE


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "input_audio_buffer.append", "audio": PCM},
        {"type": "input_audio_buffer.append", "data": PCM},
        {"type": "input_audio_buffer.append", "data": PCM, "event_id": "evt_9"},
        {"type": "input_audio_buffer.append", "audio": "AAA=", "event_id": "e-1.2:3"},
    ],
)
@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":")])
def test_plain_appends_take_the_fast_path_with_the_same_result(
    frame: dict[str, str], separators: tuple[str, str]
) -> None:
    event = parse_client_text(json.dumps(frame, separators=separators), LIMIT)
    audio = frame.get("audio", frame.get("data", ""))
    expected = {"type": "input_audio_buffer.append", "audio": audio}
    if "event_id" in frame:
        expected["event_id"] = frame["event_id"]
    assert json.loads(event.text or "") == expected
    assert event.audio_bytes == len(base64.b64decode(audio))
    assert event.audio_b64 == audio


@pytest.mark.parametrize(
    ("audio", "code"),
    [
        ("AAAA", ErrorCode.INVALID_AUDIO_LENGTH),  # 3 bytes
        ("AA==", ErrorCode.INVALID_AUDIO_LENGTH),  # 1 byte
        ("AAA", ErrorCode.INVALID_AUDIO),  # not a multiple of 4
        ("A===", ErrorCode.INVALID_AUDIO),
        ("", ErrorCode.INVALID_AUDIO_LENGTH),
    ],
)
def test_plain_appends_with_bad_audio_get_the_full_parser_s_error(
    audio: str, code: ErrorCode
) -> None:
    assert refused(json.dumps({"type": "input_audio_buffer.append", "audio": audio})).code is code

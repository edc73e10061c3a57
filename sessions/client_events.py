"""Validation and normalisation of what a client sends, before anything goes upstream."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from sessions.errors import ClientEventError, ErrorCode
from sessions.protocol import (
    APPEND,
    AUDIO_PLAYED,
    CLIENT_AUDIO_OUTPUT_FIELDS,
    CLIENT_SESSION_FIELDS,
    FORWARDED_CLIENT_EVENTS,
    REFUSED_CLIENT_EVENTS,
    VOICES,
)


@dataclass(slots=True)
class ClientEvent:
    """A valid client event. `text` is what to send upstream (None: handled by the relay)."""

    type: str
    event: dict[str, Any]
    text: str | None
    audio_bytes: int = 0
    audio_b64: str | None = None


# The append frames of ordinary clients (json.dumps / JSON.stringify output). Such a frame is
# valid JSON by construction and its audio is well-formed base64, so it needs no parsing: this
# is the per-frame hot path. Anything else takes the full parser below.
_PLAIN_APPEND = re.compile(
    r'\{"type": ?"input_audio_buffer\.append", ?"(audio|data)": ?"([A-Za-z0-9+/]*)(={0,2})"'
    r'(?:, ?"event_id": ?"([A-Za-z0-9_.:-]{1,128})")?\}'
)


def _plain_append(text: str) -> ClientEvent | None:
    match = _PLAIN_APPEND.fullmatch(text)
    if match is None:
        return None
    key, body, padding, event_id = match.groups()
    if (len(body) + len(padding)) % 4 or not body:
        return None  # let the full parser name the problem
    size = len(body) * 3 // 4
    if size % 2:
        return None
    value = body + padding
    if key == "audio":
        return ClientEvent(APPEND, {"event_id": event_id}, text, size, value)
    # Both strings were checked against plain character classes: no JSON escaping is needed.
    tail = "" if event_id is None else f', "event_id": "{event_id}"'
    forwarded = f'{{"type": "{APPEND}", "audio": "{value}"{tail}}}'
    return ClientEvent(APPEND, {"event_id": event_id}, forwarded, size, value)


def _fail(code: ErrorCode, message: str, event_id: str | None) -> ClientEventError:
    return ClientEventError(code, message, event_id)


def _field(event: dict[str, Any], name: str, kind: type, event_id: str | None, what: str) -> Any:
    if name not in event:
        raise _fail(ErrorCode.MISSING_FIELD, f"missing field `{name}` ({what})", event_id)
    value = event[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _fail(
            ErrorCode.INVALID_FIELD_TYPE,
            f"field `{name}` must be {what}, got {type(value).__name__}",
            event_id,
        )
    return value


def _decode_audio(value: str, event_id: str | None) -> int:
    try:
        audio = binascii.a2b_base64(value, strict_mode=True)
    except binascii.Error as error:
        raise _fail(
            ErrorCode.INVALID_AUDIO, f"audio is not valid base64 ({error})", event_id
        ) from None
    if not audio:
        raise _fail(ErrorCode.INVALID_AUDIO_LENGTH, "audio is empty", event_id)
    if len(audio) % 2:
        raise _fail(
            ErrorCode.INVALID_AUDIO_LENGTH,
            f"audio has {len(audio)} bytes; pcm16 needs an even number of bytes",
            event_id,
        )
    return len(audio)


def _append(event: dict[str, Any], text: str, event_id: str | None) -> ClientEvent:
    if "audio" in event and "data" in event:
        raise _fail(
            ErrorCode.INVALID_EVENT, "give the audio in `audio` or `data`, not both", event_id
        )
    key = "data" if "data" in event else "audio"
    value = _field(event, key, str, event_id, "base64 pcm16 24 kHz mono audio (`audio` or `data`)")
    size = _decode_audio(value, event_id)
    if key == "audio" and len(event) == (3 if event_id is not None else 2):
        return ClientEvent(APPEND, event, text, size, value)  # already canonical: forward as is
    normalised: dict[str, Any] = {"type": APPEND, "audio": value}
    if event_id is not None:
        normalised["event_id"] = event_id
    return ClientEvent(APPEND, normalised, json.dumps(normalised), size, value)


def binary_append(frame: bytes, max_bytes: int) -> ClientEvent:
    """A binary WebSocket frame is raw pcm16: wrap it in an append event."""
    event_id = None
    if len(frame) > max_bytes:
        raise _fail(
            ErrorCode.FRAME_TOO_LARGE,
            f"binary frame of {len(frame)} bytes is over the {max_bytes}-byte limit",
            event_id,
        )
    if not frame:
        raise _fail(ErrorCode.INVALID_AUDIO_LENGTH, "binary frame is empty", event_id)
    if len(frame) % 2:
        raise _fail(
            ErrorCode.INVALID_AUDIO_LENGTH,
            f"binary frame has {len(frame)} bytes; pcm16 needs an even number of bytes",
            event_id,
        )
    value = base64.b64encode(frame).decode("ascii")
    event = {"type": APPEND, "audio": value}
    return ClientEvent(APPEND, event, json.dumps(event), len(frame), value)


def _session_update(event: dict[str, Any], event_id: str | None) -> ClientEvent:
    session = _field(event, "session", dict, event_id, "an object")
    extra = sorted(set(session) - CLIENT_SESSION_FIELDS)
    audio = session.get("audio", {})
    if not isinstance(audio, dict):
        raise _fail(
            ErrorCode.INVALID_FIELD_TYPE, "field `session.audio` must be an object", event_id
        )
    extra += [f"audio.{k}" for k in sorted(set(audio) - {"output"})]
    output = audio.get("output", {})
    if not isinstance(output, dict):
        raise _fail(
            ErrorCode.INVALID_FIELD_TYPE, "field `session.audio.output` must be an object", event_id
        )
    extra += [f"audio.output.{k}" for k in sorted(set(output) - CLIENT_AUDIO_OUTPUT_FIELDS)]
    if extra:
        raise _fail(
            ErrorCode.SESSION_FIELD_NOT_ALLOWED,
            "a client may change only `session.audio.output.voice`; not allowed: "
            + ", ".join(extra),
            event_id,
        )
    voice = output.get("voice")
    if voice is None:
        raise _fail(ErrorCode.MISSING_FIELD, "missing `session.audio.output.voice`", event_id)
    if not isinstance(voice, str) or voice not in VOICES:
        raise _fail(
            ErrorCode.INVALID_FIELD_TYPE,
            "`session.audio.output.voice` must be one of " + ", ".join(VOICES),
            event_id,
        )
    return ClientEvent("session.update", {"voice": voice, "event_id": event_id}, None)


def _item_create(event: dict[str, Any], text: str, event_id: str | None) -> ClientEvent:
    item = _field(event, "item", dict, event_id, "an object")
    if item.get("type") != "message" or item.get("role") != "user":
        raise _fail(
            ErrorCode.EVENT_NOT_ALLOWED,
            "a client may add only user messages (`item.type` message, `item.role` user)",
            event_id,
        )
    _field(item, "content", list, event_id, "a list of content parts")
    return ClientEvent("conversation.item.create", event, text)


def _audio_played(event: dict[str, Any], event_id: str | None) -> ClientEvent:
    _field(event, "item_id", str, event_id, "the id of the assistant audio item")
    played = _field(event, "audio_end_ms", int, event_id, "an integer number of milliseconds")
    if played < 0:
        raise _fail(ErrorCode.INVALID_FIELD_TYPE, "`audio_end_ms` must be ≥ 0", event_id)
    return ClientEvent(AUDIO_PLAYED, event, None)


def parse_client_text(text: str, max_bytes: int) -> ClientEvent:
    """Validate one text frame; raise ClientEventError with a stable code when it is refused."""
    if len(text) > max_bytes:
        raise _fail(
            ErrorCode.FRAME_TOO_LARGE,
            f"frame of {len(text)} bytes is over the {max_bytes}-byte limit; send smaller chunks",
            None,
        )
    plain = _plain_append(text)
    if plain is not None:
        return plain
    try:
        event = json.loads(text)
    except ValueError as error:
        raise _fail(ErrorCode.INVALID_JSON, f"frame is not valid JSON ({error})", None) from None
    if not isinstance(event, dict):
        raise _fail(ErrorCode.INVALID_EVENT, "an event must be a JSON object", None)
    event_id = event.get("event_id")
    if event_id is not None and not isinstance(event_id, str):
        raise _fail(ErrorCode.INVALID_FIELD_TYPE, "field `event_id` must be a string", None)
    event_type = _field(event, "type", str, event_id, "a string naming the event")
    if event_type == APPEND:
        return _append(event, text, event_id)
    if event_type == "session.update":
        return _session_update(event, event_id)
    if event_type == "conversation.item.create":
        return _item_create(event, text, event_id)
    if event_type in ("conversation.item.retrieve", "conversation.item.delete"):
        _field(event, "item_id", str, event_id, "a string")
        return ClientEvent(event_type, event, text)
    if event_type == AUDIO_PLAYED:
        return _audio_played(event, event_id)
    if event_type in FORWARDED_CLIENT_EVENTS:
        return ClientEvent(event_type, event, text)
    if event_type in REFUSED_CLIENT_EVENTS:
        raise _fail(
            ErrorCode.EVENT_NOT_ALLOWED,
            f"`{event_type}` is not accepted: {REFUSED_CLIENT_EVENTS[event_type]}",
            event_id,
        )
    raise _fail(
        ErrorCode.UNKNOWN_EVENT_TYPE,
        f"unknown event type `{event_type}`; see GET /realtime-info for the accepted ones",
        event_id,
    )

"""Builders for the GA Realtime server events and objects the fake upstream emits.

Pure functions returning plain dicts (without ``event_id``: the connection adds one when it
sends). Shapes follow the openai package's GA models; ``tests/fakes_selftest`` parses each
one with them.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from engine.session_config import default_session as engine_default_session

Event = dict[str, Any]

PCM16_24K_BYTES_PER_MS = 48
"""pcm16, 24 kHz, mono: 48 bytes per millisecond."""

PCM_FORMAT: Event = {"type": "audio/pcm", "rate": 24000}


def default_session(session_id: str, model: str, *, lifetime_s: int = 1800) -> Event:
    """The session a GA server announces in ``session.created`` (its defaults): the same
    defaults the embedded engine announces, with Azure's lifetime."""
    session = engine_default_session(session_id, model)
    session["expires_at"] = int(time.time()) + lifetime_s
    return session


def deep_merge(base: Event, update: Event) -> Event:
    """A new dict: ``update`` merged into ``base`` (nested dicts merged, anything else replaced).

    Never mutates either argument (the anchor's bug was a shallow copy mutated later).
    """
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def error_event(
    code: str | None,
    message: str,
    *,
    error_type: str = "invalid_request_error",
    param: str | None = None,
    client_event_id: str | None = None,
) -> Event:
    """``{"type":"error","error":{"type","code","message","param","event_id"}}``."""
    return {
        "type": "error",
        "error": {
            "type": error_type,
            "code": code,
            "message": message,
            "param": param,
            "event_id": client_event_id,
        },
    }


def user_audio_item(item_id: str, transcript: str | None = None) -> Event:
    """The user message item a commit (VAD or client) creates from the input buffer."""
    return {
        "id": item_id,
        "type": "message",
        "object": "realtime.item",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": transcript}],
    }


def assistant_message_item(
    item_id: str, status: str = "in_progress", content: list[Event] | None = None
) -> Event:
    """An assistant message item (``content`` empty while it is being generated)."""
    return {
        "id": item_id,
        "type": "message",
        "object": "realtime.item",
        "status": status,
        "role": "assistant",
        "content": content or [],
    }


def message_content(part_type: str, text: str) -> Event:
    """Item content (``output_audio`` with transcript, or ``output_text``), never audio bytes.

    Note the GA asymmetry: the content part in ``response.content_part.*`` events has type
    ``audio``/``text``, the same content inside an item has ``output_audio``/``output_text``.
    """
    if part_type == "audio":
        return {"type": "output_audio", "transcript": text}
    return {"type": "output_text", "text": text}


def content_part(part_type: str, text: str) -> Event:
    """The ``part`` of ``response.content_part.added/done``."""
    if part_type == "audio":
        return {"type": "audio", "transcript": text}
    return {"type": "text", "text": text}


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, status: str = "in_progress"
) -> Event:
    return {
        "id": item_id,
        "type": "function_call",
        "object": "realtime.item",
        "status": status,
        "name": name,
        "call_id": call_id,
        "arguments": arguments,
    }


def response_object(
    response_id: str,
    *,
    status: str,
    output: list[Event],
    voice: str = "alloy",
    output_modalities: list[str] | None = None,
    conversation_id: str | None = "conv_fake",
    status_details: Event | None = None,
    metadata: dict[str, str] | None = None,
    usage: Event | None = None,
) -> Event:
    """A ``realtime.response`` object as in ``response.created`` / ``response.done``."""
    return {
        "id": response_id,
        "object": "realtime.response",
        "status": status,
        "status_details": status_details,
        "output": output,
        "conversation_id": conversation_id,
        "output_modalities": output_modalities or ["audio"],
        "max_output_tokens": "inf",
        "audio": {"output": {"format": dict(PCM_FORMAT), "voice": voice}},
        "usage": usage,
        "metadata": metadata,
    }


def usage(input_tokens: int, output_text_tokens: int, output_audio_tokens: int) -> Event:
    output_tokens = output_text_tokens + output_audio_tokens
    return {
        "total_tokens": input_tokens + output_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_token_details": {
            "text_tokens": input_tokens,
            "audio_tokens": 0,
            "image_tokens": 0,
            "cached_tokens": 0,
            "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
        },
        "output_token_details": {
            "text_tokens": output_text_tokens,
            "audio_tokens": output_audio_tokens,
        },
    }


def transcription_usage(seconds: float) -> Event:
    return {"type": "duration", "seconds": seconds}


def split_text(text: str, pieces: int) -> list[str]:
    """Split text into about ``pieces`` deltas on word boundaries; joining gives ``text``."""
    if not text:
        return []
    words = text.split(" ")
    per = max(1, -(-len(words) // max(1, pieces)))
    chunks = [" ".join(words[i : i + per]) for i in range(0, len(words), per)]
    return [chunk if i == 0 else " " + chunk for i, chunk in enumerate(chunks)]


HANDSHAKE_ERRORS: dict[int, tuple[str, str]] = {
    401: (
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
        "provide a valid key for an active subscription and use a correct regional API "
        "endpoint for your resource.",
    ),
    403: ("PermissionDenied", "The principal does not have permission to perform this operation."),
    404: (
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again.",
    ),
    429: (
        "429",
        "Requests to the Realtime API have exceeded call rate limit of your current pricing "
        "tier. Please retry after 1 second.",
    ),
}


def handshake_error_body(status: int) -> Event:
    """The JSON body Azure puts on a refused WebSocket upgrade."""
    code, message = HANDSHAKE_ERRORS.get(
        status, (str(status), "The fake upstream refused the WebSocket handshake.")
    )
    return {"error": {"code": code, "message": message}}

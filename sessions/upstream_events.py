"""Cheap reading of upstream events: most are forwarded untouched, so parse only what matters.

Audio and text deltas are the bulk of the traffic and are flat objects (no nested object has a
`type`), so their type can be read from the frame's first bytes without parsing the payload.
"""

from __future__ import annotations

import json
import re
from typing import Any

FLAT_DELTA_TYPES: frozenset[str] = frozenset(
    {
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.output_text.delta",
        "response.function_call_arguments.delta",
        "conversation.item.input_audio_transcription.delta",
    }
)
AUDIO_DELTA = "response.output_audio.delta"
_TYPE = re.compile(r'"type"\s*:\s*"([^"]+)"')
_PEEK_CHARS = 200
_DELTA_KEY = re.compile(r'"delta"\s*:\s*"')
PCM16_24K_BYTES_PER_MS = 48


def read_event(text: str) -> tuple[str, dict[str, Any] | None]:
    """The event's type and, unless it is a flat delta, the parsed event."""
    match = _TYPE.search(text, 0, _PEEK_CHARS)
    if match is not None and match.group(1) in FLAT_DELTA_TYPES:
        return match.group(1), None
    try:
        event = json.loads(text)
    except ValueError:
        return "", None
    if not isinstance(event, dict):
        return "", None
    event_type = event.get("type")
    return (event_type if isinstance(event_type, str) else ""), event


def audio_delta_ms(text: str) -> float:
    """Milliseconds of pcm16 24 kHz audio in an audio delta frame, from its base64 length."""
    match = _DELTA_KEY.search(text)
    if match is None:
        return 0.0
    start = match.end()
    end = text.find('"', start)
    if end < 0:
        return 0.0
    return (end - start) * 3 / 4 / PCM16_24K_BYTES_PER_MS


def function_calls(response_done: dict[str, Any]) -> list[dict[str, Any]]:
    """The completed function-call items of a `response.done` event."""
    response = response_done.get("response")
    if not isinstance(response, dict) or response.get("status") == "cancelled":
        return []
    output = response.get("output")
    if not isinstance(output, list):
        return []
    return [
        item
        for item in output
        if isinstance(item, dict) and item.get("type") == "function_call" and item.get("call_id")
    ]


def error_code(event: dict[str, Any]) -> str | None:
    error = event.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None

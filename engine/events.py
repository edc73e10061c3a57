"""GA Realtime server events and conversation items the engine emits, as plain dicts.

Shapes follow the openai package's GA models (`openai.types.realtime`); the engine's tests
validate every event it sends against them.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

Event = dict[str, Any]
PCM_FORMAT: Event = {"type": "audio/pcm", "rate": 24000}


class Ids:
    """Ids unique within one connection (and, with the random prefix, across connections)."""

    def __init__(self) -> None:
        self._prefix = secrets.token_hex(4)
        self._counter = itertools.count(1)

    def new(self, kind: str) -> str:
        return f"{kind}_{self._prefix}{next(self._counter):05d}"


def error(code: str, message: str, event_id: str | None = None, param: str | None = None) -> Event:
    return {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "code": code,
            "message": message,
            "param": param,
            "event_id": event_id,
        },
    }


def user_audio_item(item_id: str, transcript: str | None = None) -> Event:
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_audio", "transcript": transcript}],
    }


def assistant_item(item_id: str, status: str, transcript: str | None, audio: bool) -> Event:
    content: list[Event] = []
    if transcript is not None:
        part = (
            {"type": "output_audio", "transcript": transcript}
            if audio
            else {
                "type": "output_text",
                "text": transcript,
            }
        )
        content.append(part)
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": content,
    }


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> Event:
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def response(
    response_id: str,
    status: str,
    output: list[Event],
    modalities: list[str],
    voice: str,
    reason: str | None = None,
) -> Event:
    details: Event | None = None
    if status in ("cancelled", "incomplete", "failed"):
        details = {"type": status, "reason": reason}
    return {
        "object": "realtime.response",
        "id": response_id,
        "status": status,
        "status_details": details,
        "output": output,
        "conversation_id": None,
        "output_modalities": modalities,
        "max_output_tokens": "inf",
        "audio": {"output": {"format": dict(PCM_FORMAT), "voice": voice}},
        "usage": None,
        "metadata": None,
    }


def content_part(audio: bool, text: str) -> Event:
    if audio:
        return {"type": "audio", "transcript": text}
    return {"type": "text", "text": text}

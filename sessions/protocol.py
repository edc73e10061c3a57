"""What the relay accepts from clients and what it sends them: the protocol's vocabulary."""

from __future__ import annotations

from typing import Any

VOICES: tuple[str, ...] = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)

APPEND = "input_audio_buffer.append"
AUDIO_PLAYED = "botify.audio_played"

# Client events the relay forwards upstream (after validation). `response.create` and
# `response.cancel` are absent on purpose: the turn machine alone decides when the model speaks.
FORWARDED_CLIENT_EVENTS: frozenset[str] = frozenset(
    {
        APPEND,
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "conversation.item.create",
        "conversation.item.retrieve",
        "conversation.item.delete",
        "session.update",
    }
)
# Realtime client events a client may not send: the service owns turns and tools.
REFUSED_CLIENT_EVENTS: dict[str, str] = {
    "response.create": "the service decides when the model answers (turn rules)",
    "response.cancel": "the service cancels answers itself when the user barges in",
    "conversation.item.truncate": "send botify.audio_played; the service truncates on barge-in",
    "output_audio_buffer.clear": "not used by this service",
    "transcription_session.update": "not used by this service",
}
# Session fields a client may set with `session.update` (everything else is the server's).
CLIENT_SESSION_FIELDS: frozenset[str] = frozenset({"type", "audio"})
CLIENT_AUDIO_OUTPUT_FIELDS: frozenset[str] = frozenset({"voice"})

CLIENT_MESSAGES: tuple[dict[str, Any], ...] = (
    {
        "type": APPEND,
        "description": "Microphone audio, base64 pcm16 24 kHz mono, in `data` (the original "
        "Botify format) or `audio` (the Realtime API's). Binary WebSocket frames are taken "
        "as raw pcm16 too.",
        "example": {"type": APPEND, "data": "BASE64_ENCODED_AUDIO_DATA"},
    },
    {
        "type": "input_audio_buffer.commit",
        "description": "Commit the buffered audio as a user turn (server VAD does this itself).",
        "example": {"type": "input_audio_buffer.commit"},
    },
    {
        "type": "input_audio_buffer.clear",
        "description": "Drop the buffered audio.",
        "example": {"type": "input_audio_buffer.clear"},
    },
    {
        "type": "conversation.item.create",
        "description": "Add an item (for example a typed user message) to the conversation.",
        "example": {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What are your opening hours?"}],
            },
        },
    },
    {
        "type": "session.update",
        "description": "Change the voice before the first answer. Instructions, tools and "
        "turn detection belong to the server and cannot be changed.",
        "example": {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "marin"}}},
        },
    },
    {
        "type": AUDIO_PLAYED,
        "description": "How much of an assistant audio item the front-end has played; on "
        "barge-in the service truncates that item there (`conversation.item.truncate`).",
        "example": {"type": AUDIO_PLAYED, "item_id": "item_123", "audio_end_ms": 1200},
    },
)

SERVER_EVENTS: tuple[str, ...] = (
    "session.created",
    "session.updated",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.truncated",
    "response.created",
    "response.output_item.added",
    "response.output_item.done",
    "response.output_audio.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
    "response.output_text.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.done",
    "error",
    "botify.state",
)

"""The `session.update` the relay sends upstream on connect, built on the openai GA types."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from openai.types.realtime import RealtimeFunctionToolParam, SessionUpdateEventParam
from openai.types.realtime.realtime_audio_input_turn_detection_param import ServerVad

from sessions.config import SessionConfig

TRANSCRIPTION_MODEL = "whisper-1"


def server_vad(config: SessionConfig) -> ServerVad:
    """Server VAD that reports speech but never answers or interrupts on its own."""
    return {
        "type": "server_vad",
        "threshold": config.vad_threshold,
        "silence_duration_ms": config.vad_silence_duration_ms,
        "prefix_padding_ms": config.vad_prefix_padding_ms,
        "create_response": False,
        "interrupt_response": False,
    }


def build_session_update(
    config: SessionConfig, tools: Sequence[RealtimeFunctionToolParam] = ()
) -> dict[str, Any]:
    """The GA `session.update`; Voice Live gets its noise suppression and echo cancellation."""
    event: SessionUpdateEventParam = {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "instructions": config.instructions,
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "transcription": {"model": TRANSCRIPTION_MODEL},
                    "turn_detection": server_vad(config),
                },
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": config.voice},
            },
            "tools": list(tools),
            "tool_choice": "auto",
        },
    }
    payload: dict[str, Any] = copy.deepcopy(dict(event))
    if config.upstream.voice_live:
        session = payload["session"]
        session["input_audio_noise_reduction"] = {"type": "azure_deep_noise_suppression"}
        session["input_audio_echo_cancellation"] = {"type": "server_echo_cancellation"}
    return payload


def voice_update(voice: str) -> dict[str, Any]:
    """The only `session.update` a client may cause: a new voice."""
    event: SessionUpdateEventParam = {
        "type": "session.update",
        "session": {"type": "realtime", "audio": {"output": {"voice": voice}}},
    }
    return dict(event)

"""The engine's session: GA defaults, the fields it honours, and the ones it ignores."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from engine.events import PCM_FORMAT, Event

DEFAULT_VOICE = "alloy"
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
SESSION_LIFETIME_S = 3600

# Honoured fields, as paths into `session`. Everything else a client sends is accepted,
# echoed back in `session.updated`, and listed there as ignored.
HONOURED: frozenset[str] = frozenset(
    {
        "type",
        "model",
        "instructions",
        "output_modalities",
        "tools",
        "tool_choice",
        "audio",
        "audio.input",
        "audio.input.format",
        "audio.input.transcription",
        "audio.input.turn_detection",
        "audio.input.turn_detection.type",
        "audio.input.turn_detection.threshold",
        "audio.input.turn_detection.prefix_padding_ms",
        "audio.input.turn_detection.silence_duration_ms",
        "audio.input.turn_detection.create_response",
        "audio.input.turn_detection.interrupt_response",
        "audio.output",
        "audio.output.format",
        "audio.output.voice",
    }
)
# Sub-objects whose content is taken as a whole (not checked field by field).
_OPAQUE = ("tools", "audio.input.transcription", "audio.input.format", "audio.output.format")


def default_session(session_id: str, model: str) -> Event:
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
        "output_modalities": ["audio"],
        "instructions": "You are a helpful assistant.",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "include": None,
        "expires_at": int(time.time()) + SESSION_LIFETIME_S,
        "audio": {
            "input": {
                "format": dict(PCM_FORMAT),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 500,
                    "idle_timeout_ms": None,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": dict(PCM_FORMAT), "voice": DEFAULT_VOICE, "speed": 1.0},
        },
    }


def _ignored(update: dict[str, Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for key, value in update.items():
        path = f"{prefix}{key}"
        if path not in HONOURED:
            found.append(path)
        elif isinstance(value, dict) and path not in _OPAQUE:
            found += _ignored(value, path + ".")
    return found


def _merge(base: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


class SessionConfigError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass
class EngineSession:
    """One connection's session: the full GA object plus what the engine derives from it."""

    session: Event
    ignored: list[str] = field(default_factory=list)

    def update(self, update: dict[str, Any]) -> list[str]:
        """Merge a `session.update`; returns the fields ignored by this update."""
        _check(update)
        _merge(self.session, update)
        ignored = _ignored(update)
        self.ignored = sorted(set(self.ignored) | set(ignored))
        return ignored

    @property
    def turn_detection(self) -> Event | None:
        detection = self.session["audio"]["input"].get("turn_detection")
        return detection if isinstance(detection, dict) else None

    @property
    def voice(self) -> str:
        voice = self.session["audio"]["output"].get("voice")
        return voice if isinstance(voice, str) else DEFAULT_VOICE

    @property
    def audio_out(self) -> bool:
        return "audio" in (self.session.get("output_modalities") or ["audio"])

    @property
    def transcription(self) -> bool:
        return self.session["audio"]["input"].get("transcription") is not None

    def tool_names(self) -> list[str]:
        return [
            str(tool.get("name"))
            for tool in self.session.get("tools") or []
            if isinstance(tool, dict) and tool.get("type", "function") == "function"
        ]


def _check(update: dict[str, Any]) -> None:
    audio = update.get("audio", {})
    if not isinstance(audio, dict):
        raise SessionConfigError("session.audio", "`session.audio` must be an object")
    for side in ("input", "output"):
        fmt = (audio.get(side) or {}).get("format") if isinstance(audio.get(side), dict) else None
        if fmt is not None and (
            not isinstance(fmt, dict)
            or fmt.get("type", "audio/pcm") != "audio/pcm"
            or fmt.get("rate", 24000) != 24000
        ):
            raise SessionConfigError(
                f"session.audio.{side}.format",
                "the embedded engine speaks only audio/pcm at 24000 Hz",
            )
    output = audio.get("output")
    voice = output.get("voice") if isinstance(output, dict) else None
    if voice is not None and voice not in VOICES:
        raise SessionConfigError(
            "session.audio.output.voice", "voice must be one of " + ", ".join(VOICES)
        )
    detection = (
        audio.get("input", {}).get("turn_detection")
        if isinstance(audio.get("input"), dict)
        else None
    )
    if isinstance(detection, dict):
        threshold = detection.get("threshold")
        if threshold is not None and not (
            isinstance(threshold, int | float) and 0 <= threshold <= 1
        ):
            raise SessionConfigError(
                "session.audio.input.turn_detection.threshold", "threshold must be within 0..1"
            )
    tools = update.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise SessionConfigError("session.tools", "`session.tools` must be a list")

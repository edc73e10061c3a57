"""The content of `GET /realtime-info`: built from the settings, never showing a secret."""

from __future__ import annotations

import functools
from typing import Any

from app.config import VARIABLES, Settings, UpstreamMode
from sessions.protocol import CLIENT_MESSAGES, SERVER_EVENTS, VOICES
from statemachine import STATES
from statemachine.diagram import mermaid

REALTIME_PATH = "/realtime"

_MODE_DESCRIPTIONS = {
    UpstreamMode.AZURE_OPENAI: "Azure OpenAI Realtime ({endpoint}, deployment {deployment})",
    UpstreamMode.VOICE_LIVE: "Azure Voice Live ({endpoint}, model {deployment})",
    UpstreamMode.LOCAL: "the embedded offline engine at /local/v1/realtime "
    "(no Azure endpoint is configured)",
}

# Variables each speech engine needs: (name, required).
_ENGINE_VARIABLES: dict[str, tuple[tuple[str, bool], ...]] = {
    "openai": (
        ("AZURE_OPENAI_ENDPOINT", True),
        ("AZURE_OPENAI_REALTIME_DEPLOYMENT", True),
        ("AZURE_OPENAI_API_KEY", False),
    ),
    "azure": (
        ("AZURE_SPEECH_SERVICES_ENDPOINT", True),
        ("AZURE_SPEECH_SERVICES_KEY", False),
        ("AZURE_OPENAI_REALTIME_DEPLOYMENT", False),
    ),
}
_SECRETS = {"AZURE_OPENAI_API_KEY", "AZURE_SPEECH_SERVICES_KEY"}


def _is_set(settings: Settings, name: str) -> bool:
    value = {
        "AZURE_OPENAI_ENDPOINT": settings.azure_openai_endpoint,
        "AZURE_OPENAI_REALTIME_DEPLOYMENT": settings.azure_openai_realtime_deployment,
        "AZURE_OPENAI_API_KEY": settings.azure_openai_api_key,
        "AZURE_SPEECH_SERVICES_ENDPOINT": settings.azure_speech_services_endpoint,
        "AZURE_SPEECH_SERVICES_KEY": settings.azure_speech_services_key,
    }[name]
    return bool(value)


def _environment(settings: Settings) -> list[dict[str, Any]]:
    descriptions = {name: text for name, _default, text in VARIABLES}
    return [
        {
            "name": name,
            "set": _is_set(settings, name),
            "required": required,
            "secret": name in _SECRETS,
            "description": descriptions[name],
        }
        for name, required in _ENGINE_VARIABLES[settings.speech_engine]
    ]


def _auth(settings: Settings) -> str:
    if settings.upstream_mode is UpstreamMode.LOCAL:
        return "none"
    return "entra-id" if settings.keyless else "api-key"


@functools.cache
def _diagram() -> str:
    return mermaid()


def describe(
    settings: Settings,
    ws_base_url: str,
    tools: list[dict[str, Any]],
    search: dict[str, Any],
    engine_problem: str | None = None,
) -> dict[str, Any]:
    """Everything a front-end developer needs to connect; `ws_base_url` is e.g. ws://host:8080.
    `engine_problem` says why the embedded engine could not load (local mode only)."""
    mode = settings.upstream_mode
    endpoint = (
        settings.azure_speech_services_endpoint
        if mode is UpstreamMode.VOICE_LIVE
        else settings.azure_openai_endpoint
    )
    deployment = (
        settings.voice_live_model
        if mode is UpstreamMode.VOICE_LIVE
        else settings.azure_openai_realtime_deployment
    )
    return {
        "websocket": {"path": REALTIME_PATH, "url": ws_base_url + REALTIME_PATH},
        "protocol": {
            "name": "Realtime API",
            "version": "GA",
            "audio_format": "pcm16, 24 kHz, mono, base64 in JSON events",
            "description": "The OpenAI/Azure Realtime API with GA event names "
            "(response.output_audio.delta, response.output_audio_transcript.delta, ...). "
            "Events the service adds are prefixed `botify.`.",
        },
        "voices": {"available": list(VOICES), "current": settings.voice},
        "upstream": {
            "speech_engine": settings.speech_engine,
            "mode": mode.value,
            "description": _MODE_DESCRIPTIONS[mode].format(endpoint=endpoint, deployment=deployment)
            + (f"; unavailable: {engine_problem}" if engine_problem else ""),
            "auth": _auth(settings),
        },
        "environment": _environment(settings),
        "configuration": {
            "debounce_delay": settings.debounce_delay,
            "throttle_min_interval": settings.throttle_min_interval,
            "vad_threshold": settings.vad_threshold,
            "vad_silence_duration_ms": settings.vad_silence_duration_ms,
            "recording": settings.recordings_dir is not None,
        },
        "client_messages": [dict(message) for message in CLIENT_MESSAGES],
        "server_events": list(SERVER_EVENTS),
        "tools": tools,
        "search": search,
        "turn_machine": {"states": list(STATES), "diagram": _diagram()},
        "testing": {
            "sample_client": None,
            "cli_client": 'python scripts/realtime_client.py --say "what are your opening hours" '
            "[--url ws://HOST:PORT/realtime] [--wav FILE] [--out reply.wav]",
            "replay": "python scripts/replay.py RECORDING.jsonl [--json] "
            "(record sessions with RECORDINGS_DIR=folder)",
        },
    }

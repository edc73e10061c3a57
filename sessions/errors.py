"""Error events in the Realtime shape, with the stable codes the relay uses."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Stable `error.code` values sent by the relay itself (upstream codes pass through)."""

    INVALID_JSON = "invalid_json"
    INVALID_EVENT = "invalid_event"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    EVENT_NOT_ALLOWED = "event_not_allowed"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD_TYPE = "invalid_field_type"
    INVALID_AUDIO = "invalid_audio"
    INVALID_AUDIO_LENGTH = "invalid_audio_length"
    FRAME_TOO_LARGE = "frame_too_large"
    SESSION_FIELD_NOT_ALLOWED = "session_field_not_allowed"
    VOICE_LOCKED = "voice_locked"
    TOO_MANY_ERRORS = "too_many_errors"
    UPSTREAM_NOT_CONFIGURED = "upstream_not_configured"
    UPSTREAM_AUTH_FAILED = "upstream_auth_failed"
    UPSTREAM_FORBIDDEN = "upstream_forbidden"
    UPSTREAM_NOT_FOUND = "upstream_not_found"
    UPSTREAM_RATE_LIMITED = "upstream_rate_limited"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    UPSTREAM_TIMEOUT = "upstream_timeout"
    UPSTREAM_HANDSHAKE_FAILED = "upstream_handshake_failed"
    UPSTREAM_CLOSED = "upstream_closed"
    UPSTREAM_UNRESPONSIVE = "upstream_unresponsive"
    CLIENT_TOO_SLOW = "client_too_slow"
    SERVER_BUSY = "server_busy"


class ClientEventError(Exception):
    """A client event the relay refuses; the session answers with an error event and goes on."""

    def __init__(self, code: ErrorCode, message: str, event_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.event_id = event_id


def error_event(
    code: str,
    message: str,
    event_id: str | None = None,
    error_type: str = "invalid_request_error",
) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "code": code, "message": message, "event_id": event_id},
    }


def error_text(
    code: str,
    message: str,
    event_id: str | None = None,
    error_type: str = "invalid_request_error",
) -> str:
    return json.dumps(error_event(code, message, event_id, error_type))

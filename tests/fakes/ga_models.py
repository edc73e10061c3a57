"""Check Realtime GA events against the openai package's typed protocol definitions.

The openai models are lenient in two ways that matter for a fake and for relay tests:

- every model allows extra fields (``extra="allow"``), so a misspelt or beta-era field
  validates silently. ``strict=True`` (the default here) reports every undeclared field;
- the unions (``RealtimeServerEvent``, ``RealtimeClientEvent``, ``ConversationItem``) carry the
  discriminator only as openai metadata, so pydantic tries every member and reports ~150
  errors for one bad event. Here the model is picked by the event's ``type`` first.

``session.created`` / ``session.updated`` declare their ``session`` as the *request* model
(``RealtimeSessionCreateRequest``), but servers send the *response* shape (``id``,
``object: "realtime.session"``, ``expires_at``). Those three fields are accepted, and the
session is also checked against ``RealtimeSessionCreateResponse``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

import pydantic
from openai.types.realtime import (
    RealtimeClientEvent,
    RealtimeServerEvent,
    RealtimeSessionCreateResponse,
)

__all__ = [
    "CLIENT_EVENT_MODELS",
    "SERVER_EVENT_MODELS",
    "Problem",
    "check_client_event",
    "extra_fields",
    "validate_server_event",
]


def _models_by_type(union: Any) -> dict[str, type[pydantic.BaseModel]]:
    members = typing.get_args(typing.get_args(union)[0])
    table: dict[str, type[pydantic.BaseModel]] = {}
    for model in members:
        literal = model.model_fields["type"].annotation
        for name in typing.get_args(literal):
            table[name] = model
    return table


SERVER_EVENT_MODELS: dict[str, type[pydantic.BaseModel]] = _models_by_type(RealtimeServerEvent)
"""GA server event type -> openai model, e.g. ``"response.output_audio.delta"``."""

CLIENT_EVENT_MODELS: dict[str, type[pydantic.BaseModel]] = _models_by_type(RealtimeClientEvent)
"""GA client event type -> openai model, e.g. ``"input_audio_buffer.append"``."""

# Fields real servers send that the models for these events do not declare.
_SERVER_ALLOWED_EXTRAS = frozenset({"session.id", "session.object", "session.expires_at"})


def extra_fields(value: object, path: str = "") -> list[str]:
    """Dotted paths of every field that no model declared, anywhere inside ``value``."""
    found: list[str] = []
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}" if path else key)
        for name in type(value).model_fields:
            child = f"{path}.{name}" if path else name
            found.extend(extra_fields(getattr(value, name), child))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(extra_fields(item, f"{path}[{index}]"))
    return found


def validate_server_event(event: dict[str, Any], *, strict: bool = True) -> pydantic.BaseModel:
    """Parse a server event with its GA model; raise ``ValueError`` naming what is wrong.

    With ``strict``, undeclared fields are errors too (except the session fields noted above).
    """
    event_type = event.get("type")
    model = SERVER_EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise ValueError(f"not a GA server event type: {event_type!r}")
    try:
        parsed = model.model_validate(event)
    except pydantic.ValidationError as exc:
        raise ValueError(f"{event_type}: {exc}") from exc
    if strict:
        extras = [p for p in extra_fields(parsed) if p not in _SERVER_ALLOWED_EXTRAS]
        if extras:
            raise ValueError(f"{event_type}: undeclared fields {extras}")
        if event_type in ("session.created", "session.updated"):
            session = event.get("session")
            if isinstance(session, dict) and session.get("type") == "realtime":
                try:
                    checked = RealtimeSessionCreateResponse.model_validate(session)
                except pydantic.ValidationError as exc:
                    raise ValueError(f"{event_type}.session: {exc}") from exc
                extras = extra_fields(checked, "session")
                if extras:
                    raise ValueError(f"{event_type}: undeclared fields {extras}")
    return parsed


@dataclass(frozen=True)
class Problem:
    """What a GA server would answer to a bad client event (``error.code/message/param``)."""

    code: str
    message: str
    param: str | None = None


def _param_path(loc: tuple[int | str, ...]) -> str:
    # Drop union member tags (class names) that pydantic inserts into the location.
    parts = [str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper())]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def check_client_event(event: dict[str, Any], *, strict: bool = True) -> Problem | None:
    """Check a client event like the GA service does; ``None`` when it is acceptable.

    Unknown types and wrong field types give ``invalid_value``, missing fields
    ``missing_required_parameter`` and (with ``strict``) undeclared fields ``unknown_parameter``.
    """
    event_type = event.get("type")
    model = CLIENT_EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        supported = ", ".join(f"'{name}'" for name in sorted(CLIENT_EVENT_MODELS))
        return Problem(
            "invalid_value",
            f"Invalid value: '{event_type}'. Supported values are: {supported}.",
            "type",
        )
    try:
        parsed = model.model_validate(event)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        # Prefer the error about a field over "type is not 'transcription'" union noise.
        errors.sort(key=lambda e: e["type"] == "literal_error" and e["loc"][-1] == "type")
        first = errors[0]
        param = _param_path(first["loc"])
        if first["type"] == "missing":
            return Problem(
                "missing_required_parameter", f"Missing required parameter: '{param}'.", param
            )
        return Problem("invalid_value", f"Invalid value for '{param}': {first['msg']}.", param)
    if strict:
        extras = extra_fields(parsed)
        if extras:
            return Problem("unknown_parameter", f"Unknown parameter: '{extras[0]}'.", extras[0])
    return None

"""Marshmallow schemas of `GET /realtime-info`, so the response model shows in Swagger."""

from __future__ import annotations

from marshmallow import Schema, fields


class WebSocketSchema(Schema):
    path = fields.String(required=True, metadata={"example": "/realtime"})
    url = fields.String(
        required=True,
        metadata={
            "description": "Ready-to-use URL as seen by this request.",
            "example": "ws://localhost:8080/realtime",
        },
    )


class ProtocolSchema(Schema):
    name = fields.String(required=True, metadata={"example": "Realtime API"})
    version = fields.String(required=True, metadata={"example": "GA"})
    audio_format = fields.String(required=True, metadata={"example": "pcm16, 24 kHz, mono"})
    description = fields.String(required=True)


class VoicesSchema(Schema):
    available = fields.List(fields.String(), required=True)
    current = fields.String(required=True, metadata={"example": "coral"})


class UpstreamSchema(Schema):
    speech_engine = fields.String(required=True, metadata={"enum": ["openai", "azure"]})
    mode = fields.String(required=True, metadata={"enum": ["azure_openai", "voice_live", "local"]})
    description = fields.String(required=True)
    auth = fields.String(
        required=True,
        metadata={
            "enum": ["api-key", "entra-id", "none"],
            "description": "How the service authenticates upstream (never the secret).",
        },
    )


class EnvironmentVariableSchema(Schema):
    name = fields.String(required=True)
    set = fields.Boolean(required=True, metadata={"description": "Whether it has a value."})
    required = fields.Boolean(required=True)
    secret = fields.Boolean(required=True)
    description = fields.String(required=True)


class TurnConfigurationSchema(Schema):
    debounce_delay = fields.Float(required=True, metadata={"description": "Seconds."})
    throttle_min_interval = fields.Float(required=True, metadata={"description": "Seconds."})
    vad_threshold = fields.Float(required=True)
    vad_silence_duration_ms = fields.Integer(required=True)
    recording = fields.Boolean(required=True, metadata={"description": "RECORDINGS_DIR set."})


class ClientMessageSchema(Schema):
    type = fields.String(required=True)
    description = fields.String(required=True)
    example = fields.Dict(required=True)


class TestingSchema(Schema):
    sample_client = fields.String(allow_none=True, metadata={"description": "Browser client."})
    cli_client = fields.String(allow_none=True, metadata={"description": "Command-line client."})
    replay = fields.String(allow_none=True, metadata={"description": "Replay a recording."})


class TurnMachineSchema(Schema):
    states = fields.List(fields.String(), required=True)
    diagram = fields.String(required=True, metadata={"description": "Mermaid state diagram."})


class ToolSchema(Schema):
    type = fields.String(required=True, metadata={"example": "function"})
    name = fields.String(required=True, metadata={"example": "search"})
    description = fields.String(required=True)
    parameters = fields.Dict(required=True, metadata={"description": "JSON Schema."})


class RealtimeInfoSchema(Schema):
    websocket = fields.Nested(WebSocketSchema, required=True)
    protocol = fields.Nested(ProtocolSchema, required=True)
    voices = fields.Nested(VoicesSchema, required=True)
    upstream = fields.Nested(UpstreamSchema, required=True)
    environment = fields.List(fields.Nested(EnvironmentVariableSchema), required=True)
    configuration = fields.Nested(TurnConfigurationSchema, required=True)
    client_messages = fields.List(fields.Nested(ClientMessageSchema), required=True)
    server_events = fields.List(fields.String(), required=True)
    tools = fields.List(
        fields.Nested(ToolSchema),
        required=True,
        metadata={"description": "The tools the model may call; the service runs them."},
    )
    search = fields.Dict(
        required=True,
        metadata={"description": "The knowledge-base search backend in use (no secrets)."},
    )
    turn_machine = fields.Nested(TurnMachineSchema, allow_none=True)
    testing = fields.Nested(TestingSchema, required=True)

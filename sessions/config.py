"""What a Session needs to know, built by the app from its Settings (sessions never read them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

TokenProvider = Callable[[], Awaitable[str]]

DEFAULT_INSTRUCTIONS = (
    "You are Botify, the voice assistant of a store. Answer in one or two short spoken "
    "sentences. When the question is about the store (opening hours, returns, delivery, "
    "products, payment), call the `search` tool first and answer only from what it returns; "
    "if it returns nothing useful, say that you do not know."
)


@dataclass(frozen=True)
class UpstreamTarget:
    """Where and how to open the upstream WebSocket. `describe()` never shows a secret."""

    url: str
    api_key: str | None = field(default=None, repr=False)
    token_provider: TokenProvider | None = field(default=None, repr=False)
    voice_live: bool = False
    # The embedded engine: its URL depends on the address the client reached (per connection).
    local_engine: bool = False
    # A non-empty reason means "there is no usable upstream": the session reports it and closes.
    unavailable_reason: str | None = None

    def describe(self) -> str:
        return self.url.split("?", 1)[0]


@dataclass(frozen=True)
class SessionConfig:
    """Everything per-session behaviour depends on. Shared, immutable, safe to reuse."""

    upstream: UpstreamTarget
    voice: str = "coral"
    instructions: str = DEFAULT_INSTRUCTIONS
    debounce_delay: float = 1.5
    throttle_min_interval: float = 4.0
    vad_threshold: float = 0.2
    vad_silence_duration_ms: int = 500
    vad_prefix_padding_ms: int = 300
    connect_timeout: float = 10.0
    recordings_dir: Path | None = None
    record_audio: bool = False
    max_frame_bytes: int = 15 * 1024 * 1024
    # More than `abuse_errors` refused events within `abuse_window` seconds closes the session.
    abuse_errors: int = 50
    abuse_window: float = 10.0
    tool_timeout: float = 5.0
    # Flow control and liveness (see sessions/outlet.py).
    client_buffer_bytes: int = 4 * 1024 * 1024
    client_send_timeout: float = 10.0
    heartbeat_interval: float = 20.0  # 0: no pings

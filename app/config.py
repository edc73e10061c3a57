"""The service's one `Settings` object, built once from the environment and `.env`.

Nothing else in the project reads the environment: every module receives what it needs from
the `Settings` built here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values

from sessions.protocol import VOICES

SPEECH_ENGINES: tuple[str, ...] = ("openai", "azure")
SECRET_VARIABLES: frozenset[str] = frozenset(
    {"AZURE_OPENAI_API_KEY", "AZURE_SPEECH_SERVICES_KEY", "AZURE_SEARCH_KEY"}
)
DEFAULT_VOICE_LIVE_API_VERSION = "2025-10-01"
DEFAULT_VOICE_LIVE_MODEL = "gpt-realtime"


class UpstreamMode(StrEnum):
    """Where a session's upstream leg goes."""

    AZURE_OPENAI = "azure_openai"
    VOICE_LIVE = "voice_live"
    LOCAL = "local"


class ConfigError(ValueError):
    """A bad or incomplete configuration; the message is one line naming the variable."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with. Build it with `load_settings()`."""

    azure_openai_api_key: str | None = field(default=None, repr=False)
    azure_openai_endpoint: str | None = None
    azure_openai_realtime_deployment: str | None = None
    speech_engine: str = "openai"
    voice: str = "coral"
    azure_speech_services_key: str | None = field(default=None, repr=False)
    azure_speech_services_endpoint: str | None = None
    voice_live_api_version: str = DEFAULT_VOICE_LIVE_API_VERSION
    debounce_delay: float = 1.5
    throttle_min_interval: float = 4.0
    vad_threshold: float = 0.2
    vad_silence_duration_ms: int = 500
    host: str = "0.0.0.0"
    port: int = 8080
    recordings_dir: Path | None = None
    record_audio: bool = False
    upstream_connect_timeout: float = 10.0
    max_sessions: int = 2000
    search_backend: str = "sqlite"
    search_docs_dir: Path | None = None
    search_index_path: Path | None = None
    azure_search_endpoint: str | None = None
    azure_search_index: str | None = None
    azure_search_key: str | None = field(default=None, repr=False)
    tool_timeout: float = 5.0
    search_top_k: int = 5
    cache_dir: Path | None = None
    engine_realtime_pacing: bool = True
    client_buffer_bytes: int = 4 * 1024 * 1024
    client_send_timeout: float = 10.0
    heartbeat_interval: float = 20.0

    @property
    def upstream_mode(self) -> UpstreamMode:
        if self.speech_engine == "azure" and self.azure_speech_services_endpoint:
            return UpstreamMode.VOICE_LIVE
        if self.speech_engine == "openai" and self.azure_openai_endpoint:
            return UpstreamMode.AZURE_OPENAI
        return UpstreamMode.LOCAL

    @property
    def voice_live_model(self) -> str:
        return self.azure_openai_realtime_deployment or DEFAULT_VOICE_LIVE_MODEL

    @property
    def keyless(self) -> bool:
        """True when the upstream is reached with an Entra ID token (azure-identity)."""
        mode = self.upstream_mode
        if mode is UpstreamMode.AZURE_OPENAI:
            return not self.azure_openai_api_key
        if mode is UpstreamMode.VOICE_LIVE:
            return not self.azure_speech_services_key
        return False


# Each variable: (name, default shown in docs, description). The order is the README's.
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("AZURE_OPENAI_API_KEY", "", "Azure OpenAI key (secret). Without it: keyless azure-identity."),
    ("AZURE_OPENAI_ENDPOINT", "", "Azure OpenAI resource, `https://NAME.openai.azure.com`."),
    ("AZURE_OPENAI_REALTIME_DEPLOYMENT", "", "Realtime model deployment name."),
    ("SPEECH_ENGINE", "openai", "`openai` (Azure OpenAI Realtime) or `azure` (Voice Live)."),
    ("AZURE_OPENAI_REALTIME_VOICE_CHOICE", "coral", "Voice: " + ", ".join(VOICES) + "."),
    ("AZURE_SPEECH_SERVICES_KEY", "", "Azure AI Services key for Voice Live (secret)."),
    (
        "AZURE_SPEECH_SERVICES_ENDPOINT",
        "",
        "Voice Live resource, `https://NAME.services.ai.azure.com`.",
    ),
    ("AZURE_VOICE_LIVE_API_VERSION", DEFAULT_VOICE_LIVE_API_VERSION, "Voice Live `api-version`."),
    ("DEBOUNCE_DELAY", "1.5", "Seconds of silence after speech before the model may answer."),
    ("THROTTLE_MIN_INTERVAL", "4", "Minimum seconds between the starts of two answers."),
    ("AZURE_OPENAI_REALTIME_VAD_THRESHOLD", "0.2", "Server VAD threshold, 0..1."),
    ("AZURE_OPENAI_REALTIME_VAD_SILENCE_DURATION_MS", "500", "Server VAD silence, integer ms ≥ 0."),
    ("HOST", "0.0.0.0", "Address the service listens on."),
    ("PORT", "8080", "Port the service listens on (1..65535)."),
    ("RECORDINGS_DIR", "", "Folder for one JSONL timeline per session; empty: no recording."),
    ("RECORD_AUDIO", "0", "`1` to include audio bytes (base64) in recordings."),
    ("UPSTREAM_CONNECT_TIMEOUT", "10", "Seconds allowed for the upstream WebSocket handshake."),
    ("MAX_SESSIONS", "2000", "Live sessions at most; more are refused with `server_busy`."),
    ("SEARCH_BACKEND", "sqlite", "`sqlite` (embedded FTS5 index) or `azure` (Azure AI Search)."),
    ("SEARCH_DOCS_DIR", "", "Folder of Markdown/text documents to index; default: the sample."),
    ("SEARCH_INDEX_PATH", "", "Where the SQLite index lives; default: under CACHE_DIR."),
    ("AZURE_SEARCH_ENDPOINT", "", "Azure AI Search service, `https://NAME.search.windows.net`."),
    ("AZURE_SEARCH_INDEX", "", "Azure AI Search index name."),
    ("AZURE_SEARCH_KEY", "", "Azure AI Search query key (secret); without it: Entra ID."),
    ("SEARCH_TOP_K", "5", "Search results given to the model per call (1..20)."),
    ("TOOL_TIMEOUT", "5", "Seconds a tool call may take before the model is told it failed."),
    ("CACHE_DIR", "~/.cache/botify-realtime", "Search index and speech model cache."),
    ("ENGINE_REALTIME_PACING", "1", "Embedded engine: `0` sends answers as fast as synthesised."),
    (
        "CLIENT_BUFFER_BYTES",
        "4194304",
        "Bytes queued for a slow client at most (about 60 s of audio); beyond: closed 1008.",
    ),
    (
        "CLIENT_SEND_TIMEOUT",
        "10",
        "Seconds a client may take to accept a write before it is closed with 1008.",
    ),
    ("HEARTBEAT_INTERVAL", "20", "Seconds between pings on both legs; `0` turns them off."),
)

_T = TypeVar("_T")


def _show(name: str, raw: str) -> str:
    return "<hidden>" if name in SECRET_VARIABLES else repr(raw)


def _parse(env: Mapping[str, str], name: str, convert: Callable[[str], _T], allowed: str) -> _T:
    raw = env[name]
    try:
        return convert(raw.strip())
    except ValueError:
        raise ConfigError(name, f"invalid value {_show(name, raw)}; expected {allowed}") from None


def _number(low: float | None = None, high: float | None = None) -> Callable[[str], float]:
    def convert(raw: str) -> float:
        value = float(raw)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(raw)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(raw)
        return value

    return convert


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    def convert(raw: str) -> int:
        value = int(raw)
        if value < low or (high is not None and value > high):
            raise ValueError(raw)
        return value

    return convert


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def convert(raw: str) -> str:
        if raw.lower() not in choices:
            raise ValueError(raw)
        return raw.lower()

    return convert


def _flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _folder(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ValueError(raw)
    return path


def _endpoint(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(raw)
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError(raw)
    _ = parts.port  # raises ValueError on a bad port
    return f"{parts.scheme}://{parts.netloc}"


_ENDPOINT_ALLOWED = "an http(s) URL with no path, e.g. https://NAME.openai.azure.com"


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def settings_from_mapping(env: Mapping[str, str]) -> Settings:
    """Validate and build Settings from a mapping of variables (the environment)."""
    values: dict[str, object] = {}

    def parse(name: str, key: str, convert: Callable[[str], object], allowed: str) -> None:
        if _text(env, name) is not None:
            values[key] = _parse(env, name, convert, allowed)

    parse("SPEECH_ENGINE", "speech_engine", _choice(SPEECH_ENGINES), "one of openai, azure")
    parse(
        "AZURE_OPENAI_REALTIME_VOICE_CHOICE",
        "voice",
        _choice(VOICES),
        "one of " + ", ".join(VOICES),
    )
    parse("AZURE_OPENAI_ENDPOINT", "azure_openai_endpoint", _endpoint, _ENDPOINT_ALLOWED)
    parse(
        "AZURE_SPEECH_SERVICES_ENDPOINT",
        "azure_speech_services_endpoint",
        _endpoint,
        "an http(s) URL with no path, e.g. https://NAME.services.ai.azure.com",
    )
    parse(
        "DEBOUNCE_DELAY", "debounce_delay", _number(0, 600), "seconds between 0 and 600, e.g. 1.5"
    )
    parse(
        "THROTTLE_MIN_INTERVAL",
        "throttle_min_interval",
        _number(0, 3600),
        "seconds between 0 and 3600 (fractions allowed), e.g. 4",
    )
    parse(
        "AZURE_OPENAI_REALTIME_VAD_THRESHOLD",
        "vad_threshold",
        _number(0, 1),
        "a number between 0 and 1, e.g. 0.2",
    )
    parse(
        "AZURE_OPENAI_REALTIME_VAD_SILENCE_DURATION_MS",
        "vad_silence_duration_ms",
        _integer(0, 60_000),
        "an integer number of milliseconds between 0 and 60000, e.g. 500",
    )
    parse("PORT", "port", _integer(1, 65535), "an integer between 1 and 65535")
    parse("MAX_SESSIONS", "max_sessions", _integer(1, 100_000), "an integer between 1 and 100000")
    parse("SEARCH_BACKEND", "search_backend", _choice(("sqlite", "azure")), "one of sqlite, azure")
    parse("SEARCH_DOCS_DIR", "search_docs_dir", _folder, "an existing folder of documents")
    parse(
        "AZURE_SEARCH_ENDPOINT",
        "azure_search_endpoint",
        _endpoint,
        "an http(s) URL with no path, e.g. https://NAME.search.windows.net",
    )
    parse("TOOL_TIMEOUT", "tool_timeout", _number(0.1, 120), "seconds between 0.1 and 120")
    parse("SEARCH_TOP_K", "search_top_k", _integer(1, 20), "an integer between 1 and 20")
    parse(
        "ENGINE_REALTIME_PACING",
        "engine_realtime_pacing",
        _flag,
        "1/0, true/false, yes/no or on/off",
    )
    parse("RECORD_AUDIO", "record_audio", _flag, "1/0, true/false, yes/no or on/off")
    parse(
        "UPSTREAM_CONNECT_TIMEOUT",
        "upstream_connect_timeout",
        _number(0.1, 300),
        "seconds between 0.1 and 300",
    )
    parse(
        "CLIENT_BUFFER_BYTES",
        "client_buffer_bytes",
        _integer(64 * 1024, 1024**3),
        "an integer number of bytes between 65536 and 1073741824, e.g. 4194304",
    )
    parse(
        "CLIENT_SEND_TIMEOUT",
        "client_send_timeout",
        _number(0.1, 300),
        "seconds between 0.1 and 300, e.g. 10",
    )
    parse(
        "HEARTBEAT_INTERVAL",
        "heartbeat_interval",
        _number(0, 3600),
        "seconds between 0 (off) and 3600, e.g. 20",
    )
    for name, key in (
        ("AZURE_OPENAI_API_KEY", "azure_openai_api_key"),
        ("AZURE_OPENAI_REALTIME_DEPLOYMENT", "azure_openai_realtime_deployment"),
        ("AZURE_SPEECH_SERVICES_KEY", "azure_speech_services_key"),
        ("AZURE_VOICE_LIVE_API_VERSION", "voice_live_api_version"),
        ("AZURE_SEARCH_INDEX", "azure_search_index"),
        ("AZURE_SEARCH_KEY", "azure_search_key"),
        ("HOST", "host"),
    ):
        text = _text(env, name)
        if text is not None:
            values[key] = text
    for name, key in (
        ("RECORDINGS_DIR", "recordings_dir"),
        ("SEARCH_INDEX_PATH", "search_index_path"),
        ("CACHE_DIR", "cache_dir"),
    ):
        text = _text(env, name)
        if text is not None:
            values[key] = Path(text).expanduser()

    settings = Settings(**values)  # type: ignore[arg-type]
    _check_complete(settings)
    return settings


def _check_complete(s: Settings) -> None:
    """Reject half configurations: each names the variable that is missing or stray."""
    if s.search_backend == "azure":
        for name, value in (
            ("AZURE_SEARCH_ENDPOINT", s.azure_search_endpoint),
            ("AZURE_SEARCH_INDEX", s.azure_search_index),
        ):
            if not value:
                raise ConfigError(name, "missing; SEARCH_BACKEND=azure needs it")
    _check_speech(s)


def _check_speech(s: Settings) -> None:
    if s.speech_engine == "openai":
        if s.azure_openai_endpoint and not s.azure_openai_realtime_deployment:
            raise ConfigError(
                "AZURE_OPENAI_REALTIME_DEPLOYMENT",
                "missing; AZURE_OPENAI_ENDPOINT is set, so the realtime deployment name is needed",
            )
        if not s.azure_openai_endpoint:
            for name, value in (
                ("AZURE_OPENAI_REALTIME_DEPLOYMENT", s.azure_openai_realtime_deployment),
                ("AZURE_OPENAI_API_KEY", s.azure_openai_api_key),
            ):
                if value:
                    raise ConfigError(
                        "AZURE_OPENAI_ENDPOINT",
                        f"missing; {name} is set, so the Azure OpenAI endpoint is needed "
                        "(or unset both to use the embedded engine)",
                    )
            if s.azure_speech_services_endpoint or s.azure_speech_services_key:
                raise ConfigError(
                    "SPEECH_ENGINE",
                    "is 'openai' but only Azure Voice Live variables are set; "
                    "set SPEECH_ENGINE=azure to use Voice Live",
                )
    else:
        if not s.azure_speech_services_endpoint:
            raise ConfigError(
                "AZURE_SPEECH_SERVICES_ENDPOINT",
                "missing; SPEECH_ENGINE=azure needs the Voice Live endpoint "
                "(or set SPEECH_ENGINE=openai)",
            )


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Build Settings from the environment plus `.env`; real variables win over `.env`."""
    env: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return settings_from_mapping(env)

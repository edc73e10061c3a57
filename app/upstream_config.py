"""From Settings to what sessions need: the upstream target and the per-session config."""

from __future__ import annotations

from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider

from app.config import Settings, UpstreamMode
from sessions.config import SessionConfig, TokenProvider, UpstreamTarget
from sessions.upstream import azure_openai_target, voice_live_target

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"


def needs_credential(settings: Settings) -> bool:
    return settings.upstream_mode is not UpstreamMode.LOCAL and settings.keyless


def make_credential() -> DefaultAzureCredential:
    return DefaultAzureCredential()


def upstream_target(
    settings: Settings, credential: DefaultAzureCredential | None, engine_problem: str | None
) -> UpstreamTarget:
    token_provider: TokenProvider | None = None
    if credential is not None:
        token_provider = get_bearer_token_provider(credential, COGNITIVE_SERVICES_SCOPE)
    mode = settings.upstream_mode
    if mode is UpstreamMode.AZURE_OPENAI:
        assert settings.azure_openai_endpoint and settings.azure_openai_realtime_deployment
        return azure_openai_target(
            settings.azure_openai_endpoint,
            settings.azure_openai_realtime_deployment,
            settings.azure_openai_api_key,
            token_provider,
        )
    if mode is UpstreamMode.VOICE_LIVE:
        assert settings.azure_speech_services_endpoint
        return voice_live_target(
            settings.azure_speech_services_endpoint,
            settings.voice_live_model,
            settings.voice_live_api_version,
            settings.azure_speech_services_key,
            token_provider,
        )
    if engine_problem is not None:
        return UpstreamTarget(
            url="",
            unavailable_reason="no Azure endpoint is configured and " + engine_problem,
        )
    return UpstreamTarget(url="", local_engine=True)


def session_config(settings: Settings, target: UpstreamTarget) -> SessionConfig:
    return SessionConfig(
        upstream=target,
        voice=settings.voice,
        debounce_delay=settings.debounce_delay,
        throttle_min_interval=settings.throttle_min_interval,
        vad_threshold=settings.vad_threshold,
        vad_silence_duration_ms=settings.vad_silence_duration_ms,
        connect_timeout=settings.upstream_connect_timeout,
        recordings_dir=settings.recordings_dir,
        record_audio=settings.record_audio,
        tool_timeout=settings.tool_timeout,
        client_buffer_bytes=settings.client_buffer_bytes,
        client_send_timeout=settings.client_send_timeout,
        heartbeat_interval=settings.heartbeat_interval,
    )

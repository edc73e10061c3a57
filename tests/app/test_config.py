"""Settings: defaults, validation errors that name the variable, half configurations, .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, Settings, UpstreamMode, load_settings, settings_from_mapping


def test_defaults_select_the_embedded_engine() -> None:
    s = settings_from_mapping({})
    assert s == Settings()
    assert (s.speech_engine, s.voice) == ("openai", "coral")
    assert (s.debounce_delay, s.throttle_min_interval) == (1.5, 4.0)
    assert (s.vad_threshold, s.vad_silence_duration_ms) == (0.2, 500)
    assert (s.host, s.port) == ("0.0.0.0", 8080)
    assert s.upstream_mode is UpstreamMode.LOCAL
    assert s.recordings_dir is None and s.record_audio is False


def test_azure_openai_mode_with_key_and_keyless() -> None:
    env = {
        "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com/",
        "AZURE_OPENAI_REALTIME_DEPLOYMENT": "gpt-realtime",
    }
    keyless = settings_from_mapping(env)
    assert keyless.upstream_mode is UpstreamMode.AZURE_OPENAI
    assert keyless.azure_openai_endpoint == "https://res.openai.azure.com"
    assert keyless.keyless
    keyed = settings_from_mapping({**env, "AZURE_OPENAI_API_KEY": "sekrit"})
    assert not keyed.keyless
    assert "sekrit" not in repr(keyed)


def test_voice_live_mode_and_local_http_endpoint() -> None:
    s = settings_from_mapping(
        {"SPEECH_ENGINE": "azure", "AZURE_SPEECH_SERVICES_ENDPOINT": "http://127.0.0.1:9999"}
    )
    assert s.upstream_mode is UpstreamMode.VOICE_LIVE
    assert s.azure_speech_services_endpoint == "http://127.0.0.1:9999"
    assert s.voice_live_model == "gpt-realtime"
    assert s.keyless


def test_fractional_throttle_and_values_are_parsed() -> None:
    s = settings_from_mapping(
        {
            "THROTTLE_MIN_INTERVAL": "0.25",
            "DEBOUNCE_DELAY": "0",
            "AZURE_OPENAI_REALTIME_VAD_THRESHOLD": "1",
            "AZURE_OPENAI_REALTIME_VAD_SILENCE_DURATION_MS": "0",
            "AZURE_OPENAI_REALTIME_VOICE_CHOICE": "Marin",
            "PORT": "1",
            "RECORDINGS_DIR": "/tmp/rec",
            "RECORD_AUDIO": "yes",
        }
    )
    assert s.throttle_min_interval == 0.25 and s.debounce_delay == 0.0
    assert s.vad_threshold == 1.0 and s.vad_silence_duration_ms == 0
    assert s.voice == "marin" and s.port == 1
    assert s.recordings_dir == Path("/tmp/rec") and s.record_audio


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("SPEECH_ENGINE", "google", "one of openai, azure"),
        ("AZURE_OPENAI_REALTIME_VOICE_CHOICE", "robot", "one of alloy"),
        ("DEBOUNCE_DELAY", "soon", "seconds"),
        ("DEBOUNCE_DELAY", "-1", "seconds"),
        ("DEBOUNCE_DELAY", "nan", "seconds"),
        ("THROTTLE_MIN_INTERVAL", "inf", "seconds"),
        ("AZURE_OPENAI_REALTIME_VAD_THRESHOLD", "1.5", "between 0 and 1"),
        ("AZURE_OPENAI_REALTIME_VAD_SILENCE_DURATION_MS", "2.5", "integer"),
        ("AZURE_OPENAI_REALTIME_VAD_SILENCE_DURATION_MS", "-5", "integer"),
        ("PORT", "70000", "between 1 and 65535"),
        ("PORT", "http", "between 1 and 65535"),
        ("AZURE_OPENAI_ENDPOINT", "res.openai.azure.com", "http(s) URL"),
        ("AZURE_OPENAI_ENDPOINT", "ftp://res.openai.azure.com", "http(s) URL"),
        ("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/openai?x=1", "http(s) URL"),
        ("AZURE_SPEECH_SERVICES_ENDPOINT", "https://x:notaport", "http(s) URL"),
        ("RECORD_AUDIO", "maybe", "1/0"),
    ],
)
def test_each_bad_value_names_the_variable_and_what_is_allowed(
    variable: str, value: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable}: invalid value {value!r}")
    assert allowed in message
    assert "\n" not in message
    assert caught.value.variable == variable


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (
            {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"},
            "AZURE_OPENAI_REALTIME_DEPLOYMENT",
        ),
        ({"AZURE_OPENAI_REALTIME_DEPLOYMENT": "gpt-realtime"}, "AZURE_OPENAI_ENDPOINT"),
        ({"AZURE_OPENAI_API_KEY": "k"}, "AZURE_OPENAI_ENDPOINT"),
        ({"SPEECH_ENGINE": "azure"}, "AZURE_SPEECH_SERVICES_ENDPOINT"),
        (
            {"SPEECH_ENGINE": "azure", "AZURE_SPEECH_SERVICES_KEY": "k"},
            "AZURE_SPEECH_SERVICES_ENDPOINT",
        ),
        ({"AZURE_SPEECH_SERVICES_ENDPOINT": "https://r.services.ai.azure.com"}, "SPEECH_ENGINE"),
    ],
)
def test_half_configurations_are_errors(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(env)
    assert caught.value.variable == variable
    assert "missing" in str(caught.value) or "SPEECH_ENGINE" in str(caught.value)


def test_secret_values_are_never_shown_in_errors() -> None:
    # A key alone is a half configuration: the message names variables, never the key.
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"AZURE_OPENAI_API_KEY": "very-secret-key"})
    assert "very-secret-key" not in str(caught.value)


def test_dotenv_loads_but_does_not_override(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("DEBOUNCE_DELAY=2.5\nTHROTTLE_MIN_INTERVAL=6\n# comment\nPORT=9000\n")
    s = load_settings({"THROTTLE_MIN_INTERVAL": "3"}, dotenv_path=dotenv)
    assert s.debounce_delay == 2.5  # from .env
    assert s.throttle_min_interval == 3.0  # the real variable wins
    assert s.port == 9000


def test_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, dotenv_path=tmp_path / "absent.env") == Settings()

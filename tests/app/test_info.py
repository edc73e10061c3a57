"""`GET /realtime-info` content, schema and secrecy; Swagger spec and /docs assets."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from app.config import settings_from_mapping
from app.info_schemas import RealtimeInfoSchema
from app.web_app import make_app
from sessions.protocol import VOICES
from tests.sessions.relay_helpers import TEST_CACHE_DIR

LOCAL_ENV = {"CACHE_DIR": TEST_CACHE_DIR}

SECRET_OPENAI = "openai-key-0123456789abcdef"
SECRET_SPEECH = "speech-key-fedcba9876543210"


async def _get_json(client: TestClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_realtime_info_default_content(aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(settings_from_mapping(LOCAL_ENV)))
    info = await _get_json(client, "/realtime-info")
    assert RealtimeInfoSchema().validate(info) == {}
    assert info["websocket"]["path"] == "/realtime"
    assert info["websocket"]["url"] == f"ws://{client.host}:{client.port}/realtime"
    assert info["protocol"]["version"] == "GA"
    assert info["voices"] == {"available": list(VOICES), "current": "coral"}
    assert info["upstream"]["mode"] == "local" and info["upstream"]["auth"] == "none"
    assert info["configuration"] == {
        "debounce_delay": 1.5,
        "throttle_min_interval": 4.0,
        "vad_threshold": 0.2,
        "vad_silence_duration_ms": 500,
        "recording": False,
    }
    append = info["client_messages"][0]
    assert append["example"] == {
        "type": "input_audio_buffer.append",
        "data": "BASE64_ENCODED_AUDIO_DATA",
    }
    assert "response.output_audio.delta" in info["server_events"]
    assert "botify.state" in info["server_events"]
    assert info["turn_machine"]["states"] == [
        "idle",
        "listening",
        "debouncing",
        "responding",
        "cooling_down",
    ]
    assert info["turn_machine"]["diagram"].lstrip().startswith("---")
    assert "debouncing --> responding" in info["turn_machine"]["diagram"]
    assert info["testing"]["replay"].startswith("python scripts/replay.py")
    [tool] = info["tools"]
    assert tool["name"] == "search" and tool["parameters"]["required"] == ["query"]
    assert info["search"]["backend"] == "sqlite" and info["search"]["sample_knowledge_base"]
    assert info["search"]["chunks"] > 100
    names = {v["name"]: v for v in info["environment"]}
    assert names["AZURE_OPENAI_ENDPOINT"] == {
        "name": "AZURE_OPENAI_ENDPOINT",
        "set": False,
        "required": True,
        "secret": False,
        "description": names["AZURE_OPENAI_ENDPOINT"]["description"],
    }


async def test_realtime_info_never_shows_secrets(aiohttp_client: Any) -> None:
    settings = settings_from_mapping(
        {
            "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
            "AZURE_OPENAI_REALTIME_DEPLOYMENT": "gpt-realtime",
            "AZURE_OPENAI_API_KEY": SECRET_OPENAI,
            "AZURE_SPEECH_SERVICES_KEY": SECRET_SPEECH,
            "AZURE_OPENAI_REALTIME_VOICE_CHOICE": "cedar",
        }
    )
    client = await aiohttp_client(make_app(settings))
    response = await client.get("/realtime-info")
    text = await response.text()
    assert SECRET_OPENAI not in text and SECRET_SPEECH not in text
    info = await response.json()
    assert info["upstream"]["mode"] == "azure_openai"
    assert info["upstream"]["auth"] == "api-key"
    assert info["voices"]["current"] == "cedar"
    assert {v["name"]: v["set"] for v in info["environment"]} == {
        "AZURE_OPENAI_ENDPOINT": True,
        "AZURE_OPENAI_REALTIME_DEPLOYMENT": True,
        "AZURE_OPENAI_API_KEY": True,
    }
    spec_text = await (await client.get("/api/docs/swagger.json")).text()
    assert SECRET_OPENAI not in spec_text


async def test_voice_live_lists_its_variables(aiohttp_client: Any) -> None:
    settings = settings_from_mapping(
        {
            "SPEECH_ENGINE": "azure",
            "AZURE_SPEECH_SERVICES_ENDPOINT": "https://r.services.ai.azure.com",
        }
    )
    info = await _get_json(await aiohttp_client(make_app(settings)), "/realtime-info")
    assert info["upstream"]["mode"] == "voice_live"
    assert info["upstream"]["auth"] == "entra-id"
    env = {v["name"]: v["set"] for v in info["environment"]}
    assert env["AZURE_SPEECH_SERVICES_ENDPOINT"] is True
    assert env["AZURE_SPEECH_SERVICES_KEY"] is False


async def test_swagger_spec_documents_realtime_info(aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(settings_from_mapping(LOCAL_ENV)))
    spec = await _get_json(client, "/api/docs/swagger.json")
    assert spec["swagger"] == "2.0"
    operation = spec["paths"]["/realtime-info"]["get"]
    schema_ref = operation["responses"]["200"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[-1]
    definition = spec["definitions"][name]
    assert {
        "websocket",
        "protocol",
        "voices",
        "upstream",
        "environment",
        "configuration",
        "client_messages",
        "server_events",
        "testing",
    } <= set(definition["properties"])
    assert "/healthz" in spec["paths"]
    # Only GET is documented: a HEAD twin listed first would answer "Try it out" with no body.
    assert all(set(operations) == {"get"} for operations in spec["paths"].values())


async def test_docs_page_uses_only_local_assets(aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(settings_from_mapping(LOCAL_ENV)))
    response = await client.get("/docs")
    assert response.status == 200
    page = await response.text()
    assert '"validatorUrl": null' in page
    urls = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r'url: "([^"]+)"', page)
    assert urls, "the page references its assets"
    for url in urls:
        assert url.startswith("/"), f"external asset {url}"
        asset = await client.get(url)
        assert asset.status == 200, url
    assert "http://" not in page and "https://" not in page


async def test_healthz(aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(settings_from_mapping(LOCAL_ENV)))
    assert await _get_json(client, "/healthz") == {"status": "ok"}

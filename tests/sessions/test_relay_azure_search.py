"""SEARCH_BACKEND=azure: the relay's search tool queries Azure AI Search (a fake speaking its
REST protocol on 127.0.0.1) with the configured key."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.fake_azure_search import FakeAzureSearch
from tests.fakes.fake_upstream import FakeUpstream
from tests.search.search_helpers import AZURE_DOCUMENTS
from tests.sessions.relay_helpers import connect, relay_app


async def test_the_search_tool_runs_on_azure_ai_search(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    async with FakeAzureSearch(api_key="search-key", indexes={"kb": list(AZURE_DOCUMENTS)}) as svc:
        client = await aiohttp_client(
            relay_app(
                fake_upstream,
                SEARCH_BACKEND="azure",
                AZURE_SEARCH_ENDPOINT=svc.base_url,
                AZURE_SEARCH_INDEX="kb",
                AZURE_SEARCH_KEY="search-key",
            )
        )
        info = await (await client.get("/realtime-info")).json()
        assert info["search"]["backend"] == "azure"
        assert "search-key" not in json.dumps(info)
        front = await connect(client)
        up = await fake_upstream.next_connection()
        await up.speech_started()
        await up.speech_stopped()
        await up.receive("response.create")
        await up.respond(text="", function_calls=[("search", '{"query": "opening hours"}')])
        result = await front.receive("botify.tool_result")
        assert result["ok"] is True and result["backend"] == "azure"
        assert result["result_ids"][0] == "hours-1"
        output = await up.receive("conversation.item.create")
        assert "nine" in json.loads(output["item"]["output"])["results"][0]["content"]
        assert svc.requests[-1].headers["api-key"] == "search-key"
        assert "search-key" not in json.dumps(front.events)

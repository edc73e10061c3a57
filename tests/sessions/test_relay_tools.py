"""The search tool inside the relay: the model's calls run off the forwarding path, their
outputs go back upstream, then the follow-up response; failures become outputs, not errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app import keys
from sessions.tool_calls import ToolSpec
from tests.fakes.fake_upstream import FakeUpstream, FakeUpstreamConnection
from tests.sessions.relay_helpers import RelayClient, connect, relay_app


async def _ask(up: FakeUpstreamConnection, calls: list[tuple[str, str]]) -> None:
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await up.respond(text="", function_calls=calls)


async def _output(up: FakeUpstreamConnection) -> dict[str, Any]:
    created = await up.receive("conversation.item.create")
    assert created["item"]["type"] == "function_call_output"
    return created["item"]  # type: ignore[no-any-return]


async def test_search_call_runs_on_the_knowledge_base(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    update = await up.receive("session.update")
    [tool] = update["session"]["tools"]
    assert tool["name"] == "search" and tool["parameters"]["required"] == ["query"]
    await _ask(up, [("search", json.dumps({"query": "what are your opening hours"}))])
    call = await front.receive("botify.tool_call")
    result = await front.receive("botify.tool_result")
    assert result["ok"] is True and result["call_id"] == call["call_id"]
    assert result["query"] == "what are your opening hours"
    assert result["titles"][0].startswith("Opening hours")
    assert result["result_ids"][0].startswith("opening-hours.md")
    assert result["duration_ms"] >= 0
    output = await _output(up)
    assert output["call_id"] == call["call_id"]
    results = json.loads(output["output"])["results"]
    assert "nine a.m." in " ".join(r["content"] for r in results)
    assert "summary" not in json.loads(output["output"])  # for the client, not the model
    await up.receive("response.create")  # rule 5's follow-up
    await up.respond(text="We open at nine.")
    await front.state("cooling_down")
    assert up.protocol_violations == []


async def test_bad_arguments_and_unknown_tools_become_outputs_for_the_model(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await _ask(
        up,
        [
            ("search", '{"q": "hours"}'),
            ("search", "not json"),
            ("search", '{"query": "hours", "extra": 1}'),
            ("weather", '{"city": "Paris"}'),
        ],
    )
    outputs = [json.loads((await _output(up))["output"]) for _ in range(4)]
    assert all(set(output) == {"error"} for output in outputs), outputs
    assert "query" in outputs[0]["error"]
    assert "no tool named 'weather'" in outputs[3]["error"]
    await up.receive("response.create")
    results = [e for e in front.events if e["type"] == "botify.tool_result"]
    results += [await front.receive("botify.tool_result") for _ in range(4 - len(results))]
    assert [r["ok"] for r in results] == [False] * 4
    assert not [e for e in front.events if e["type"] == "error"]
    assert up.protocol_violations == []


async def test_failing_and_slow_tools_and_forwarding_meanwhile(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream, TOOL_TIMEOUT="0.3"))
    release = asyncio.Event()

    async def broken(arguments: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("index on fire")

    async def slow(arguments: dict[str, Any]) -> dict[str, Any]:
        await release.wait()  # never released: the timeout ends it
        return {}

    tools = client.app[keys.TOOLS]
    tools["broken"] = ToolSpec({"type": "function", "name": "broken"}, broken)
    tools["slow"] = ToolSpec({"type": "function", "name": "slow"}, slow)
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await _ask(up, [("broken", "{}"), ("slow", "{}")])
    await front.receive("botify.tool_call")
    # While the slow tool runs, upstream events still reach the client.
    await up.send({"type": "rate_limits.updated", "rate_limits": []})
    await front.receive("rate_limits.updated")
    broken_output = json.loads((await _output(up))["output"])
    slow_output = json.loads((await _output(up))["output"])
    assert broken_output == {"error": "the tool failed (RuntimeError)"}
    assert slow_output == {"error": "the tool did not answer within 0.3 s"}
    await up.receive("response.create")
    assert "index on fire" not in json.dumps(front.events)
    assert up.protocol_violations == []


async def test_two_sessions_with_interleaved_tool_calls_stay_separate(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    fronts: list[RelayClient] = []
    ups: list[FakeUpstreamConnection] = []
    for _ in range(2):
        fronts.append(await connect(client))
        ups.append(await fake_upstream.next_connection())
    questions = ["can I return shoes", "do you accept paypal"]
    expected_docs = ["returns-policy.md", "payment-methods.md"]
    for up in ups:
        await up.speech_started()
        await up.speech_stopped()
    for up in ups:
        await up.receive("response.create")
    await asyncio.gather(
        *(
            up.respond(text="", function_calls=[("search", json.dumps({"query": q}))])
            for up, q in zip(ups, questions, strict=True)
        )
    )
    for front, up, question, doc in zip(fronts, ups, questions, expected_docs, strict=True):
        call = await front.receive("botify.tool_call")
        assert json.loads(call["arguments"])["query"] == question
        result = await front.receive("botify.tool_result")
        assert result["query"] == question
        output = await _output(up)
        assert output["call_id"] == call["call_id"]
        assert json.loads(output["output"])["results"][0]["id"].startswith(doc)
        await up.receive("response.create")
        assert len([e for e in front.events if e["type"] == "botify.tool_call"]) == 1
        assert up.protocol_violations == []

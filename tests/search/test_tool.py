"""The search tool: its schema, argument validation, and output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai.types.realtime import RealtimeFunctionTool

from search import SearchHit, SqliteSearchBackend, ToolArgumentsError
from search.tool import (
    MAX_CONTENT_CHARS,
    MAX_QUERY_CHARS,
    NOTHING_FOUND,
    TOOL_SCHEMA,
    make_search_tool,
    run_search_tool,
    tool_schema,
    validate_arguments,
)


class StubBackend:
    """A SearchBackend returning fixed hits and recording its queries."""

    def __init__(self, hits: list[SearchHit]) -> None:
        self.hits = hits
        self.queries: list[tuple[str, int]] = []

    @property
    def name(self) -> str:
        return "stub"

    async def search(self, query: str, k: int = 3) -> list[SearchHit]:
        self.queries.append((query, k))
        return self.hits[:k]

    def describe(self) -> dict[str, object]:
        return {"backend": "stub"}

    async def aclose(self) -> None:
        pass


HITS = [
    SearchHit("hours.md#1", "Opening hours", "Open 9 to 8.", "hours.md > Opening hours", 7.5),
    SearchHit("faq.md#4", "FAQ", "x" * 5000, "faq.md > FAQ > Hours", 3.25),
]


def test_the_schema_is_a_ga_function_tool_with_one_required_string() -> None:
    tool = RealtimeFunctionTool.model_validate(TOOL_SCHEMA)
    assert (tool.type, tool.name) == ("function", "search")
    assert set(TOOL_SCHEMA) == {"type", "name", "description", "parameters"}
    parameters: Any = TOOL_SCHEMA["parameters"]
    assert list(parameters["properties"]) == ["query"]
    assert parameters["properties"]["query"]["type"] == "string"
    assert parameters["required"] == ["query"]
    assert parameters["additionalProperties"] is False
    assert json.loads(json.dumps(TOOL_SCHEMA)) == TOOL_SCHEMA


def test_tool_schema_returns_an_independent_copy() -> None:
    copy = tool_schema()
    copy["description"] = "changed"
    copy["parameters"]["properties"]["query"]["type"] = "number"  # type: ignore[index]
    assert TOOL_SCHEMA["description"] != "changed"
    assert TOOL_SCHEMA["parameters"]["properties"]["query"]["type"] == "string"  # type: ignore[index]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, 'missing the required argument "query"'),
        ("", 'missing the required argument "query"'),
        ({"q": "hours"}, 'unexpected argument(s) "q"'),
        ({"query": "hours", "k": 5}, 'unexpected argument(s) "k"'),
        ({"query": 42}, '"query" must be a string, not a number'),
        ({"query": None}, '"query" must be a string, not null'),
        ({"query": ["a"]}, '"query" must be a string, not an array'),
        ({"query": True}, '"query" must be a string, not a boolean'),
        ({"query": ""}, '"query" is empty'),
        ({"query": "  \n "}, '"query" is empty'),
        ({"query": "a" * (MAX_QUERY_CHARS + 1)}, '"query" is too long (501 characters'),
        ("{not json", "not valid JSON"),
        ('["hours"]', "must be a JSON object"),
        (None, "must be a JSON object"),
    ],
)
def test_bad_arguments_are_refused_with_a_message_for_the_model(
    arguments: Any, message: str
) -> None:
    with pytest.raises(ToolArgumentsError) as caught:
        validate_arguments(arguments)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_good_arguments() -> None:
    assert validate_arguments({"query": "  opening hours "}) == "opening hours"
    assert validate_arguments('{"query": "returns"}') == "returns"
    assert validate_arguments(b'{"query": "returns"}') == "returns"
    assert validate_arguments({"query": "a" * MAX_QUERY_CHARS}) == "a" * MAX_QUERY_CHARS


def test_many_unexpected_fields_are_listed_briefly() -> None:
    with pytest.raises(ToolArgumentsError) as caught:
        validate_arguments({f"field{i}" + "x" * 100: i for i in range(20)})
    assert len(str(caught.value)) < 400


async def test_the_output_has_results_for_the_model_and_a_summary_for_the_client() -> None:
    backend = StubBackend(HITS)
    output = await run_search_tool(backend, {"query": " opening hours "}, k=2)
    assert backend.queries == [("opening hours", 2)]
    assert output["results"][0] == {
        "id": "hours.md#1",
        "title": "Opening hours",
        "location": "hours.md > Opening hours",
        "content": "Open 9 to 8.",
    }
    assert len(output["results"][1]["content"]) == MAX_CONTENT_CHARS
    assert output["results"][1]["content"].endswith("…")
    assert "note" not in output
    assert output["summary"] == {
        "query": "opening hours",
        "result_ids": ["hours.md#1", "faq.md#4"],
        "titles": ["Opening hours", "FAQ"],
        "backend": "stub",
    }
    json.dumps(output)


async def test_nothing_found_tells_the_model_to_say_it_does_not_know() -> None:
    output = await run_search_tool(StubBackend([]), {"query": "weather on mars"})
    assert output == {
        "results": [],
        "note": NOTHING_FOUND,
        "summary": {"query": "weather on mars", "result_ids": [], "titles": [], "backend": "stub"},
    }
    assert "don't know" in NOTHING_FOUND


async def test_bad_arguments_never_reach_the_backend() -> None:
    backend = StubBackend(HITS)
    with pytest.raises(ToolArgumentsError):
        await run_search_tool(backend, {"query": "x", "extra": 1})
    assert backend.queries == []


async def test_the_bound_tool_on_the_sample_knowledge_base(tmp_path: Path) -> None:
    backend = SqliteSearchBackend.open(cache_dir=tmp_path)
    try:
        run = make_search_tool(backend, k=2)
        output = await run({"query": "what are your opening hours"})
        assert len(output["results"]) == 2
        assert output["summary"]["result_ids"][0].startswith("opening-hours.md#")
        assert output["summary"]["titles"][0] == "Opening hours"
        assert output["summary"]["backend"] == "sqlite"
        empty = await run({"query": "what is the weather on mars"})
        assert empty["results"] == [] and empty["note"] == NOTHING_FOUND
    finally:
        await backend.aclose()

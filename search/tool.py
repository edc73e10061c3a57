"""The ``search`` tool as the model sees it, and its execution.

``TOOL_SCHEMA`` is the function tool for ``session.update`` (openai GA
``RealtimeFunctionToolParam``); treat it as read-only, or take a fresh copy with
``tool_schema()``. ``run_search_tool(backend, arguments)`` validates the model's arguments
(``ToolArgumentsError``, a ``ValueError`` whose message is written for the model), searches, and
returns the function output::

    {"results": [{"id", "title", "location", "content"}, ...],
     "summary": {"query", "result_ids", "titles", "backend"}}

with, when nothing relevant was found, ``"results": []`` and a ``note`` telling the model to say
it does not know. The relay removes ``summary`` before sending the output to the model and
forwards it to the client.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from search.backend import SearchBackend
from search.errors import ToolArgumentsError
from search.models import SearchHit

if TYPE_CHECKING:
    from openai.types.realtime import RealtimeFunctionToolParam

__all__ = [
    "MAX_CONTENT_CHARS",
    "MAX_QUERY_CHARS",
    "NOTHING_FOUND",
    "TOOL_NAME",
    "TOOL_SCHEMA",
    "make_search_tool",
    "run_search_tool",
    "tool_output",
    "tool_schema",
    "validate_arguments",
]

TOOL_NAME = "search"
MAX_QUERY_CHARS = 500
MAX_CONTENT_CHARS = 1200
NOTHING_FOUND = (
    "Nothing relevant was found in the knowledge base. Tell the user you don't know or "
    "can't find that information, or ask them to rephrase; do not guess."
)

TOOL_SCHEMA: RealtimeFunctionToolParam = {
    "type": "function",
    "name": TOOL_NAME,
    "description": (
        "Search the store's knowledge base: opening hours, store locations, contact details, "
        "returns and refunds, exchanges, delivery and order tracking, payment, gift cards, "
        "rewards, products, sizes and store policies. Call it before answering any question "
        "about the store, and answer only from what it returns; if it finds nothing relevant, "
        "say you don't know."
    ),
    "parameters": {
        "type": "object",
        "properties": {
            "query": {
                "type": "string",
                "description": (
                    "What to look up: the key words or a short question, e.g. 'opening hours "
                    f"Sunday' or 'return shoes without receipt'. At most {MAX_QUERY_CHARS} "
                    "characters."
                ),
            }
        },
        "required": ["query"],
        "additionalProperties": False,
    },
}


def tool_schema() -> RealtimeFunctionToolParam:
    """A deep copy of ``TOOL_SCHEMA``, free to change."""
    return copy.deepcopy(TOOL_SCHEMA)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _names(keys: Sequence[object]) -> str:
    shown = [json.dumps(str(key)[:40]) for key in keys[:5]]
    return ", ".join(shown) + (", ..." if len(keys) > 5 else "")


def validate_arguments(arguments: Mapping[str, object] | str | bytes | None) -> str:
    """The stripped ``query`` of the model's arguments (a JSON object, as text or parsed).

    Exactly one field, ``query``: a non-empty string of at most ``MAX_QUERY_CHARS``
    characters. Anything else raises ``ToolArgumentsError`` with a message for the model.
    """
    parsed: object = arguments
    if isinstance(arguments, str | bytes):
        try:
            parsed = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            raise ToolArgumentsError(
                'the arguments are not valid JSON; call search with {"query": "..."}'
            ) from None
    if not isinstance(parsed, Mapping):
        raise ToolArgumentsError(
            f'the arguments must be a JSON object like {{"query": "opening hours"}}, '
            f"not {_json_type(parsed)}"
        )
    extra = [key for key in parsed if key != "query"]
    if extra:
        raise ToolArgumentsError(
            f'unexpected argument(s) {_names(extra)}: search takes exactly one argument, "query"'
        )
    if "query" not in parsed:
        raise ToolArgumentsError(
            'missing the required argument "query": the words to look up, as a string'
        )
    query = parsed["query"]
    if not isinstance(query, str):
        raise ToolArgumentsError(f'"query" must be a string, not {_json_type(query)}')
    query = query.strip()
    if not query:
        raise ToolArgumentsError('"query" is empty: pass the words to look up')
    if len(query) > MAX_QUERY_CHARS:
        raise ToolArgumentsError(
            f'"query" is too long ({len(query)} characters, at most {MAX_QUERY_CHARS}): '
            "pass only the key words"
        )
    return query


def _clip(text: str) -> str:
    if len(text) <= MAX_CONTENT_CHARS:
        return text
    return text[: MAX_CONTENT_CHARS - 1].rstrip() + "…"


def tool_output(query: str, hits: Sequence[SearchHit], backend: str) -> dict[str, Any]:
    """The function output for ``hits`` (see the module's docstring)."""
    output: dict[str, Any] = {
        "results": [
            {"id": h.id, "title": h.title, "location": h.location, "content": _clip(h.chunk)}
            for h in hits
        ]
    }
    if not hits:
        output["note"] = NOTHING_FOUND
    output["summary"] = {
        "query": query,
        "result_ids": [h.id for h in hits],
        "titles": [h.title for h in hits],
        "backend": backend,
    }
    return output


async def run_search_tool(
    backend: SearchBackend,
    arguments: Mapping[str, object] | str | bytes | None,
    k: int = 3,
) -> dict[str, Any]:
    """Validate ``arguments``, search ``backend`` for ``k`` hits, return the function output.

    Raises ``ToolArgumentsError`` (bad arguments; message for the model) and whatever the
    backend raises (``SearchBackendError`` for a failing service).
    """
    query = validate_arguments(arguments)
    hits = await backend.search(query, k)
    return tool_output(query, hits, backend.name)


def make_search_tool(
    backend: SearchBackend, k: int = 3
) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    """``run_search_tool`` bound to ``backend`` and ``k``: the relay's tool function."""

    async def run(arguments: dict[str, Any]) -> dict[str, Any]:
        return await run_search_tool(backend, arguments, k)

    return run

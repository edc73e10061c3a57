"""The model's function calls of one session: run each once, off the forwarding path."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openai.types.realtime import RealtimeFunctionToolParam

log = logging.getLogger(__name__)

ToolFunction = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
Emit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its schema as the model sees it and the code that runs it.

    `run` gets the parsed arguments and returns the output for the model; a `summary` key in
    that output, if any, goes only to the client's `botify.tool_result`, not to the model.
    """

    schema: RealtimeFunctionToolParam
    run: ToolFunction

    @property
    def name(self) -> str:
        return str(self.schema.get("name", ""))


class ToolArgumentsError(ValueError):
    """Arguments the tool cannot use; the message goes back to the model."""


@dataclass(frozen=True)
class CallOutcome:
    call_id: str
    output: str  # JSON text for the function_call_output item


class ToolCalls:
    """Per-session: starts each call once, keeps its task, and reports to the client."""

    def __init__(self, tools: Mapping[str, ToolSpec], timeout: float, emit: Emit) -> None:
        self._tools = tools
        self._timeout = timeout
        self._emit = emit
        self._tasks: dict[str, asyncio.Task[CallOutcome]] = {}

    def start(self, call_id: str, name: str, arguments: str) -> None:
        if call_id in self._tasks:
            return
        self._emit(
            {"type": "botify.tool_call", "call_id": call_id, "name": name, "arguments": arguments}
        )
        self._tasks[call_id] = asyncio.create_task(self._run(call_id, name, arguments))

    async def outcomes(self, call_ids: list[str]) -> list[CallOutcome]:
        """The outcomes of these calls, in order, once all have finished."""
        tasks = [self._tasks.pop(call_id) for call_id in call_ids if call_id in self._tasks]
        return list(await asyncio.gather(*tasks))

    def cancel_except(self, keep: set[str]) -> None:
        """Cancel and forget the calls not in `keep` (their response was cancelled or ended
        without asking for them): no tool task outlives the answer it belonged to."""
        for call_id in [call_id for call_id in self._tasks if call_id not in keep]:
            self._tasks.pop(call_id).cancel()

    @property
    def running(self) -> int:
        return len(self._tasks)

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    async def _run(self, call_id: str, name: str, arguments: str) -> CallOutcome:
        started = time.perf_counter()
        summary: dict[str, Any] = {}
        try:
            tool = self._tools.get(name)
            if tool is None:
                available = ", ".join(self._tools) or "none"
                raise ToolArgumentsError(f"there is no tool named {name!r}; available: {available}")
            try:
                parsed = json.loads(arguments or "{}")
            except ValueError:
                raise ToolArgumentsError("the arguments are not valid JSON") from None
            if not isinstance(parsed, dict):
                raise ToolArgumentsError("the arguments must be a JSON object")
            async with asyncio.timeout(self._timeout):
                output = await tool.run(parsed)
            summary = output.pop("summary", {}) if isinstance(output.get("summary"), dict) else {}
            ok, error = True, None
        except (ToolArgumentsError, ValueError) as problem:  # a tool's own argument errors
            ok, error = False, str(problem)
        except TimeoutError:
            ok, error = False, f"the tool did not answer within {self._timeout:g} s"
        except Exception as problem:  # a failing tool must not end the session
            log.exception("tool %s failed", name)
            ok, error = False, f"the tool failed ({type(problem).__name__})"
        if error is not None:
            log.warning("tool call %s (%s) refused: %s", call_id, name, error)
            output = {"error": error}
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        self._emit(
            {
                "type": "botify.tool_result",
                "call_id": call_id,
                "name": name,
                "ok": ok,
                "duration_ms": duration_ms,
                **({"error": error} if error else {}),
                **summary,
            }
        )
        return CallOutcome(call_id, json.dumps(output))


def function_call_output(outcome: CallOutcome) -> str:
    return json.dumps(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "function_call_output",
                "call_id": outcome.call_id,
                "output": outcome.output,
            },
        }
    )

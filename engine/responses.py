"""One response of the engine: a search call, or a spoken answer streamed as it is synthesised."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from engine import events as ev
from engine.answers import DIDNT_HEAR, compose_answer, passages_from_tool_output
from engine.audio import ms_of

if TYPE_CHECKING:
    from engine.connection import EngineConnection

SEARCH_TOOL = "search"
CHUNK_MS = 100
# Audio goes out at most this far ahead of real time, as a speaking model's would; so a
# barge-in or a cancel meets an answer that is still being spoken.
PACING_LEAD_MS = 600


class ResponseRun:
    """Runs as a task of its connection; `cancel_and_wait` stops it at once."""

    def __init__(self, conn: EngineConnection, response_id: str, options: dict[str, Any]) -> None:
        self.conn = conn
        self.response_id = response_id
        self.options = options
        self.output: list[ev.Event] = []
        self._stop = threading.Event()  # also stops espeak between chunks
        self._reason = "client_cancelled"
        self._task: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()

    def cancel(self, reason: str = "client_cancelled") -> None:
        if self._task is not None and not self._finished.is_set():
            self._reason = reason
            self._stop.set()
            self._task.cancel()

    async def cancel_and_wait(self, reason: str) -> None:
        self.cancel(reason)
        await self._finished.wait()

    # -- the run ------------------------------------------------------------------------

    async def run(self) -> None:
        self._task = asyncio.current_task()
        conn = self.conn
        status, reason = "completed", None
        try:
            await self._send_response("in_progress", "response.created")
            call_query, text = await self._plan()
            if call_query is not None:
                await self._call_search(call_query)
            else:
                await self._speak(text)
        except asyncio.CancelledError:
            status, reason = "cancelled", self._reason
        finally:
            conn.response_finished(self)
            await self._close_open_items()
            await self._send_response(status, "response.done", reason)
            self._finished.set()

    async def _send_response(self, status: str, event_type: str, reason: str | None = None) -> None:
        session = self.conn.session
        modalities = self.options.get("output_modalities") or session.session["output_modalities"]
        body = ev.response(self.response_id, status, self.output, modalities, session.voice, reason)
        await self.conn.send({"type": event_type, "response": body})

    async def _plan(self) -> tuple[str | None, str]:
        """(search query, None) to call the tool, or (None, text) to answer."""
        items = list(self.conn.items.values())
        outputs: list[str] = []
        for item in reversed(items):
            if item.get("type") != "function_call_output":
                break
            outputs.append(str(item.get("output", "")))
        question = await self._question(items)
        if outputs:
            passages = []
            for output in reversed(outputs):
                passages += passages_from_tool_output(output) or []
            return None, compose_answer(question, passages)
        session = self.conn.session
        tool_choice = self.options.get("tool_choice", session.session.get("tool_choice"))
        tools = self.options.get("tools")
        names = session.tool_names() if tools is None else [t.get("name") for t in tools]
        if not question:
            return None, DIDNT_HEAR
        if SEARCH_TOOL in names and tool_choice != "none":
            return question, ""
        return None, await self.conn.resources.answer_without_tools(question)

    async def _question(self, items: list[ev.Event]) -> str:
        for item in reversed(items):
            if item.get("type") == "message" and item.get("role") == "user":
                task = self.conn.transcripts.get(str(item.get("id")))
                if task is not None:
                    return (await asyncio.shield(task)).strip()
                for part in item.get("content", []):
                    text = part.get("text") or part.get("transcript")
                    if isinstance(text, str) and text.strip():
                        return text.strip()
                return ""
        return ""

    # -- outputs ------------------------------------------------------------------------

    async def _add_item(self, item: ev.Event) -> int:
        conn = self.conn
        previous = next(reversed(conn.items), None)
        conn.items[item["id"]] = item
        self.output.append(item)
        index = len(self.output) - 1
        await conn.send(
            {
                "type": "response.output_item.added",
                "response_id": self.response_id,
                "output_index": index,
                "item": item,
            }
        )
        await conn.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        return index

    async def _finish_item(self, index: int, status: str) -> None:
        item = self.output[index]
        item["status"] = status
        await self.conn.send(
            {
                "type": "response.output_item.done",
                "response_id": self.response_id,
                "output_index": index,
                "item": item,
            }
        )
        await self.conn.send({"type": "conversation.item.done", "item": item})

    async def _close_open_items(self) -> None:
        for index, item in enumerate(self.output):
            if item.get("status") == "in_progress":
                await self._finish_item(index, "incomplete")

    async def _call_search(self, query: str) -> None:
        conn = self.conn
        call_id = conn.ids.new("call")
        arguments = json.dumps({"query": query})
        item = ev.function_call_item(conn.ids.new("item"), call_id, SEARCH_TOOL, "", "in_progress")
        index = await self._add_item(item)
        common = {
            "response_id": self.response_id,
            "item_id": item["id"],
            "output_index": index,
            "call_id": call_id,
        }
        await conn.send(
            {"type": "response.function_call_arguments.delta", **common, "delta": arguments}
        )
        item["arguments"] = arguments
        await conn.send(
            {
                "type": "response.function_call_arguments.done",
                **common,
                "name": SEARCH_TOOL,
                "arguments": arguments,
            }
        )
        await self._finish_item(index, "completed")

    async def _speak(self, text: str) -> None:
        conn = self.conn
        audio = (
            "audio" in (self.options.get("output_modalities") or ["audio"])
            and conn.session.audio_out
        )
        item = ev.assistant_item(conn.ids.new("item"), "in_progress", None, audio)
        index = await self._add_item(item)
        common = {
            "response_id": self.response_id,
            "item_id": item["id"],
            "output_index": index,
            "content_index": 0,
        }
        await conn.send(
            {"type": "response.content_part.added", **common, "part": ev.content_part(audio, "")}
        )
        item["content"] = [
            {
                "type": "output_audio" if audio else "output_text",
                ("transcript" if audio else "text"): "",
            }
        ]
        if audio:
            await self._stream_audio(text, item, common)
            await conn.send({"type": "response.output_audio.done", **common})
            await conn.send(
                {"type": "response.output_audio_transcript.done", **common, "transcript": text}
            )
        else:
            await conn.send({"type": "response.output_text.delta", **common, "delta": text})
            item["content"][0]["text"] = text
            await conn.send({"type": "response.output_text.done", **common, "text": text})
        await conn.send(
            {"type": "response.content_part.done", **common, "part": ev.content_part(audio, text)}
        )
        await self._finish_item(index, "completed")

    async def _stream_audio(self, text: str, item: ev.Event, common: ev.Event) -> None:
        """Audio deltas as synthesis proceeds, with the transcript keeping pace."""
        conn = self.conn
        words = text.split()
        per_word_ms = 60_000 / conn.resources.rate_wpm
        said = 0
        sent_ms = 0
        content = item["content"][0]
        loop = asyncio.get_running_loop()
        started = loop.time()
        async for chunk in self._synthesise(text):
            if conn.resources.realtime_pacing:
                ahead_ms = sent_ms - (loop.time() - started) * 1000
                if ahead_ms > PACING_LEAD_MS:
                    await asyncio.sleep((ahead_ms - PACING_LEAD_MS) / 1000)
            sent_ms += ms_of(len(chunk))
            conn.audio_sent_ms[item["id"]] = sent_ms
            due = min(len(words), int(sent_ms / per_word_ms) + 1)
            if due > said:
                delta = (" " if said else "") + " ".join(words[said:due])
                said = due
                content["transcript"] += delta
                await conn.send(
                    {"type": "response.output_audio_transcript.delta", **common, "delta": delta}
                )
            await conn.send(
                {
                    "type": "response.output_audio.delta",
                    **common,
                    "delta": base64.b64encode(chunk).decode("ascii"),
                }
            )
        if said < len(words):
            delta = (" " if said else "") + " ".join(words[said:])
            content["transcript"] += delta
            await conn.send(
                {"type": "response.output_audio_transcript.delta", **common, "delta": delta}
            )

    async def _synthesise(self, text: str) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        synthesizer = self.conn.resources.synthesizer(self.conn.session.voice)

        def produce() -> None:
            try:
                for chunk in synthesizer.stream(text, chunk_ms=CHUNK_MS, cancel=self._stop):
                    loop.call_soon_threadsafe(queue.put_nowait, chunk)
            except BaseException as problem:  # handed to the event loop, re-raised there
                loop.call_soon_threadsafe(queue.put_nowait, problem)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = loop.run_in_executor(None, produce)
        try:
            while (chunk := await queue.get()) is not None:
                if isinstance(chunk, BaseException):
                    raise chunk
                yield chunk
        finally:
            self._stop.set()
            await asyncio.shield(worker)

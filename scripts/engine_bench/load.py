"""Part 3, one client: an open microphone at real-time pace that asks its questions and
records each turn (recognition, first audio, playback stalls)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from scripts.client.audio import BYTES_PER_MS, append_event, ms_of, silence
from scripts.engine_bench.common import Question, ToolRunner
from scripts.engine_bench.engine import TURN_TIMEOUT, Socket, engine_session_update, tool_outputs

NEXT_QUESTION_GAP = 1.0  # s after an answer finished playing


@dataclass
class Turn:
    question: str
    stopped_at: float | None = None  # the last speech_stopped of the turn
    recognitions: list[float] = field(default_factory=list)  # s, per utterance
    transcript: str = ""
    created_at: float | None = None  # response.create of the spoken answer (engine mode)
    first_audio_at: float | None = None
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (time, bytes)
    done_at: float | None = None
    status: str | None = None
    error: str | None = None

    @property
    def audio_s(self) -> float:
        return ms_of(sum(size for _, size in self.arrivals)) / 1000

    @property
    def stall_ms(self) -> float:
        """Total wait of a player that starts with the first delta and plays continuously."""
        if not self.arrivals:
            return 0.0
        start = self.arrivals[0][0]
        played = stall = 0.0
        for at, size in self.arrivals:
            stall += max(0.0, at - (start + played + stall))
            played += ms_of(size) / 1000
        return stall * 1000

    @property
    def played_until(self) -> float | None:
        if self.first_audio_at is None:
            return None
        return self.first_audio_at + self.audio_s + self.stall_ms / 1000


class Microphone:
    """An open microphone: pcm16 chunks at real-time pace on absolute deadlines, the queued
    question when there is one, silence otherwise."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, audio_field: str) -> None:
        self.ws = ws
        self.field = audio_field
        self._pending = bytearray()
        self.max_late_ms = 0.0

    def say(self, pcm: bytes) -> None:
        self._pending += silence(300) + pcm

    async def run(self, start: float, chunk_ms: int = 100) -> None:
        loop = asyncio.get_running_loop()
        step = chunk_ms * BYTES_PER_MS
        for k in range(1, 1 << 30):
            delay = start + k * chunk_ms / 1000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.max_late_ms = max(self.max_late_ms, -delay * 1000)
            chunk = bytes(self._pending[:step])
            del self._pending[:step]
            await self.ws.send_str(
                append_event(chunk + silence(chunk_ms)[len(chunk) :], self.field)
            )


class LoadSession:
    """One concurrent client: asks its questions one after the other and records each turn."""

    def __init__(self, via: str, run_tool: ToolRunner) -> None:
        self.via = via
        self.run_tool = run_tool
        self.turns: list[Turn] = []
        self.mic_late_ms = 0.0
        self._turn_over = asyncio.Event()
        self._sock: Socket | None = None
        self._stopped: dict[str, float] = {}  # item id -> when its speech_stopped came
        self._responding = False  # engine mode: a response of ours is in progress

    async def run(
        self, http: aiohttp.ClientSession, url: str, questions: Sequence[Question], start: float
    ) -> None:
        loop = asyncio.get_running_loop()
        async with http.ws_connect(url, compress=0, max_msg_size=0) as ws:
            self._sock = sock = Socket(ws)
            if self.via == "engine":
                await sock.until("session.created")
                await sock.send(engine_session_update(with_tools=True))
                await sock.until("session.updated")
            mic = Microphone(ws, "audio" if self.via == "engine" else "data")
            microphone = asyncio.create_task(mic.run(start))
            reader = asyncio.create_task(self._read(ws))
            try:
                for number, question in enumerate(questions, 1):
                    turn = Turn(question.text)
                    self.turns.append(turn)
                    self._turn_over.clear()
                    mic.say(question.pcm)
                    try:
                        await asyncio.wait_for(self._turn_over.wait(), TURN_TIMEOUT)
                    except TimeoutError:
                        turn.error = turn.error or "no answer within 30 s"
                    if turn.error or reader.done():
                        turn.error = turn.error or "the socket closed"
                        break
                    if turn.played_until is not None and number < len(questions):
                        await asyncio.sleep(
                            max(0.0, turn.played_until + NEXT_QUESTION_GAP - loop.time())
                        )
            finally:
                self.mic_late_ms = mic.max_late_ms
                for task in (microphone, reader):
                    task.cancel()
                await asyncio.gather(microphone, reader, return_exceptions=True)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        loop = asyncio.get_running_loop()
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            event = json.loads(message.data)
            if not self.turns:
                continue
            turn = self.turns[-1]
            now = loop.time()
            kind = event["type"]
            if kind == "input_audio_buffer.speech_stopped":
                turn.stopped_at = self._stopped[event["item_id"]] = now
                if self.via == "engine" and not self._responding:
                    self._responding = True
                    await self._send({"type": "response.create"})
            elif kind == "conversation.item.input_audio_transcription.completed":
                stopped = self._stopped.pop(event["item_id"], None)
                if stopped is not None:
                    turn.recognitions.append(now - stopped)
                turn.transcript = (turn.transcript + " " + event["transcript"]).strip()
            elif kind == "response.output_audio.delta":
                if turn.first_audio_at is None:
                    turn.first_audio_at = now
                delta = event["delta"]
                turn.arrivals.append((now, len(delta) * 3 // 4 - delta[-2:].count("=")))
            elif kind == "error":
                turn.error = str(event["error"].get("message"))
                self._turn_over.set()
            elif kind == "response.done":
                await self._response_done(turn, event["response"], now)
        for turn in self.turns:
            if turn.done_at is None and turn.error is None:
                turn.error = "the socket closed"
        self._turn_over.set()

    async def _response_done(self, turn: Turn, response: dict[str, Any], now: float) -> None:
        kinds = {item.get("type") for item in response.get("output") or []}
        self._responding = False
        if "message" in kinds:
            turn.done_at, turn.status = now, response.get("status")
            if turn.status != "completed":
                turn.error = f"answer {turn.status}"
            self._turn_over.set()
        elif "function_call" in kinds and self.via == "engine":
            for item in await tool_outputs(response, self.run_tool):
                await self._send(item)
            turn.created_at = asyncio.get_running_loop().time()
            self._responding = True
            await self._send({"type": "response.create"})

    async def _send(self, event: dict[str, Any]) -> None:
        assert self._sock is not None
        await self._sock.send(event)

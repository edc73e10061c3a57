#!/usr/bin/env python3
"""Benchmark of the embedded offline engine (engine/): recognition speed, time to the first
audio of an answer, and how many concurrent sessions it sustains.

1. **Recognition real-time factor**: in-domain questions (``scripts/bench_speech.QUESTIONS``)
   synthesised in several voices and transcribed by :class:`engine.recognizer.Recognizer`
   (built from the knowledge base, as the service builds it) in this process. RTF = wall time
   of ``transcribe()`` / seconds of audio (target <= 0.2); key-word hits for context.
2. **First audio**: the engine runs in its own process (``python -m app``, embedded engine,
   ``ENGINE_REALTIME_PACING=1``); this process talks to its Realtime endpoint
   (``/local/v1/realtime``) directly, one session per run, and measures on the client side
   the time from sending ``response.create`` to
   - ``tool``: ``response.function_call_arguments.done`` (the response that calls search),
   - ``answer``: the first ``response.output_audio.delta`` of the spoken answer that follows a
     ``function_call_output`` (the search runs here, as the relay runs it),
   - ``no-tools``: the first audio delta of an answer without tools (the engine searches).
   The question's transcript is complete before each ``response.create`` (recognition is
   measured apart); the answer is cancelled after its first delta. p50/p95 over ``--runs``
   (target: first audio <= 300 ms).
3. **Concurrent sessions**: N clients at once, their starts spread evenly over ``--stagger``
   (10 s, about one question-and-answer cycle, so turns arrive as from independent users;
   a small value tests a burst), each an open microphone streaming pcm16 at real-time pace
   (absolute deadlines): ``--rounds`` (2) questions, each answered the way the relay does it
   (server VAD ends the turn, ``response.create``, the search call, its output,
   ``response.create``; the engine paces its audio), the next question 1 s after the
   previous answer finished playing. N holds when every answer completed
   without an error, recognition latency (``speech_stopped`` -> transcription ``completed``)
   stayed under ``--max-recognition-s`` (1 s) for every turn, and audio came at least in real
   time: a player starting at the first delta never waited more than ``--max-stall-ms`` (100)
   in total per answer. Levels ``--levels`` (1,2,4,8,16), doubling on while they hold (up to
   ``--max-sessions``), then bisecting between the largest that held and the smallest that
   failed. The engine process is pinned to ``--engine-cpus`` CPUs (2); its CPU use is
   reported in cores (average, and the busiest second). ``--via relay`` sends the same load
   through ``/realtime`` instead (relay and engine then share the service's process; the
   relay debounces for 0.3 s).

The machine may be shared: before each measurement the benchmark waits (up to
``--quiet-wait`` s) for other processes to go idle, and reports the cores they used.

    python scripts/bench_engine.py                       # everything, ~6 minutes
    python scripts/bench_engine.py --quick               # fewer runs and levels, ~2 minutes
    python scripts/bench_engine.py --only sessions --levels 4,8 --no-refine
    python scripts/bench_engine.py --json > engine.json  # machine-readable on stdout

Progress goes to stderr, the results table to stdout. The engine process is always stopped,
also on Ctrl-C, and dies with the benchmark if that is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from scripts.bench import procs
except ModuleNotFoundError:  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.bench import procs

import aiohttp

from scripts.bench.stats import percentile
from scripts.client.audio import BYTES_PER_MS, append_event, ms_of, silence

ENGINE_PATH = "/local/v1/realtime"
RTF_TARGET = 0.2
FIRST_AUDIO_TARGET_MS = 300.0
DEFAULT_VOICES = ("alloy", "echo", "shimmer", "cedar")
TURN_TIMEOUT = 30.0
NEXT_QUESTION_GAP = 1.0  # s after an answer finished playing
RELAY_DEBOUNCE = 0.3
ToolRunner = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], fraction: float) -> float | None:
    found = percentile(values, fraction)
    return None if found is None else round(found, 3)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "max": round(max(values), 3) if values else None,
    }


@dataclass(frozen=True)
class Question:
    text: str
    voice: str
    pcm: bytes  # speech only, pcm16 24 kHz mono
    key_words: tuple[str, ...] = ()


def synthesise_questions(voices: Sequence[str], limit: int | None = None) -> list[Question]:
    """The in-domain questions of scripts/bench_speech.py (the first ``limit``), each
    spoken in every voice."""
    from engine.synthesizer import Synthesizer
    from scripts.bench_speech import QUESTIONS

    return [
        Question(text, voice, Synthesizer(voice).synthesize(text), keys)
        for voice in voices
        for text, keys in QUESTIONS[:limit]
    ]


# -- 1. recognition real-time factor ---------------------------------------------------------


def bench_recognition(questions: Sequence[Question], cache: Path) -> dict[str, Any]:
    from app.local_engine import knowledge_corpus
    from engine.recognizer import Recognizer

    started = time.perf_counter()
    recognizer = Recognizer.from_corpus(knowledge_corpus(None), cache_dir=cache / "engine")
    load_s = time.perf_counter() - started
    recognizer.transcribe(questions[0].pcm)  # warm-up
    rtfs: list[float] = []
    audio_s = wall_s = 0.0
    keys = hits = 0
    per_voice: dict[str, list[float]] = {}
    for question in questions:
        started = time.perf_counter()
        transcript = recognizer.transcribe(question.pcm)
        elapsed = time.perf_counter() - started
        rtfs.append(elapsed / transcript.seconds)
        per_voice.setdefault(question.voice, []).append(elapsed / transcript.seconds)
        audio_s += transcript.seconds
        wall_s += elapsed
        keys += len(question.key_words)
        hits += sum(word in transcript.words for word in question.key_words)
    return {
        "utterances": len(questions),
        "voices": sorted(per_voice),
        "audio_s": round(audio_s, 2),
        "recognizer_load_s": round(load_s, 2),
        "rtf": round(wall_s / audio_s, 3),
        "rtf_per_utterance": summary(rtfs),
        "rtf_per_voice": {voice: round(sum(v) / len(v), 3) for voice, v in per_voice.items()},
        "key_word_hits": round(hits / keys, 3) if keys else None,
        "target": RTF_TARGET,
        "pass": wall_s / audio_s <= RTF_TARGET,
    }


# -- the engine process and the search tool ----------------------------------------------------


def engine_cpus(count: int) -> list[int]:
    available = sorted(os.sched_getaffinity(0))
    return available[:count] if count > 0 else available


def start_service(children: procs.Children, cache: Path, cpus: list[int]) -> tuple[Any, int]:
    port = procs.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "SPEECH_"))}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        CACHE_DIR=str(cache),
        ENGINE_REALTIME_PACING="1",
        DEBOUNCE_DELAY=str(RELAY_DEBOUNCE),
        THROTTLE_MIN_INTERVAL="1",
    )
    argv = [sys.executable, "-m", "app"]
    if cpus and Path("/usr/bin/taskset").exists():
        argv = ["taskset", "-c", ",".join(map(str, cpus)), *argv]
    child = children.start("engine", argv, env={**env, "PYTHONPATH": str(procs.REPO)}, cwd=cache)
    procs.wait_for_port(child, port, timeout=60)
    return child, port


def make_search_tool(cache: Path) -> ToolRunner:
    """The relay's search tool on the same knowledge base, run in this process."""
    from search import SqliteSearchBackend, make_search_tool

    backend = SqliteSearchBackend.open(None, cache_dir=cache / "bench-search")
    return make_search_tool(backend, 5)


def engine_session_update(with_tools: bool) -> dict[str, Any]:
    """What the relay asks of the engine: server VAD that neither answers nor interrupts,
    transcription, and the search tool."""
    from search import tool_schema

    detection = {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "create_response": False,
        "interrupt_response": False,
    }
    return {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "output_modalities": ["audio"],
            "audio": {
                "input": {"transcription": {"model": "whisper-1"}, "turn_detection": detection},
                "output": {"voice": "coral"},
            },
            "tools": [tool_schema()] if with_tools else [],
            "tool_choice": "auto",
        },
    }


async def tool_outputs(response: dict[str, Any], run_tool: ToolRunner) -> list[dict[str, Any]]:
    """``function_call_output`` items for the function calls of a finished response."""
    items = []
    for item in response.get("output") or []:
        if item.get("type") != "function_call":
            continue
        output = await run_tool(json.loads(item.get("arguments") or "{}"))
        output.pop("summary", None)
        items.append(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": item["call_id"],
                    "output": json.dumps(output),
                },
            }
        )
    return items


class Socket:
    """A client WebSocket with a typed receive of the next event of given types."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(event))

    async def until(self, *types: str, timeout: float = TURN_TIMEOUT) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"the engine closed the socket ({message.type.name})")
                event: dict[str, Any] = json.loads(message.data)
                if event["type"] == "error":
                    raise RuntimeError(f"engine error: {event['error']}")
                if event["type"] in types:
                    return event


# -- 2. time to the first output ---------------------------------------------------------------


async def one_latency_run(
    http: aiohttp.ClientSession, url: str, question: Question, run_tool: ToolRunner
) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    async with http.ws_connect(url, compress=0, max_msg_size=0) as ws:
        sock = Socket(ws)
        await sock.until("session.created")
        await sock.send(engine_session_update(with_tools=True))
        await sock.until("session.updated")
        audio = silence(300) + question.pcm + silence(800)
        step = 100 * BYTES_PER_MS
        for offset in range(0, len(audio), step):
            await ws.send_str(append_event(audio[offset : offset + step], field="audio"))
        await sock.until("conversation.item.input_audio_transcription.completed")

        started = loop.time()
        await sock.send({"type": "response.create"})
        await sock.until("response.function_call_arguments.done")
        tool_ms = (loop.time() - started) * 1000
        done = await sock.until("response.done")
        for item in await tool_outputs(done["response"], run_tool):
            await sock.send(item)
            await sock.until("conversation.item.done")

        started = loop.time()
        await sock.send({"type": "response.create"})
        await sock.until("response.output_audio.delta")
        answer_ms = (loop.time() - started) * 1000
        await sock.send({"type": "response.cancel"})
        await sock.until("response.done")

        started = loop.time()
        await sock.send({"type": "response.create", "response": {"tools": []}})
        await sock.until("response.output_audio.delta")
        no_tools_ms = (loop.time() - started) * 1000
        await sock.send({"type": "response.cancel"})
        await sock.until("response.done")
    return {"tool": tool_ms, "answer": answer_ms, "no-tools": no_tools_ms}


async def bench_first_audio(
    port: int, questions: Sequence[Question], runs: int, run_tool: ToolRunner
) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}{ENGINE_PATH}"
    times: dict[str, list[float]] = {"tool": [], "answer": [], "no-tools": []}
    async with aiohttp.ClientSession() as http:
        await one_latency_run(http, url, questions[0], run_tool)  # warm-up
        for index in range(runs):
            question = questions[(index * 7) % len(questions)]  # mixes questions and voices
            measured = await one_latency_run(http, url, question, run_tool)
            for key, value in measured.items():
                times[key].append(value)
    result: dict[str, Any] = {key: summary(values) for key, values in times.items()}
    worst_p95 = max(result["answer"]["p95"], result["no-tools"]["p95"])
    result.update({"runs": runs, "target_ms": FIRST_AUDIO_TARGET_MS})
    result["pass"] = worst_p95 <= FIRST_AUDIO_TARGET_MS
    return result


# -- 3. concurrent sessions -------------------------------------------------------------------


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


async def wait_quiet(limit: float, quiet: float = 0.25) -> float:
    """Wait (up to ``limit`` s) until other processes use under ``quiet`` cores; returns the
    cores they used in the last second. The machine may be shared: see ``other_cores``."""
    deadline = time.monotonic() + limit
    while True:
        before = procs.machine_busy()
        await asyncio.sleep(1.0)
        others = procs.machine_busy() - before
        if others < quiet or time.monotonic() >= deadline:
            if others >= quiet:
                log(f"other processes keep {others:.2f} cores busy: measuring anyway")
            return others
        log(f"waiting for other processes to go quiet ({others:.2f} cores busy) ...")


class CpuMeter:
    """CPU used during a phase by the engine, this process and everything else (cores)."""

    def __init__(self, engine_pid: int | None = None) -> None:
        self.engine_pid = engine_pid
        self._start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        engine = procs.sample(self.engine_pid).cpu if self.engine_pid else 0.0
        return time.monotonic(), procs.machine_busy(), engine, own.ru_utime + own.ru_stime

    def cores(self) -> dict[str, float]:
        end = self._read()
        wall, busy, engine, own = (b - a for a, b in zip(self._start, end, strict=True))
        return {
            "engine_cores": round(engine / wall, 2),
            "bench_cores": round(own / wall, 2),
            "other_cores": round(max(0.0, busy - engine - own) / wall, 2),
            "wall_s": round(wall, 1),
        }


async def sample_cores(pid: int, peak: list[float], every: float = 1.0) -> None:
    """Cores the process used in each ``every``-second window (appended to ``peak``)."""
    previous = procs.sample(pid)
    while True:
        await asyncio.sleep(every)
        current = procs.sample(pid)
        peak.append((current.cpu - previous.cpu) / (current.at - previous.at))
        previous = current


async def run_level(
    port: int,
    via: str,
    sessions: int,
    questions: Sequence[Question],
    options: argparse.Namespace,
    run_tool: ToolRunner,
    engine_pid: int,
) -> dict[str, Any]:
    path = ENGINE_PATH if via == "engine" else "/realtime"
    url = f"ws://127.0.0.1:{port}{path}"
    loop = asyncio.get_running_loop()
    clients = [LoadSession(via, run_tool) for _ in range(sessions)]
    connector = aiohttp.TCPConnector(limit=0)
    await wait_quiet(options.quiet_wait)
    meter = CpuMeter(engine_pid)
    peak: list[float] = []
    sampler = asyncio.create_task(sample_cores(engine_pid, peak))
    async with aiohttp.ClientSession(connector=connector) as http:
        start = loop.time() + 0.5 + 0.02 * sessions  # time to connect them all
        tasks = []
        for index, client in enumerate(clients):
            asked = [
                questions[(index * options.rounds + r) % len(questions)]
                for r in range(options.rounds)
            ]
            begin = start + index * options.stagger / sessions
            tasks.append(asyncio.create_task(client.run(http, url, asked, begin)))
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    sampler.cancel()
    cores = meter.cores()
    turns = [turn for client in clients for turn in client.turns]
    failures = [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]
    failures += [turn.error for turn in turns if turn.error]
    recognition = [seconds for t in turns for seconds in t.recognitions]
    recognised_turns = sum(1 for t in turns if t.recognitions)
    stalls = [t.stall_ms for t in turns if t.done_at is not None]
    first_audio = [
        (t.first_audio_at - t.created_at) * 1000
        for t in turns
        if t.first_audio_at is not None and t.created_at is not None
    ]
    turn_latency = [
        t.first_audio_at - t.stopped_at
        for t in turns
        if t.first_audio_at is not None and t.stopped_at is not None
    ]
    answered = sum(1 for t in turns if t.done_at is not None and not t.error)
    expected = sessions * options.rounds
    holds = (
        not failures
        and answered == expected
        and recognised_turns == expected
        and max(recognition) <= options.max_recognition_s
        and max(stalls, default=0.0) <= options.max_stall_ms
    )
    return {
        "sessions": sessions,
        "via": via,
        "holds": holds,
        "answered": answered,
        "expected": expected,
        "failures": failures[:5],
        "recognition_s": summary(recognition),
        "stall_ms": summary(stalls),
        "first_audio_ms": summary(first_audio),
        "speech_stopped_to_audio_s": summary(turn_latency),
        **cores,
        "engine_cores_peak": round(max(peak, default=0.0), 2),
        "mic_late_max_ms": round(max((c.mic_late_ms for c in clients), default=0.0), 1),
    }


async def bench_sessions(
    port: int,
    engine_pid: int,
    questions: Sequence[Question],
    options: argparse.Namespace,
    run_tool: ToolRunner,
) -> dict[str, Any]:
    results: dict[int, dict[str, Any]] = {}

    async def level(n: int) -> bool:
        if n not in results:
            log(f"sessions: {n} concurrent via {options.via} ({options.rounds} questions each) ...")
            results[n] = await run_level(
                port, options.via, n, questions, options, run_tool, engine_pid
            )
            r = results[n]
            log(
                f"sessions: {n}: {'holds' if r['holds'] else 'FAILS'}; recognition max "
                f"{fmt(r['recognition_s']['max'], ' s')}, stall max "
                f"{fmt(r['stall_ms']['max'], ' ms', 0)}, engine {r['engine_cores_peak']} cores "
                "at peak" + (f"; {r['failures'][0]}" if r["failures"] else "")
            )
        return bool(results[n]["holds"])

    failed: int | None = None
    for n in options.levels:
        if not await level(n):
            failed = n
            break
    if failed is None:
        n = max(options.levels)
        while n * 2 <= options.max_sessions:
            n *= 2
            if not await level(n):
                failed = n
                break
    held = [n for n, r in results.items() if r["holds"] and (failed is None or n < failed)]
    best = max(held, default=0)
    if options.refine and failed is not None:
        low, high = best, failed
        while high - low > max(1, low // 4):
            middle = (low + high) // 2
            if await level(middle):
                low = middle
            else:
                high = middle
        best = low
    return {
        "via": options.via,
        "levels": [results[n] for n in sorted(results)],
        "largest_holding": best,
        "first_failing": min((n for n, r in results.items() if not r["holds"]), default=None),
        "criteria": {
            "max_recognition_s": options.max_recognition_s,
            "max_stall_ms": options.max_stall_ms,
            "rounds": options.rounds,
            "stagger_s": options.stagger,
        },
    }


# -- the run and its report -------------------------------------------------------------------


def fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def print_report(results: dict[str, Any], out: Any = sys.stdout) -> None:
    machine = results["machine"]
    print(
        f"\nengine benchmark: {machine['cpus']} CPUs, engine process pinned to CPUs "
        f"{machine['engine_cpus']}, Python {machine['python']}",
        file=out,
    )
    rec = results.get("recognition")
    if rec:
        per = rec["rtf_per_utterance"]
        print(
            f"\n1. recognition: {rec['utterances']} utterances ({', '.join(rec['voices'])}), "
            f"{rec['audio_s']} s of audio, through Recognizer.transcribe\n"
            f"   real-time factor {rec['rtf']:.3f}  (target <= {rec['target']}: "
            f"{'PASS' if rec['pass'] else 'MISS'})\n"
            f"   per utterance p50 {per['p50']:.3f}, p95 {per['p95']:.3f}, max {per['max']:.3f}; "
            "per voice "
            + ", ".join(f"{v} {r:.3f}" for v, r in rec["rtf_per_voice"].items())
            + f"; key words recognised {rec['key_word_hits']:.0%}\n"
            f"   (other processes used {rec['other_cores']:.2f} cores meanwhile)",
            file=out,
        )
    lat = results.get("first_audio")
    if lat:
        print(
            f"\n2. response.create -> first output, ms: {lat['runs']} runs, one session each, "
            "on the engine's WebSocket",
            file=out,
        )
        print(f"   {'':<44} {'p50':>7} {'p95':>7} {'max':>7}", file=out)
        labels = {
            "tool": "search call: function_call_arguments.done",
            "answer": "answer after function_call_output: audio",
            "no-tools": "answer without tools: audio",
        }
        for key, label in labels.items():
            row = lat[key]
            print(
                f"   {label:<44} {fmt(row['p50'], digits=1):>7} {fmt(row['p95'], digits=1):>7} "
                f"{fmt(row['max'], digits=1):>7}",
                file=out,
            )
        verdict = "PASS" if lat["pass"] else "MISS"
        print(
            f"   first audio p95 target <= {lat['target_ms']:g} ms: {verdict}  (other "
            f"processes used {lat['other_cores']:.2f} cores meanwhile)",
            file=out,
        )
    ses = results.get("sessions")
    if ses:
        crit = ses["criteria"]
        print(
            f"\n3. concurrent sessions via {ses['via']}: {crit['rounds']} question(s) each at "
            f"real-time pace, starts spread over {crit['stagger_s']:g} s. N holds when all are "
            f"answered, recognition <= {crit['max_recognition_s']:g} s and playback stalls "
            f"<= {crit['max_stall_ms']:g} ms",
            file=out,
        )
        print(
            f"   {'N':>3} {'holds':>5} {'answers':>7} {'recog p50':>9} {'recog max':>9} "
            f"{'stall max':>9} {'audio p95':>9} {'turn p95':>8} {'engine avg/peak':>15} "
            f"{'bench':>5} {'others':>6}",
            file=out,
        )
        for r in ses["levels"]:
            recog = r["recognition_s"]
            cores = f"{r['engine_cores']:.2f}/{r['engine_cores_peak']:.2f}"
            print(
                f"   {r['sessions']:>3} {'yes' if r['holds'] else 'NO':>5} "
                f"{r['answered']:>3}/{r['expected']:<3} "
                f"{fmt(recog['p50'], 's'):>9} {fmt(recog['max'], 's'):>9} "
                f"{fmt(r['stall_ms']['max'], 'ms', 0):>9} "
                f"{fmt(r['first_audio_ms']['p95'], 'ms', 0):>9} "
                f"{fmt(r['speech_stopped_to_audio_s']['p95'], 's'):>8} {cores:>15} "
                f"{r['bench_cores']:>5.2f} {r['other_cores']:>6.2f}",
                file=out,
            )
        first_failing = ses["first_failing"]
        print(
            f"   largest N that holds: {ses['largest_holding']}"
            + (f" (first failing: {first_failing})" if first_failing else ""),
            file=out,
        )
        print(
            "   audio = response.create -> first audio delta of the answer (engine mode); "
            "turn = speech_stopped -> first audio;\n   engine/bench = CPU cores used by the "
            "engine process (average over the level / busiest second), by the clients\n   "
            "and by other processes on the machine",
            file=out,
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_engine",
        description=(__doc__ or "").split("\n\n", 1)[0],
        epilog="The method is described at the top of scripts/bench_engine.py.",
    )

    def numbers(text: str) -> list[int]:
        try:
            values = sorted({int(part) for part in text.split(",") if part.strip()})
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected e.g. 1,2,4") from None
        if not values or values[0] < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: expected positive integers")
        return values

    parser.add_argument(
        "--only",
        choices=("recognition", "latency", "sessions"),
        action="append",
        help="run only this part (repeatable) [all three]",
    )
    parser.add_argument(
        "--voices",
        default=",".join(DEFAULT_VOICES),
        metavar="V,V",
        help=f"voices of the synthesised questions [{','.join(DEFAULT_VOICES)}]",
    )
    parser.add_argument("--runs", type=int, default=20, metavar="N", help="first-audio runs [20]")
    parser.add_argument(
        "--levels",
        type=numbers,
        default=[1, 2, 4, 8, 16],
        metavar="N,N",
        help="session counts [1,2,4,8,16]",
    )
    parser.add_argument(
        "--max-sessions", type=int, default=64, metavar="N", help="keep doubling up to N [64]"
    )
    parser.add_argument(
        "--no-refine",
        dest="refine",
        action="store_false",
        help="do not bisect between the last holding and the first failing level",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, metavar="N", help="questions per session [2]"
    )
    parser.add_argument(
        "--stagger",
        type=float,
        default=10.0,
        metavar="S",
        help="session starts spread evenly over S seconds, about one question-and-answer "
        "cycle, so turns arrive as from independent users [10]",
    )
    parser.add_argument(
        "--max-recognition-s",
        type=float,
        default=1.0,
        metavar="S",
        help="a level holds if every speech_stopped -> transcript took at most S [1.0]",
    )
    parser.add_argument(
        "--max-stall-ms",
        type=float,
        default=100.0,
        metavar="MS",
        help="... and no answer's playback waited more than MS in total [100]",
    )
    parser.add_argument(
        "--via",
        choices=("engine", "relay"),
        default="engine",
        help="sessions straight to the engine, or through /realtime [engine]",
    )
    parser.add_argument(
        "--engine-cpus",
        type=int,
        default=2,
        metavar="N",
        help="pin the engine process to N CPUs, 0: all [2]",
    )
    parser.add_argument(
        "--quick", action="store_true", help="--runs 8 --levels 1,4,16,32 --rounds 1"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        metavar="S",
        help="before each measurement, wait up to S seconds for other processes to use "
        "under 0.25 cores (the machine may be shared) [120]",
    )
    parser.add_argument("--json", action="store_true", help="results as JSON on stdout")
    options = parser.parse_args(argv)
    if options.quick:
        options.runs, options.levels, options.rounds = 8, [1, 4, 16, 32], 1
    return options


async def run_engine_phases(
    options: argparse.Namespace,
    questions: list[Question],
    cache: Path,
    results: dict[str, Any],
    wanted: set[str],
) -> None:
    children = procs.Children(cache)
    try:
        cpus = engine_cpus(options.engine_cpus)
        log(f"starting python -m app (embedded engine) on CPUs {cpus} ...")
        child, port = start_service(children, cache, cpus)
        run_tool = make_search_tool(cache)
        if "latency" in wanted:
            await wait_quiet(options.quiet_wait)
            log(f"first audio: {options.runs} runs ...")
            meter = CpuMeter(child.pid)
            results["first_audio"] = await bench_first_audio(
                port, questions, options.runs, run_tool
            )
            results["first_audio"].update(meter.cores())
        if "sessions" in wanted:
            results["sessions"] = await bench_sessions(
                port, child.pid, questions, options, run_tool
            )
    finally:
        children.stop_all()


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    wanted = set(options.only or ("recognition", "latency", "sessions"))
    voices = [v for v in options.voices.split(",") if v]
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "engine_cpus": engine_cpus(options.engine_cpus),
            "python": sys.version.split()[0],
        },
        "options": {k: v for k, v in vars(options).items() if k not in ("json", "only")},
    }
    log(f"synthesising {len(voices)} x 20 questions ...")
    questions = synthesise_questions(voices)
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        cache = Path(tmp)
        if "recognition" in wanted:
            asyncio.run(wait_quiet(options.quiet_wait))
            log("recognition: transcribing ...")
            meter = CpuMeter()
            results["recognition"] = bench_recognition(questions, cache)
            results["recognition"].update(meter.cores())
        if wanted & {"latency", "sessions"}:
            try:
                asyncio.run(run_engine_phases(options, questions, cache, results, wanted))
            except KeyboardInterrupt:
                log("interrupted")
                return 130
    if options.json:
        print(json.dumps(results, indent=2))
    else:
        print_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Part 2: time from response.create to the first output, one session per run."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from scripts.client.audio import BYTES_PER_MS, append_event, silence
from scripts.engine_bench.common import Question, ToolRunner, summary
from scripts.engine_bench.engine import ENGINE_PATH, Socket, engine_session_update, tool_outputs

FIRST_AUDIO_TARGET_MS = 300.0


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

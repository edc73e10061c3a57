"""Part 3: how many concurrent sessions hold, level by level (doubling, then bisecting)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from scripts.engine_bench.common import Question, ToolRunner, log, summary
from scripts.engine_bench.engine import ENGINE_PATH
from scripts.engine_bench.load import LoadSession
from scripts.engine_bench.machine import CpuMeter, sample_cores, wait_quiet
from scripts.engine_bench.report import fmt


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

"""The command line of scripts/bench_engine.py: its options, and the parts run in order with
the engine process always stopped."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.bench import procs
from scripts.engine_bench.common import Question, log, synthesise_questions
from scripts.engine_bench.engine import engine_cpus, make_search_tool, start_service
from scripts.engine_bench.first_audio import bench_first_audio
from scripts.engine_bench.machine import CpuMeter, wait_quiet
from scripts.engine_bench.recognition import bench_recognition
from scripts.engine_bench.report import print_report
from scripts.engine_bench.sessions import bench_sessions

DEFAULT_VOICES = ("alloy", "echo", "shimmer", "cedar")


def parse_args(argv: list[str] | None, doc: str | None = None) -> argparse.Namespace:
    """The options; ``doc`` is the entry point's docstring, whose first paragraph describes
    the benchmark in --help."""
    parser = argparse.ArgumentParser(
        prog="bench_engine",
        description=(doc or "").split("\n\n", 1)[0],
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


def main(argv: list[str] | None = None, doc: str | None = None) -> int:
    options = parse_args(argv, doc)
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

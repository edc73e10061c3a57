#!/usr/bin/env python3
"""Benchmark the replay: generate a scenario of N inputs (default 100,000), load and replay it
on the fake clock, print inputs per second, elapsed time and peak memory.

    python scripts/bench_replay.py [--inputs N] [--seed S] [--write FILE]

Target: 100,000 inputs in under 2 seconds (load + replay).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from transitions import __version__ as transitions_version

try:
    from statemachine.replay import ReplayResult, load_scenario, replay
except ModuleNotFoundError:  # a plain checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from statemachine.replay import ReplayResult, load_scenario, replay


def generate(inputs: int, seed: int) -> list[str]:
    """JSON lines of a long random conversation: turns, tool calls, barge-ins, duplicates,
    late response_done, plus an expect line every 100 inputs (state not asserted: '?')."""
    rng = random.Random(seed)
    lines = [json.dumps({"config": {"debounce_delay": 1.5, "throttle_min_interval": 4}})]
    t = 0.0
    count = 0

    def add(event: str, **fields: object) -> None:
        nonlocal count
        lines.append(json.dumps({"t": round(t, 3), "event": event, **fields}))
        count += 1

    while count < inputs:
        add("speech_started")
        t += rng.uniform(0.3, 4.0)
        add("speech_stopped")
        roll = rng.random()
        if roll < 0.15:  # the user resumes while debouncing
            t += rng.uniform(0.1, 1.4)
            continue
        t += rng.uniform(1.6, 3.0)
        if rng.random() < 0.2:  # tools, then the follow-up's response_done
            add("response_done", tool_calls=rng.randint(1, 3))
            t += rng.uniform(0.2, 2.0)
        if roll < 0.3:  # barge-in with the audio played so far
            add("speech_started", item_id=f"item_{count}", audio_end_ms=rng.randint(0, 5000))
            t += rng.uniform(0.2, 1.0)
            add("speech_stopped")
            t += rng.uniform(1.6, 3.0)
        add("response_done", tool_calls=0)
        if rng.random() < 0.05:  # a duplicate / late event: changes nothing
            add("response_done", tool_calls=0)
        t += rng.uniform(0.1, 6.0)
    return lines[: inputs + 1]  # the config line and exactly `inputs` inputs


def run(lines: list[str]) -> tuple[float, float, ReplayResult]:
    """Load and replay once; returns (load seconds, replay seconds, result)."""
    start = time.perf_counter()
    scenario = load_scenario(lines)
    loaded = time.perf_counter()
    result = replay(scenario)
    done = time.perf_counter()
    return loaded - start, done - loaded, result


def peak_memory(lines: list[str]) -> int:
    """Peak bytes allocated while loading and replaying (tracemalloc; slower, run apart)."""
    gc.collect()
    tracemalloc.start()
    run(lines)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs to generate")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--write", type=Path, help="also write the generated scenario here")
    args = parser.parse_args()

    lines = generate(args.inputs, args.seed)
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")
    runs = []
    result = None
    for _ in range(max(1, args.runs)):
        gc.collect()
        load_s, replay_s, result = run(lines)
        runs.append((load_s + replay_s, load_s, replay_s))
    assert result is not None
    total, load_s, replay_s = min(runs)
    inputs = sum(entry.kind == "input" for entry in result.timeline)
    transitions = len(result.transitions)
    actions = len(result.actions)
    span = result.scenario.end
    target = "under" if total < 2 else "OVER"
    print(f"python {platform.python_version()}, transitions {transitions_version}")
    print(f"inputs:        {inputs:,} ({len(lines):,} lines, session time {span:,.0f} s)")
    print(f"produced:      {transitions:,} transitions, {actions:,} actions")
    print("runs (s):      " + ", ".join(f"{t:.3f}" for t, _, _ in runs) + " (load + replay)")
    print(f"best run:      load {load_s:.3f} s + replay {replay_s:.3f} s = {total:.3f} s")
    print(f"elapsed:       {total:.3f} s for {inputs:,} inputs ({target} the 2 s target)")
    print(
        f"inputs/second: {inputs / total:,.0f} (load + replay), {inputs / replay_s:,.0f} (replay)"
    )
    del result
    peak = peak_memory(lines)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory:   {peak / 2**20:.1f} MiB allocated during load + replay (tracemalloc);")
    print(f"               process max RSS {rss_mib:.1f} MiB (includes the generated text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

import sys
from pathlib import Path

try:
    from scripts.engine_bench import cli
except ModuleNotFoundError:  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.engine_bench import cli


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())

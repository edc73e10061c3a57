#!/usr/bin/env python3
"""Benchmark the realtime relay against a direct connection and a bare pass-through relay.

N concurrent sessions each stream pcm16 24 kHz audio (``input_audio_buffer.append``, one frame
every ``chunk`` ms at real-time pace, each session on its own schedule of absolute deadlines)
to a fake upstream that echoes every frame back, through three targets:

- ``direct``: straight to the echo upstream (``tests.fakes.fake_upstream --mode echo``);
- ``bare``:   through a bare aiohttp pass-through relay (``scripts/bench/bare_relay.py``);
- ``relay``:  through the real service (``python -m app``) pointed at the echo upstream.

Each target, upstream and the load generator run in their own processes on 127.0.0.1. Every run
starts fresh processes, warms them up (a short round of sessions that ends with closed sockets:
a fresh aiohttp process spends ~35% more CPU until its first empty socket read), then measures
a window of ``--duration`` seconds after a 1 s ramp. Reported per target, N and chunk size:
round trip p50/p99 (send -> matching echo received, frames sent in the window), frames lost
(sent - echoed back by the end + ``--grace``), the target's CPU (utime+stime, /proc/PID/stat)
per echoed frame in the window (for ``direct`` the echo upstream's), memory per session
((VmRSS with N sessions - VmRSS idle after warm-up) / N), and the ratios against ``bare`` and
``direct``. Then the debounce timing error at ``--debounce-sessions`` sessions: the relay with
RECORDINGS_DIR set, upstream ``scripts/bench/turn_upstream.py`` (speech bursts, instant
responses), error = t(debounce_due) - max(t(speech_stopped) + D, last_start + T) per turn,
read from the recordings.

    python scripts/bench_relay.py                      # 10,100,300 sessions x 20,100 ms
    python scripts/bench_relay.py --sessions 1000 --chunk-ms 100 --targets relay --no-debounce
    python scripts/bench_relay.py --json results.json  # also machine-readable ('-': stdout)
    python scripts/bench_relay.py --repeat 3           # interleaved repeats, medians shown
    python scripts/bench_relay.py --sessions 100 --chunk-ms 20 --targets bare,relay \
        --no-debounce --profile prof/ [--profile-native]   # py-spy, per-function µs/frame
    python -m scripts.bench.hotpath                    # the relay's own work per frame, no I/O

The machine is shared with whatever else runs: before each run the benchmark waits (up to
``--quiet-wait`` s) for other processes to go idle, and reports the CPUs others kept busy
during each window (``others``); the load generator's own CPU and how late it sent against its
deadlines (``late p99``) tell whether it, rather than the target, was the bottleneck.
Progress goes to stderr, the table to stdout. Every child process is stopped at the end, also
on Ctrl-C, and each one dies with the benchmark even if it is killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

try:
    from scripts.bench import procs, report, runs
except ModuleNotFoundError:  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.bench import procs, report, runs
from scripts.bench.options import Options, parse_args
from scripts.bench.procs import log


@contextlib.contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a benchmark started in the background inherits it ignored.
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _write(options: Options, results: list[dict[str, Any]], debounce: list[dict[str, Any]]) -> None:
    """The table (stdout, or stderr when the JSON goes to stdout) and the JSON document."""
    summary = report.aggregate(results)
    compared = report.comparisons(summary)
    verdicts = report.targets(summary, compared, debounce)
    document = {
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()},
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "code": procs.code_version(),
        "summary": summary,
        "runs": results,
        "comparisons": compared,
        "debounce": debounce,
        "targets": verdicts,
    }
    if options.json_path == "-":
        json.dump(document, sys.stdout, indent=1)
        print()
        report.print_report(sys.stderr, summary, compared, debounce, verdicts)
    else:
        report.print_report(sys.stdout, summary, compared, debounce, verdicts)
        if options.json_path:
            Path(options.json_path).write_text(json.dumps(document, indent=1) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv, __doc__)
    work = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    children = procs.Children(work)
    results: list[dict[str, Any]] = []
    debounce: list[dict[str, Any]] = []
    log(
        f"{len(runs.plan(options))} runs ({options.duration:g} s measured each) + "
        f"{len(options.debounce_chunks) if options.debounce else 0} debounce runs; "
        f"{os.cpu_count()} CPUs; logs in {work}"
    )
    failed = False
    with _signals_as_interrupt():
        try:
            bench = runs.Bench(options, children, work)
            failed = runs.run_all(bench, options, results, debounce)
        except KeyboardInterrupt:
            log("interrupted: stopping every child process")
            failed = True
        finally:
            children.stop_all()
    _write(options, results, debounce)
    if not options.keep_logs and not failed:
        for path in work.iterdir():
            if path.is_file():
                path.unlink()
        with contextlib.suppress(OSError):
            work.rmdir()
    elif failed:
        log(f"logs kept in {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

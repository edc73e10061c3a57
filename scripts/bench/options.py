"""The command-line options of `scripts/bench_relay.py`: parsed, checked, and gathered in one
`Options`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts.bench import profile
from scripts.bench.report import TARGETS


@dataclass
class Options:
    sessions: list[int]
    chunks: list[int]
    targets: list[str]
    duration: float
    grace: float
    warmup_sessions: int
    warmup_seconds: float
    gen_procs: int
    connect_concurrency: int
    debounce: bool
    debounce_sessions: int
    debounce_chunks: list[int]
    debounce_delay: float
    throttle: float
    json_path: str | None
    keep_logs: bool
    quiet_wait: float
    quiet_cpus: float
    profile_dir: Path | None
    profile_native: bool
    warmup: bool
    relay_env: dict[str, str]
    repeat: int


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None, doc: str | None = None) -> Options:
    """The options of `argv` (None: sys.argv); `doc`'s first paragraph describes the tool."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n", 1)[0] if doc else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sessions", type=_ints, default=[10, 100, 300], help="e.g. 10,100,300,1000"
    )
    parser.add_argument("--chunk-ms", type=_ints, default=[20, 100], help="e.g. 20,100")
    parser.add_argument("--targets", default=",".join(TARGETS), help="subset of direct,bare,relay")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the whole matrix this many times, interleaved; the table shows medians",
    )
    parser.add_argument("--grace", type=float, default=2.0, help="seconds to wait for last echoes")
    parser.add_argument("--warmup-sessions", type=int, default=50)
    parser.add_argument("--warmup-seconds", type=float, default=1.5)
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="measure cold processes (to see the difference)",
    )
    parser.add_argument(
        "--relay-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the real relay, e.g. MALLOC_MMAP_THRESHOLD_=1048576",
    )
    parser.add_argument("--gen-procs", type=int, default=1, help="load-generator processes")
    parser.add_argument("--connect-concurrency", type=int, default=64)
    parser.add_argument("--no-debounce", action="store_true", help="skip the debounce timing run")
    parser.add_argument("--debounce-sessions", type=int, default=300)
    parser.add_argument("--debounce-chunk-ms", type=_ints, default=[20, 100])
    parser.add_argument("--debounce-delay", type=float, default=0.2, help="D, seconds")
    parser.add_argument("--throttle", type=float, default=0.5, help="T, seconds")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON ('-': stdout)")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the child logs and recordings"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each run, wait up to this many seconds for other processes to go idle",
    )
    parser.add_argument(
        "--quiet-cpus",
        type=float,
        default=0.15,
        help="CPUs others may use and still be 'idle'",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="sample each target with py-spy during the window (needs py-spy in the venv); "
        "collapsed stacks go to DIR, a per-function summary to the report (perturbs timings)",
    )
    parser.add_argument(
        "--profile-native", action="store_true", help="with --profile: include C frames"
    )
    args = parser.parse_args(argv)
    chosen = [t.strip() for t in args.targets.split(",") if t.strip()]
    if not chosen or any(t not in TARGETS for t in chosen):
        parser.error(f"--targets: choose from {', '.join(TARGETS)}")
    if args.duration <= 0 or args.gen_procs < 1 or args.repeat < 1:
        parser.error("--duration must be > 0, --gen-procs and --repeat >= 1")
    if args.profile_native and args.profile is None:
        parser.error("--profile-native goes with --profile DIR")
    if any("=" not in item for item in args.relay_env):
        parser.error("--relay-env takes NAME=VALUE")
    if args.profile is not None:
        if not profile.available():
            parser.error("--profile needs py-spy: /work/venv/bin/pip install py-spy")
        if args.profile.exists() and not args.profile.is_dir():
            parser.error(f"--profile: {args.profile} exists and is not a folder")
        args.profile.mkdir(parents=True, exist_ok=True)
        args.profile = args.profile.resolve()
    return Options(
        sessions=args.sessions,
        chunks=args.chunk_ms,
        targets=[t for t in TARGETS if t in chosen],
        duration=args.duration,
        grace=args.grace,
        warmup_sessions=args.warmup_sessions,
        warmup_seconds=args.warmup_seconds,
        gen_procs=args.gen_procs,
        connect_concurrency=args.connect_concurrency,
        debounce=not args.no_debounce,
        debounce_sessions=args.debounce_sessions,
        debounce_chunks=args.debounce_chunk_ms,
        debounce_delay=args.debounce_delay,
        throttle=args.throttle,
        json_path=args.json,
        keep_logs=args.keep_logs,
        quiet_wait=args.quiet_wait,
        quiet_cpus=args.quiet_cpus,
        profile_dir=args.profile,
        profile_native=args.profile_native,
        warmup=not args.no_warmup,
        relay_env=dict(item.split("=", 1) for item in args.relay_env),
        repeat=args.repeat,
    )

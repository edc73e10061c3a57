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

import argparse
import contextlib
import json
import os
import select
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

try:
    from scripts.bench import procs, profile, report, stats
except ModuleNotFoundError:  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.bench import procs, profile, report, stats

TARGETS = report.TARGETS
START_DELAY = 0.3  # s between sending the stream command and the first deadline
RAMP = 1.0  # s of streaming before the measured window opens


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


@dataclass
class Window:
    t0: float
    t1: float
    cpu: dict[str, float] = field(default_factory=dict)  # role -> CPU seconds in the window
    system: dict[str, float] = field(default_factory=dict)  # role -> of which in the kernel
    machine_cpu: float = 0.0  # CPU seconds of the whole machine in the window
    rss_kib: dict[str, int] = field(default_factory=dict)  # role -> VmRSS at the window's end


class Worker:
    """A load-generator process spoken to with JSON lines on its stdin/stdout."""

    def __init__(self, child: procs.Child) -> None:
        self.child = child

    def send(self, command: dict[str, Any]) -> None:
        stdin = self.child.proc.stdin
        assert stdin is not None
        stdin.write((json.dumps(command) + "\n").encode())
        stdin.flush()

    def receive(self, timeout: float) -> dict[str, Any]:
        stdout = self.child.proc.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"{self.child.name}: no answer within {timeout:g} s")
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"{self.child.name} ended:\n{self.child.log_tail()}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.child.name}: {answer['error']}")
        return answer


class Bench:
    def __init__(self, options: Options, children: procs.Children, work: Path) -> None:
        self.o = options
        self.children = children
        self.work = work
        self.workers: list[Worker] = []
        self.start_workers()

    def start_workers(self) -> None:
        """(Re)start the load generators: after a failed run their state is unknown."""
        for worker in self.workers:
            self.children.stop(worker.child)
        self.workers = [
            Worker(
                self.children.start(
                    f"loadgen{i}",
                    [sys.executable, "-m", "scripts.bench.loadgen", str(i)],
                    pipes=True,
                )
            )
            for i in range(self.o.gen_procs)
        ]

    # -- the load generators ------------------------------------------------------------

    def _ask_all(self, commands: Sequence[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
        for worker, command in zip(self.workers, commands, strict=True):
            worker.send(command)
        return [worker.receive(timeout) for worker in self.workers]

    def _split(self, total: int) -> list[int]:
        k = len(self.workers)
        return [total // k + (i < total % k) for i in range(k)]

    def connect(self, url: str, sessions: int) -> dict[str, Any]:
        answers = self._ask_all(
            [
                {
                    "cmd": "connect",
                    "url": url,
                    "sessions": n,
                    "concurrency": self.o.connect_concurrency,
                }
                for n in self._split(sessions)
            ],
            timeout=60 + sessions / 20,
        )
        connected = sum(a["connected"] for a in answers)
        if connected < sessions:
            errors = [e for a in answers for e in a["errors"]]
            raise RuntimeError(f"only {connected}/{sessions} sessions connected: {errors[:3]}")
        return {"connected": connected, "seconds": max(a["seconds"] for a in answers)}

    def close(self) -> None:
        self._ask_all([{"cmd": "close"}] * len(self.workers), timeout=30)

    def stream(
        self,
        chunk_ms: int,
        seconds: float,
        watch: dict[str, int],
        profile_to: Path | None = None,
    ) -> tuple[list[dict[str, Any]], Window]:
        """Stream for RAMP + seconds; sample CPU and memory of `watch` (role -> pid) over the
        window; return the generators' answers and the window."""
        t0 = time.monotonic() + START_DELAY + RAMP
        window = Window(t0, t0 + seconds)
        command = {
            "cmd": "stream",
            "start": t0 - RAMP,
            "stop": window.t1,
            "window": [window.t0, window.t1],
            "chunk_ms": chunk_ms,
            "grace": self.o.grace,
        }
        for worker in self.workers:
            worker.send(command)
        pids = dict(watch) | {w.child.name: w.child.pid for w in self.workers}
        time.sleep(max(0.0, window.t0 - time.monotonic()))
        spy = None
        if profile_to is not None:
            spy = profile.start(
                self.children,
                watch["target"],
                seconds,
                profile_to,
                self.o.profile_native,
            )
        first = {role: procs.sample(pid) for role, pid in pids.items()}
        busy = procs.machine_busy()
        time.sleep(max(0.0, window.t1 - time.monotonic()))
        last = {role: procs.sample(pid) for role, pid in pids.items()}
        window.machine_cpu = procs.machine_busy() - busy
        window.rss_kib = {role: procs.rss_kib(pid) for role, pid in watch.items()}
        window.cpu = {role: last[role].cpu - first[role].cpu for role in pids}
        window.system = {role: last[role].system - first[role].system for role in pids}
        answers = [w.receive(timeout=self.o.grace + 60) for w in self.workers]
        if spy is not None:
            spy.proc.wait(30)
            self.children.stop(spy)
        return answers, window

    def warm_up(self, url: str, sessions: int) -> None:
        """A short round that ends with closed sockets (an empty read in every process)."""
        if not self.o.warmup:
            return
        count = min(sessions, self.o.warmup_sessions)
        self.connect(url, count)
        self.stream(20, self.o.warmup_seconds, {})
        self.close()
        time.sleep(0.5)

    # -- processes ----------------------------------------------------------------------

    def start_upstream(self, kind: str, stats_path: Path | None = None) -> tuple[procs.Child, int]:
        port = procs.free_port()
        if kind == "echo":
            argv = [
                sys.executable,
                "-m",
                "tests.fakes.fake_upstream",
                "--port",
                str(port),
            ]
            argv += ["--mode", "echo", "--no-deflate"]
        else:
            argv = [
                sys.executable,
                "-m",
                "scripts.bench.turn_upstream",
                "--port",
                str(port),
            ]
            argv += [
                "--debounce",
                str(self.o.debounce_delay),
                "--throttle",
                str(self.o.throttle),
            ]
            if stats_path is not None:
                argv += ["--stats", str(stats_path)]
        child = self.children.start(f"upstream-{kind}-{port}", argv)
        self._wait_listening(child, port)
        return child, port

    def start_target(
        self, target: str, upstream_port: int, recordings: Path | None = None
    ) -> tuple[procs.Child | None, str]:
        """The process under test (None for direct) and the URL clients connect to."""
        upstream_url = f"ws://127.0.0.1:{upstream_port}/openai/v1/realtime?model=x"
        if target == "direct":
            return None, upstream_url
        port = procs.free_port()
        if target == "bare":
            argv = [
                sys.executable,
                "-m",
                "scripts.bench.bare_relay",
                "--port",
                str(port),
            ]
            child = self.children.start(f"bare-{port}", [*argv, "--upstream", upstream_url])
        else:
            env = {
                "AZURE_OPENAI_ENDPOINT": f"http://127.0.0.1:{upstream_port}",
                "AZURE_OPENAI_REALTIME_DEPLOYMENT": "x",
                "AZURE_OPENAI_API_KEY": "x",
                "SPEECH_ENGINE": "openai",
                "AZURE_SPEECH_SERVICES_ENDPOINT": "",
                "AZURE_SPEECH_SERVICES_KEY": "",
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "MAX_SESSIONS": "100000",
                "RECORD_AUDIO": "0",
                "RECORDINGS_DIR": str(recordings) if recordings is not None else "",
            }
            env.update(self.o.relay_env)
            if recordings is not None:
                env["DEBOUNCE_DELAY"] = str(self.o.debounce_delay)
                env["THROTTLE_MIN_INTERVAL"] = str(self.o.throttle)
            # cwd: an empty folder, so that no .env of the work tree changes the settings.
            child = self.children.start(
                f"relay-{port}", [sys.executable, "-m", "app"], env=env, cwd=self.work
            )
        self._wait_listening(child, port)
        return child, f"ws://127.0.0.1:{port}/realtime"

    @staticmethod
    def _check_alive(started: list[procs.Child]) -> None:
        """A run whose target or upstream died (or was killed) on the way does not count."""
        for child in started:
            if not child.alive():
                raise RuntimeError(
                    f"{child.name} exited with {child.proc.returncode} during the run:\n"
                    + child.log_tail(5)
                )

    def _wait_listening(self, child: procs.Child, port: int) -> None:
        try:
            procs.wait_for_port(child, port)
        except (RuntimeError, TimeoutError):
            self.children.stop(child)
            raise

    def wait_quiet(self) -> float:
        """Wait (up to --quiet-wait s) until other processes leave the machine nearly idle:
        the benchmark shares its CPUs with whatever else runs. Returns their last load."""
        deadline = time.monotonic() + self.o.quiet_wait
        load = procs.other_load(0.5)
        warned = False
        while load > self.o.quiet_cpus and time.monotonic() < deadline:
            if not warned:
                log(f"    the machine is busy ({load:.2f} CPUs used by others): waiting")
                warned = True
            load = procs.other_load(1.0)
        if load > self.o.quiet_cpus:
            log(f"    measuring anyway with {load:.2f} CPUs busy elsewhere")
        return load

    # -- one measured run ---------------------------------------------------------------

    def run(self, target: str, sessions: int, chunk_ms: int) -> dict[str, Any]:
        self.wait_quiet()
        started: list[procs.Child] = []
        try:
            upstream, upstream_port = self.start_upstream("echo")
            started.append(upstream)
            relay, url = self.start_target(target, upstream_port)
            if relay is not None:
                started.append(relay)
            measured = relay if relay is not None else upstream
            watch = {"target": measured.pid}
            if relay is not None:
                watch["upstream"] = upstream.pid
            self.warm_up(url, sessions)
            idle = procs.rss_kib(measured.pid)
            connected = self.connect(url, sessions)
            spied = None
            if self.o.profile_dir is not None:
                spied = self.o.profile_dir / f"{target}-{sessions}-{chunk_ms}ms.txt"
            answers, window = self.stream(chunk_ms, self.o.duration, watch, spied)
            self.close()
            self._check_alive(started)
        finally:
            for child in reversed(started):  # the relay first, then its upstream
                self.children.stop(child)
        result = self._result(answers, window, sessions, chunk_ms, idle)
        result |= {"target": target, "connect_s": round(connected["seconds"], 3)}
        if spied is not None and spied.exists():
            result["profile"] = profile.summarize(spied, result["cpu_us_per_frame"])
            result["profile"]["file"] = str(spied)
        return result

    def _result(
        self,
        answers: list[dict[str, Any]],
        window: Window,
        sessions: int,
        chunk_ms: int,
        idle_kib: int,
    ) -> dict[str, Any]:
        seconds = window.t1 - window.t0
        sent = sum(a["sent"] for a in answers)
        echoed = sum(a["echoed"] for a in answers)
        frames = sum(a["echoed_in_window"] for a in answers)
        rtt = [x for a in answers for x in a["rtt_ms"]]
        late = [x for a in answers for x in a["late_ms"]]
        cpu = window.cpu

        def per_frame(role: str) -> float | None:
            return round(cpu[role] / frames * 1e6, 1) if role in cpu and frames else None

        gen_cpu = max(cpu[w.child.name] for w in self.workers) / seconds * 100
        others = max(0.0, window.machine_cpu - sum(cpu.values())) / seconds
        rss_n = window.rss_kib["target"]
        return {
            "sessions": sessions,
            "chunk_ms": chunk_ms,
            "window_s": round(seconds, 3),
            "sent": sent,
            "echoed": echoed,
            "lost": sent - echoed,
            "frames_in_window": frames,
            "duplicates": sum(a["duplicates"] for a in answers),
            "send_failures": sum(a["send_failures"] for a in answers),
            "closed_sessions": sum(a["closed_sessions"] for a in answers),
            "error_events": sum(a["errors"] for a in answers),
            "error_samples": [s for a in answers for s in a["error_samples"]][:3],
            "rtt_ms": stats.summary_ms(rtt),
            "send_late_ms": stats.summary_ms(late),
            "cpu_us_per_frame": per_frame("target"),
            "cpu_percent": round(cpu["target"] / seconds * 100, 1),
            # /proc/PID/stat counts in 10 ms ticks: each figure per frame is +- this much
            "cpu_tick_us_per_frame": round(1e6 / procs.CLOCK_TICKS / frames, 2) if frames else None,
            "sys_us_per_frame": round(window.system["target"] / frames * 1e6, 1)
            if frames
            else None,
            "upstream_cpu_us_per_frame": per_frame("upstream"),
            "gen_cpu_percent": round(gen_cpu, 1),
            "machine_cpus_busy": round(window.machine_cpu / seconds, 2),
            "other_cpus_busy": round(others, 2),
            "rss_idle_mib": round(idle_kib / 1024, 1),
            "rss_mib": round(rss_n / 1024, 1),
            "kib_per_session": round((rss_n - idle_kib) / sessions, 1),
        }

    # -- debounce timing ----------------------------------------------------------------

    def debounce_run(self, sessions: int, chunk_ms: int) -> dict[str, Any]:
        recordings = Path(tempfile.mkdtemp(prefix="recordings-", dir=self.work))
        stats_path = self.work / f"turn-stats-{chunk_ms}.json"
        self.wait_quiet()
        started: list[procs.Child] = []
        try:
            upstream, upstream_port = self.start_upstream("turns", stats_path)
            started.append(upstream)
            relay, url = self.start_target("relay", upstream_port, recordings)
            assert relay is not None
            started.append(relay)
            self.warm_up(url, sessions)
            before = set(recordings.iterdir())
            idle = procs.rss_kib(relay.pid)
            main_started = time.monotonic()
            connected = self.connect(url, sessions)
            answers, window = self.stream(
                chunk_ms,
                self.o.duration,
                {"target": relay.pid, "upstream": upstream.pid},
            )
            self.close()
            self._check_alive(started)
        finally:
            for child in reversed(started):  # the upstream last: on SIGTERM it writes its stats
                self.children.stop(child)
        files = sorted(set(recordings.iterdir()) - before)
        errors, with_turns = stats.debounce_errors_all(files)
        upstream_late: list[float] = []
        if stats_path.exists():
            for conn in json.loads(stats_path.read_text()):
                if conn["accepted"] >= main_started:
                    upstream_late += conn["late_s"]
        result = self._result(answers, window, sessions, chunk_ms, idle)
        result |= {
            "target": "relay+recording+turns",
            "connect_s": round(connected["seconds"], 3),
            "debounce_delay": self.o.debounce_delay,
            "throttle": self.o.throttle,
            "recordings": len(files),
            "recordings_with_turns": with_turns,
            "debounce_error_ms": stats.summary_ms([round(e * 1000, 3) for e in errors]),
            "debounce_error_min_ms": round(min(errors) * 1000, 3) if errors else None,
            "upstream_view_late_ms": stats.summary_ms([round(e * 1000, 3) for e in upstream_late]),
        }
        if not self.o.keep_logs:
            for path in recordings.iterdir():
                path.unlink()
            recordings.rmdir()
        return result


# -- command line ------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
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


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    children = procs.Children(work)
    results: list[dict[str, Any]] = []
    debounce: list[dict[str, Any]] = []
    plan = [
        (t, n, c)
        for _ in range(options.repeat)
        for c in options.chunks
        for n in options.sessions
        for t in options.targets
    ]
    log(
        f"{len(plan)} runs ({options.duration:g} s measured each) + "
        f"{len(options.debounce_chunks) if options.debounce else 0} debounce runs; "
        f"{os.cpu_count()} CPUs; logs in {work}"
    )
    failed = False
    with _signals_as_interrupt():
        try:
            bench = Bench(options, children, work)
            for i, (target, n, chunk) in enumerate(plan, 1):
                log(f"[{i}/{len(plan)}] {target}, {n} sessions, {chunk} ms chunks ...")
                try:
                    r = bench.run(target, n, chunk)
                except (RuntimeError, TimeoutError, OSError) as error:
                    log(f"    failed: {error}")
                    failed = True
                    bench.start_workers()
                    continue
                results.append(r)
                log("    " + report.run_line(r))
            if options.debounce:
                for chunk in options.debounce_chunks:
                    n = options.debounce_sessions
                    log(f"[debounce] relay + recording, {n} sessions, {chunk} ms chunks ...")
                    try:
                        d = bench.debounce_run(n, chunk)
                    except (RuntimeError, TimeoutError, OSError) as error:
                        log(f"    failed: {error}")
                        failed = True
                        bench.start_workers()
                        continue
                    debounce.append(d)
                    log("    " + report.debounce_line(d))
        except KeyboardInterrupt:
            log("interrupted: stopping every child process")
            failed = True
        finally:
            children.stop_all()
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

"""The measured runs: one target at N sessions and one chunk size, the debounce timing run
(the relay recording, upstream driving turns), and the whole plan of them in order."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from scripts.bench import procs, profile, report, stats
from scripts.bench.fleet import Fleet, Window
from scripts.bench.launch import Launcher, check_alive
from scripts.bench.options import Options
from scripts.bench.procs import log


class Bench:
    def __init__(self, options: Options, children: procs.Children, work: Path) -> None:
        self.o = options
        self.children = children
        self.work = work
        self.fleet = Fleet(options, children)
        self.launcher = Launcher(options, children, work)

    def start_workers(self) -> None:
        """(Re)start the load generators: after a failed run their state is unknown."""
        self.fleet.start_workers()

    # -- one measured run ---------------------------------------------------------------

    def run(self, target: str, sessions: int, chunk_ms: int) -> dict[str, Any]:
        self.launcher.wait_quiet()
        started: list[procs.Child] = []
        try:
            upstream, upstream_port = self.launcher.start_upstream("echo")
            started.append(upstream)
            relay, url = self.launcher.start_target(target, upstream_port)
            if relay is not None:
                started.append(relay)
            measured = relay if relay is not None else upstream
            watch = {"target": measured.pid}
            if relay is not None:
                watch["upstream"] = upstream.pid
            self.fleet.warm_up(url, sessions)
            idle = procs.rss_kib(measured.pid)
            connected = self.fleet.connect(url, sessions)
            spied = None
            if self.o.profile_dir is not None:
                spied = self.o.profile_dir / f"{target}-{sessions}-{chunk_ms}ms.txt"
            answers, window = self.fleet.stream(chunk_ms, self.o.duration, watch, spied)
            self.fleet.close()
            check_alive(started)
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

        gen_cpu = max(cpu[w.child.name] for w in self.fleet.workers) / seconds * 100
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
        self.launcher.wait_quiet()
        started: list[procs.Child] = []
        try:
            upstream, upstream_port = self.launcher.start_upstream("turns", stats_path)
            started.append(upstream)
            relay, url = self.launcher.start_target("relay", upstream_port, recordings)
            assert relay is not None
            started.append(relay)
            self.fleet.warm_up(url, sessions)
            before = set(recordings.iterdir())
            idle = procs.rss_kib(relay.pid)
            main_started = time.monotonic()
            connected = self.fleet.connect(url, sessions)
            answers, window = self.fleet.stream(
                chunk_ms,
                self.o.duration,
                {"target": relay.pid, "upstream": upstream.pid},
            )
            self.fleet.close()
            check_alive(started)
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


def plan(options: Options) -> list[tuple[str, int, int]]:
    """(target, sessions, chunk ms) of every measured run, repeats interleaved."""
    return [
        (t, n, c)
        for _ in range(options.repeat)
        for c in options.chunks
        for n in options.sessions
        for t in options.targets
    ]


def run_all(
    bench: Bench,
    options: Options,
    results: list[dict[str, Any]],
    debounce: list[dict[str, Any]],
) -> bool:
    """Every run of the plan, then the debounce runs; results are appended as they come (so
    an interrupt keeps them). Returns whether any run failed."""
    failed = False
    runs = plan(options)
    for i, (target, n, chunk) in enumerate(runs, 1):
        log(f"[{i}/{len(runs)}] {target}, {n} sessions, {chunk} ms chunks ...")
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
    return failed

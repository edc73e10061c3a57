"""The load generators seen from the benchmark: `scripts/bench/loadgen.py` worker processes
spoken to with JSON lines, and the measurement window sampled while they stream."""

from __future__ import annotations

import json
import select
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.bench import procs, profile
from scripts.bench.options import Options

START_DELAY = 0.3  # s between sending the stream command and the first deadline
RAMP = 1.0  # s of streaming before the measured window opens


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


class Fleet:
    """The --gen-procs load generators, driven together: sessions split evenly among them."""

    def __init__(self, options: Options, children: procs.Children) -> None:
        self.o = options
        self.children = children
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

"""The shared machine: waiting for other processes to go quiet, and CPU use in cores."""

from __future__ import annotations

import asyncio
import resource
import time

from scripts.bench import procs
from scripts.engine_bench.common import log


async def wait_quiet(limit: float, quiet: float = 0.25) -> float:
    """Wait (up to ``limit`` s) until other processes use under ``quiet`` cores; returns the
    cores they used in the last second. The machine may be shared: see ``other_cores``."""
    deadline = time.monotonic() + limit
    while True:
        before = procs.machine_busy()
        await asyncio.sleep(1.0)
        others = procs.machine_busy() - before
        if others < quiet or time.monotonic() >= deadline:
            if others >= quiet:
                log(f"other processes keep {others:.2f} cores busy: measuring anyway")
            return others
        log(f"waiting for other processes to go quiet ({others:.2f} cores busy) ...")


class CpuMeter:
    """CPU used during a phase by the engine, this process and everything else (cores)."""

    def __init__(self, engine_pid: int | None = None) -> None:
        self.engine_pid = engine_pid
        self._start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        engine = procs.sample(self.engine_pid).cpu if self.engine_pid else 0.0
        return time.monotonic(), procs.machine_busy(), engine, own.ru_utime + own.ru_stime

    def cores(self) -> dict[str, float]:
        end = self._read()
        wall, busy, engine, own = (b - a for a, b in zip(self._start, end, strict=True))
        return {
            "engine_cores": round(engine / wall, 2),
            "bench_cores": round(own / wall, 2),
            "other_cores": round(max(0.0, busy - engine - own) / wall, 2),
            "wall_s": round(wall, 1),
        }


async def sample_cores(pid: int, peak: list[float], every: float = 1.0) -> None:
    """Cores the process used in each ``every``-second window (appended to ``peak``)."""
    previous = procs.sample(pid)
    while True:
        await asyncio.sleep(every)
        current = procs.sample(pid)
        peak.append((current.cpu - previous.cpu) / (current.at - previous.at))
        previous = current

"""Optional profiling of a benchmark target with py-spy (a profiling tool, not a dependency:
``pip install py-spy`` into the venv to use ``--profile``).

py-spy samples the target's Python stacks from outside (``--nonblocking``: the target is never
paused) and writes collapsed stacks; :func:`summarize` turns them into each function's share of
the samples, converted to microseconds per frame with the CPU per frame measured in the same
window. Idle samples (the event loop waiting in epoll) are left out by py-spy, so the shares
should be shares of busy time; but with ``--nonblocking`` py-spy cannot always tell, so samples
whose innermost frame is the selector's ``select`` (the loop waiting in epoll) are counted as
idle too, and so are threads blocked on a lock (idle executor threads, seen with ``--native``).
Time in C code (json, base64, socket calls, the kernel's loopback TCP work done in
``send``) is charged to the Python function that called it.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path

from scripts.bench.procs import Child, Children

IDLE_LEAVES = frozenset(
    {"EpollSelector.select (selectors.py)", "select (selectors.py)", "epoll_wait (libc.so.6)"}
)


# Native frames of a thread blocked on a lock (e.g. an idle executor thread).
IDLE_WAITS = ("PyThread_acquire_lock_timed", "epoll_wait")


def available() -> bool:
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) is not None or bool(
        shutil.which("py-spy")
    )


def start(
    children: Children, pid: int, seconds: float, output: Path, native: bool, rate: int = 250
) -> Child:
    """py-spy on `pid` for `seconds`; `native` adds C frames (it pauses the target for each
    sample, ~1-3% of its time at this rate; without it nothing is paused)."""
    exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    argv = [exe, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))]
    argv += ["--rate", str(rate), "--format", "raw", "--nolineno"]
    argv += ["--native"] if native else ["--nonblocking"]
    return children.start(f"py-spy-{output.stem}", [*argv, "--output", str(output)])


def _short(frame: str) -> str:
    """``send_str (aiohttp/web_ws.py)`` stays; long paths are cut to their package part."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "lib/python3."):
        if marker in where:
            where = where.split(marker, 1)[1]
            if marker.startswith("lib/"):
                where = where.split("/", 1)[-1]
    return f"{name} ({where})" if where else name


def summarize(path: Path, us_per_frame: float | None, top: int = 30) -> dict[str, object]:
    """Self and inclusive shares of the samples per function, and µs per frame for each."""
    self_count: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = idle = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread (")]
        if not frames:
            continue
        if frames[-1] in IDLE_LEAVES or any(f.startswith(IDLE_WAITS) for f in frames):
            idle += count
            continue
        total += count
        self_count[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count

    def us(count: int) -> float | None:
        if us_per_frame is None or not total:
            return None
        return round(count / total * us_per_frame, 1)

    return {
        "samples": total,
        "idle_samples": idle,
        "self": [
            {"function": f, "share": round(c / total, 4), "us_per_frame": us(c)}
            for f, c in self_count.most_common(top)
        ],
        "inclusive": [
            {"function": f, "share": round(c / total, 4), "us_per_frame": us(c)}
            for f, c in inclusive.most_common(top)
        ],
    }

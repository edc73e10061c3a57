"""Percentiles and the debounce timing error read back from session recordings."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` in 0..1) of unsorted values; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(values: Sequence[float]) -> dict[str, float | int | None]:
    """count, p50, p99, max of values already in milliseconds."""
    return {
        "count": len(values),
        "p50": percentile(values, 0.50),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else None,
    }


def debounce_errors(path: Path) -> list[float]:
    """Seconds by which each ``debounce_due`` transition of one recording came after its due
    time ``max(t(speech_stopped) + D, last_start + T)`` (TURN_RULES.md rules 2 and 4, with
    ``last_start`` the due time of the previous turn).

    The speech_stopped that counts is the one that moved the machine into ``debouncing`` (its
    transition has the same ``t`` as the input line). Recorded times are rounded to the ms.
    """
    debounce = throttle = None
    stopped: float | None = None
    last_start = -math.inf
    errors: list[float] = []
    with path.open(encoding="utf-8") as file:
        for line in file:
            if '"meta"' in line:
                continue  # protocol metadata: most of the file, not needed here
            entry = json.loads(line)
            if "config" in entry:
                debounce = float(entry["config"]["debounce_delay"])
                throttle = float(entry["config"]["throttle_min_interval"])
            elif entry.get("dest") == "debouncing" and entry.get("trigger") == "speech_stopped":
                stopped = float(entry["t"])
            elif entry.get("trigger") == "debounce_due":
                if debounce is None or throttle is None or stopped is None:
                    raise ValueError(f"{path}: debounce_due without config or speech_stopped")
                due = max(round(stopped + debounce, 6), round(last_start + throttle, 6))
                errors.append(float(entry["t"]) - due)
                last_start = due
    return errors


def debounce_errors_all(paths: Iterable[Path]) -> tuple[list[float], int]:
    """All sessions' errors (seconds) and how many recordings had at least one turn."""
    errors: list[float] = []
    with_turns = 0
    for path in paths:
        found = debounce_errors(path)
        with_turns += bool(found)
        errors += found
    return errors, with_turns

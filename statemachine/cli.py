"""``python scripts/replay.py FILE [--debounce S] [--throttle S] [--json] [--diagram]``.

Replays FILE on a fake clock and prints its timeline. Exit status: 0 when every ``expect``
holds (and a recording's transitions are reproduced), 1 when one fails (readable diff on
stderr), 2 for a malformed file (``FILE:LINE: what is wrong`` on stderr) or bad arguments.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from .diagram import mermaid
from .replay import ReplayResult, ScenarioError, load_scenario, replay
from .report import format_failures, format_summary, format_timeline, to_jsonl
from .scenario import Scenario
from .settings import TurnSettings

__all__ = ["EXIT_FAILED", "EXIT_MALFORMED", "EXIT_OK", "build_parser", "main"]

EXIT_OK, EXIT_FAILED, EXIT_MALFORMED = 0, 1, 2


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    defaults = TurnSettings()
    parser = argparse.ArgumentParser(
        prog="replay.py",
        description=(
            "Replay a turn scenario or a session recording (JSON Lines) on a fake clock and "
            "print its timeline. Exit 0: every expect held; 1: one failed (diff on stderr); "
            "2: malformed file."
        ),
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="scenario or recording; - = stdin")
    parser.add_argument(
        "--debounce",
        type=_seconds,
        metavar="S",
        help=f"DEBOUNCE_DELAY in seconds (overrides the file; default {defaults.debounce_delay:g})",
    )
    parser.add_argument(
        "--throttle",
        type=_seconds,
        metavar="S",
        help=(
            "THROTTLE_MIN_INTERVAL in seconds (overrides the file; "
            f"default {defaults.throttle_min_interval:g})"
        ),
    )
    parser.add_argument(
        "--json", action="store_true", help="print the timeline as JSON Lines, one object a line"
    )
    parser.add_argument(
        "--diagram", action="store_true", help="print the machine as Mermaid text and exit"
    )
    return parser


def _load(file: str, stdin: TextIO) -> Scenario:
    """The scenario, named as the user wrote its path (``-`` reads stdin)."""
    scenario = load_scenario(stdin if file == "-" else Path(file))
    return replace(scenario, source=file)


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if args.diagram:
        out.write(mermaid())
        return EXIT_OK
    if args.file is None:
        build_parser().print_usage(err)
        err.write("replay.py: error: FILE is required (or --diagram)\n")
        return EXIT_MALFORMED
    try:
        scenario = _load(args.file, stdin or sys.stdin)
    except ScenarioError as exc:
        line = f":{exc.line}" if exc.line else ""
        err.write(f"{args.file}{line}: {exc.message}\n")
        return EXIT_MALFORMED
    result: ReplayResult = replay(scenario, args.debounce, args.throttle)
    if args.json:
        out.write(to_jsonl(result))
    else:
        out.write(format_timeline(result))
        out.write(format_summary(result) + "\n")
    if not result.ok:
        err.write(format_failures(result))
        return EXIT_FAILED
    return EXIT_OK


def run() -> None:
    """Entry point for scripts: exit with :func:`main`'s status."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        code = EXIT_OK
    sys.exit(code)

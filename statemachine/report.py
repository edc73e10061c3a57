"""Readable text for people: a replay's timeline, and its failures with diffs."""

from __future__ import annotations

import difflib
import json

from .replay import Failure, ReplayResult, describe
from .timeline import Action, Input, TimelineEntry, Transition, round_t

__all__ = ["format_entry", "format_failures", "format_summary", "format_timeline", "to_jsonl"]

CONTEXT = 6  # timeline entries shown before a failed check


def _seconds(value: float) -> str:
    return f"{value:g}"


def format_entry(entry: TimelineEntry) -> str:
    """One timeline entry as ``   3.500  action      response.create``."""
    if isinstance(entry, Input):
        what = entry.event
        if entry.tool_calls is not None:
            what += f" tool_calls={entry.tool_calls}"
    elif isinstance(entry, Transition):
        what = describe(entry.source, entry.dest, entry.trigger)
    elif isinstance(entry, Action):
        what = entry.name + (" (follow-up)" if entry.follow_up else "")
    else:  # pragma: no cover - no other kinds exist
        what = repr(entry)
    if isinstance(entry, Input | Action):
        if entry.item_id is not None:
            what += f" item_id={entry.item_id}"
        if entry.audio_end_ms is not None:
            what += f" audio_end_ms={entry.audio_end_ms}"
    return f"{entry.t:10.3f}  {entry.kind:<10}  {what}"


def format_timeline(result: ReplayResult) -> str:
    """The whole timeline, with each ``expect`` check in its place."""
    settings = result.settings
    out = [
        f"# debounce_delay={_seconds(settings.debounce_delay)} s, "
        f"throttle_min_interval={_seconds(settings.throttle_min_interval)} s",
        f"{'t':>10}  {'kind':<10}  what",
    ]
    checks = iter(result.checks)
    check = next(checks, None)
    for index, entry in enumerate([*result.timeline, None]):
        while check is not None and check.index == index:
            verdict = "ok" if check.ok else f"FAILED (state is {check.actual})"
            out.append(f"{check.t:10.3f}  {'expect':<10}  {check.expected}: {verdict}")
            check = next(checks, None)
        if entry is not None:
            out.append(format_entry(entry))
    return "\n".join(out) + "\n"


def format_summary(result: ReplayResult) -> str:
    """One line: ``ok: 3 of 3 expectations held`` or ``FAILED: ...``."""
    checks = len(result.checks)
    recorded = len(result.scenario.recorded_transitions)
    parts = []
    if checks:
        held = sum(check.ok for check in result.checks)
        parts.append(f"{held} of {checks} expectations held")
    if recorded:
        bad = sum(failure.kind != "expect" for failure in result.failures)
        verdict = f"NOT reproduced ({bad} difference{'s' * (bad != 1)})" if bad else "reproduced"
        parts.append(f"{recorded} recorded transitions {verdict}")
    if not parts:
        inputs = sum(entry.kind == "input" for entry in result.timeline)
        parts.append(f"{inputs} inputs replayed, nothing to check (no expect lines)")
    return ("ok: " if result.ok else "FAILED: ") + "; ".join(parts)


def to_jsonl(result: ReplayResult) -> str:
    """Transitions and actions as JSON Lines, exactly the two shapes of TURN_RULES.md:
    ``{"t", "source", "dest", "trigger"}`` and ``{"t", "action"}``."""
    lines = []
    for entry in result.timeline:
        if isinstance(entry, Transition):
            lines.append(json.dumps(entry.to_json()))
        elif isinstance(entry, Action):
            lines.append(json.dumps({"t": round_t(entry.t), "action": entry.name}))
    return "".join(line + "\n" for line in lines)


def _where(result: ReplayResult, failure: Failure) -> str:
    source = result.scenario.source or "<scenario>"
    line = f":{failure.line}" if failure.line is not None else ""
    return f"{source}{line}: t={failure.t:.3f}"


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _expect_failure(result: ReplayResult, failure: Failure) -> list[str]:
    context = result.timeline[max(0, failure.index - CONTEXT) : failure.index]
    out = [f"{_where(result, failure)}: {failure.message}"]
    out += _indent(["--- expected", "+++ actual", f"-{failure.expected}", f"+{failure.actual}"])
    if context:
        out += _indent(["timeline before the check:"])
        out += _indent([format_entry(entry) for entry in context])
    else:
        out += _indent(["(nothing happened before the check)"])
    return out


def _transitions_diff(result: ReplayResult) -> list[str]:
    recorded = [
        f"{describe(line.source, line.dest, line.trigger)}  [line {line.line}]"
        for line in result.scenario.recorded_transitions
    ]
    replayed = [describe(t.source, t.dest, t.trigger) for t in result.transitions]
    # Compare without the line numbers, show them on the recorded side.
    keys = [line.rsplit("  [", 1)[0] for line in recorded]
    matcher = difflib.SequenceMatcher(a=keys, b=replayed, autojunk=False)
    out = ["--- recorded", "+++ replayed"]
    for group in matcher.get_grouped_opcodes(2):
        first = group[0]
        out.append(f"@@ recorded #{first[1] + 1}, replayed #{first[3] + 1} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in recorded[i1:i2]]
                continue
            out += ["-" + line for line in recorded[i1:i2]]
            out += ["+" + line for line in replayed[j1:j2]]
    return out


def format_failures(result: ReplayResult) -> str:
    """Every failure with a readable diff; "" when the replay is ok."""
    if result.ok:
        return ""
    out: list[str] = []
    for failure in result.failures:
        if failure.kind == "expect":
            out += _expect_failure(result, failure)
        elif failure.kind == "transition":
            out.append(f"{_where(result, failure)}: {failure.message}")
            out += _indent(_transitions_diff(result))
        else:
            out.append(f"{_where(result, failure)}: {failure.message}")
    out.append(format_summary(result))
    return "\n".join(out) + "\n"

"""The benchmark's results: medians over repeats, relay-vs-bare/direct comparisons, the
issue's targets with PASS/MISS, and the printed table."""

from __future__ import annotations

from typing import Any, TextIO

TARGETS = ("direct", "bare", "relay")
TARGET_CPU_RATIO = 1.1
TARGET_ADDED_P99_MS = 1.0
TARGET_DEBOUNCE_P99_MS = 10.0


def _median(values: list[float]) -> float | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return present[middle]
    return round((present[middle - 1] + present[middle]) / 2, 3)


def aggregate(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per target, N and chunk: medians over the repeats (losses and sends summed,
    the worst of the load indicators); a single run is passed through."""
    groups: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["target"], r["sessions"], r["chunk_ms"]), []).append(r)
    rows = []
    for runs in groups.values():
        if len(runs) == 1:
            rows.append(runs[0] | {"repeats": 1})
            continue
        row = dict(runs[0])
        row["repeats"] = len(runs)
        for key in (
            "sent",
            "echoed",
            "lost",
            "duplicates",
            "send_failures",
            "error_events",
        ):
            row[key] = sum(r[key] for r in runs)
        row["closed_sessions"] = max(r["closed_sessions"] for r in runs)
        for key in ("rtt_ms", "send_late_ms"):
            row[key] = {
                part: _median([r[key][part] for r in runs]) for part in ("p50", "p99", "max")
            } | {"count": sum(r[key]["count"] for r in runs)}
        for key in (
            "cpu_us_per_frame",
            "cpu_percent",
            "sys_us_per_frame",
            "upstream_cpu_us_per_frame",
            "rss_idle_mib",
            "rss_mib",
            "kib_per_session",
        ):
            row[key] = _median([r[key] for r in runs])
        for key in ("gen_cpu_percent", "machine_cpus_busy", "other_cpus_busy"):
            row[key] = max(r[key] for r in runs)
        row["cpu_us_per_frame_runs"] = [r["cpu_us_per_frame"] for r in runs]
        row["rtt_p99_ms_runs"] = [r["rtt_ms"]["p99"] for r in runs]
        row.pop("profile", None)
        rows.append(row)
    return rows


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def run_line(r: dict[str, Any]) -> str:
    """One run in a progress line."""
    return (
        f"sent {r['sent']}, lost {r['lost']}, round trip p50 {fmt(r['rtt_ms']['p50'], 2)} "
        f"p99 {fmt(r['rtt_ms']['p99'], 2)} ms, {fmt(r['cpu_us_per_frame'])} µs/frame "
        f"({fmt(r['cpu_percent'], 0)}% CPU), {fmt(r['kib_per_session'])} KiB/session, "
        f"generator {fmt(r['gen_cpu_percent'], 0)}% CPU, others {fmt(r['other_cpus_busy'], 2)} CPUs"
    )


def debounce_line(d: dict[str, Any]) -> str:
    e = d["debounce_error_ms"]
    return (
        f"{e['count']} turns, timer error p50 {fmt(e['p50'])} p99 {fmt(e['p99'])} "
        f"max {fmt(e['max'])} ms; audio lost {d['lost']} of {d['sent']}"
    )


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def _index(results: list[dict[str, Any]]) -> dict[tuple[str, int, int], dict[str, Any]]:
    return {(r["target"], r["sessions"], r["chunk_ms"]): r for r in results}


def comparisons(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = _index(results)
    rows = []
    for (target, n, chunk), relay in sorted(by.items(), key=lambda kv: (kv[0][2], kv[0][1])):
        if target != "relay":
            continue
        bare, direct = by.get(("bare", n, chunk)), by.get(("direct", n, chunk))
        row: dict[str, Any] = {"sessions": n, "chunk_ms": chunk}
        if bare and bare["cpu_us_per_frame"] and relay["cpu_us_per_frame"]:
            row["cpu_ratio_vs_bare"] = round(
                relay["cpu_us_per_frame"] / bare["cpu_us_per_frame"], 3
            )
            row["extra_us_per_frame"] = round(
                relay["cpu_us_per_frame"] - bare["cpu_us_per_frame"], 1
            )
            if (
                relay.get("sys_us_per_frame") is not None
                and bare.get("sys_us_per_frame") is not None
            ):
                row["extra_sys_us_per_frame"] = round(
                    relay["sys_us_per_frame"] - bare["sys_us_per_frame"], 1
                )
        if direct and direct["rtt_ms"]["p99"] is not None and relay["rtt_ms"]["p99"] is not None:
            row["added_p99_ms"] = round(relay["rtt_ms"]["p99"] - direct["rtt_ms"]["p99"], 3)
            if bare and bare["rtt_ms"]["p99"] is not None:
                row["bare_added_p99_ms"] = round(bare["rtt_ms"]["p99"] - direct["rtt_ms"]["p99"], 3)
        rows.append(row)
    return rows


def targets(
    results: list[dict[str, Any]],
    compared: list[dict[str, Any]],
    debounce: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    by = _index(results)
    out: list[dict[str, Any]] = []
    for row in compared:
        if "cpu_ratio_vs_bare" in row:
            ratio = row["cpu_ratio_vs_bare"]
            out.append(
                {
                    "target": f"relay CPU/frame <= {TARGET_CPU_RATIO}x bare "
                    f"({row['sessions']} sessions, {row['chunk_ms']} ms)",
                    "measured": f"{ratio:.2f}x",
                    "ok": ratio <= TARGET_CPU_RATIO,
                }
            )
    for row in compared:
        if row["sessions"] == 100 and "added_p99_ms" in row:
            added = row["added_p99_ms"]
            out.append(
                {
                    "target": f"added p99 <= {TARGET_ADDED_P99_MS:g} ms at 100 sessions "
                    f"({row['chunk_ms']} ms)",
                    "measured": f"{added:+.2f} ms",
                    "ok": added <= TARGET_ADDED_P99_MS,
                }
            )
    for (target, n, chunk), r in sorted(by.items()):
        if target == "relay" and n == 300:
            out.append(
                {
                    "target": f"zero frames lost at 300 sessions ({chunk} ms)",
                    "measured": f"{r['lost']} of {r['sent']}",
                    "ok": r["lost"] == 0,
                }
            )
    for d in debounce:
        p99 = d["debounce_error_ms"]["p99"]
        out.append(
            {
                "target": f"debounce error p99 <= {TARGET_DEBOUNCE_P99_MS:g} ms at "
                f"{d['sessions']} sessions ({d['chunk_ms']} ms audio)",
                "measured": "-" if p99 is None else f"{p99:.1f} ms",
                "ok": None if p99 is None else p99 <= TARGET_DEBOUNCE_P99_MS,
            }
        )
    scale = by.get(("relay", 1000, 100))
    out.append(
        {
            "target": "scale: 1000 sessions, 100 ms chunks, no loss",
            "measured": "not run (add 1000 to --sessions)"
            if scale is None
            else f"{scale['lost']} lost of {scale['sent']}, p99 {fmt(scale['rtt_ms']['p99'])} ms",
            "ok": None if scale is None else scale["lost"] == 0,
        }
    )
    return out


def print_report(
    out: TextIO,
    results: list[dict[str, Any]],
    compared: list[dict[str, Any]],
    debounce: list[dict[str, Any]],
    verdicts: list[dict[str, Any]],
) -> None:
    head = (
        f"{'target':<7}{'N':>6}{'chunk':>7}{'sent':>9}{'lost':>7}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'CPU µs/fr':>11}{'CPU %':>7}{'up µs/fr':>10}{'idle MiB':>10}{'KiB/sess':>10}"
        f"{'gen CPU%':>10}{'late p99':>10}{'others':>8}"
    )
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in sorted(
        results,
        key=lambda r: (r["chunk_ms"], r["sessions"], TARGETS.index(r["target"])),
    ):
        print(
            f"{r['target']:<7}{r['sessions']:>6}{r['chunk_ms']:>5}ms{r['sent']:>9}{r['lost']:>7}"
            f"{fmt(r['rtt_ms']['p50'], 2):>9}{fmt(r['rtt_ms']['p99'], 2):>9}"
            f"{fmt(r['cpu_us_per_frame']):>11}{fmt(r['cpu_percent'], 0):>7}"
            f"{fmt(r['upstream_cpu_us_per_frame']):>10}{fmt(r['rss_idle_mib']):>10}"
            f"{fmt(r['kib_per_session']):>10}{fmt(r['gen_cpu_percent'], 0):>10}"
            f"{fmt(r['send_late_ms']['p99'], 2):>10}{fmt(r['other_cpus_busy'], 2):>8}",
            file=out,
        )
    print(
        "\nCPU µs/fr: the target's utime+stime per echoed frame in the window (direct: the echo "
        "upstream's); up µs/fr: the echo upstream's; late p99: how late the load generator sent "
        "against its deadlines (ms); gen CPU%: the load generator, % of one core; others: CPUs "
        "busy outside the benchmark's processes during the window (other load on the machine).",
        file=out,
    )
    if compared:
        print("\nrelay vs bare / direct", file=out)
        print(
            f"{'N':>6}{'chunk':>7}{'CPU relay/bare':>16}{'extra µs/fr':>13}{'of it kernel':>14}"
            f"{'added p99 relay':>17}{'added p99 bare':>16}",
            file=out,
        )
        for row in compared:
            print(
                f"{row['sessions']:>6}{row['chunk_ms']:>5}ms"
                f"{fmt(row.get('cpu_ratio_vs_bare'), 2) + 'x':>16}"
                f"{fmt(row.get('extra_us_per_frame')):>13}{fmt(row.get('extra_sys_us_per_frame')):>14}"
                f"{fmt(row.get('added_p99_ms'), 2) + ' ms':>17}"
                f"{fmt(row.get('bare_added_p99_ms'), 2) + ' ms':>16}",
                file=out,
            )
    for d in debounce:
        e, u = d["debounce_error_ms"], d["upstream_view_late_ms"]
        print(
            f"\ndebounce timing, {d['sessions']} sessions streaming {d['chunk_ms']} ms chunks, "
            f"D={d['debounce_delay']:g} s T={d['throttle']:g} s, recording on: "
            f"{e['count']} turns in {d['recordings_with_turns']}/{d['recordings']} recordings\n"
            f"  relay timer error (recordings): p50 {fmt(e['p50'])} ms, p99 {fmt(e['p99'])} ms, "
            f"max {fmt(e['max'])} ms, min {fmt(d['debounce_error_min_ms'])} ms\n"
            f"  response.create at the upstream vs due (incl. both hops): p50 {fmt(u['p50'])} ms, "
            f"p99 {fmt(u['p99'])} ms, max {fmt(u['max'])} ms\n"
            f"  audio in that run: {d['sent']} sent, {d['lost']} lost, round trip p50 "
            f"{fmt(d['rtt_ms']['p50'], 2)} / p99 {fmt(d['rtt_ms']['p99'], 2)} ms, relay "
            f"{fmt(d['cpu_us_per_frame'])} µs/frame ({fmt(d['cpu_percent'], 0)}% CPU)",
            file=out,
        )
    for r in results:
        if "profile" in r:
            print_profile(out, r)
    print("\ntargets", file=out)
    for v in verdicts:
        print(f"  {_verdict(v['ok']):<5} {v['target']}: {v['measured']}", file=out)
    problems = [r for r in [*results, *debounce] if r["error_events"] or r["closed_sessions"]]
    for r in problems:
        print(
            f"\nwarning: {r['target']} N={r['sessions']} {r['chunk_ms']} ms: "
            f"{r['error_events']} error events, {r['closed_sessions']} sessions closed: "
            f"{r['error_samples'][:1]}",
            file=out,
        )


def print_profile(out: TextIO, r: dict[str, Any], top: int = 14) -> None:
    p = r["profile"]
    print(
        f"\nprofile: {r['target']}, {r['sessions']} sessions, {r['chunk_ms']} ms "
        f"({p['samples']} busy samples; {fmt(r['cpu_us_per_frame'])} µs/frame under py-spy)",
        file=out,
    )
    for kind in ("self", "inclusive"):
        print(f"  {kind:<9} {'µs/frame':>9} {'share':>7}  function", file=out)
        for row in p[kind][:top]:
            print(
                f"  {'':<9} {fmt(row['us_per_frame']):>9} {row['share'] * 100:>6.1f}%  "
                f"{row['function']}",
                file=out,
            )

"""The results table of the engine benchmark."""

from __future__ import annotations

import sys
from typing import Any


def fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def print_report(results: dict[str, Any], out: Any = sys.stdout) -> None:
    machine = results["machine"]
    print(
        f"\nengine benchmark: {machine['cpus']} CPUs, engine process pinned to CPUs "
        f"{machine['engine_cpus']}, Python {machine['python']}",
        file=out,
    )
    rec = results.get("recognition")
    if rec:
        per = rec["rtf_per_utterance"]
        print(
            f"\n1. recognition: {rec['utterances']} utterances ({', '.join(rec['voices'])}), "
            f"{rec['audio_s']} s of audio, through Recognizer.transcribe\n"
            f"   real-time factor {rec['rtf']:.3f}  (target <= {rec['target']}: "
            f"{'PASS' if rec['pass'] else 'MISS'})\n"
            f"   per utterance p50 {per['p50']:.3f}, p95 {per['p95']:.3f}, max {per['max']:.3f}; "
            "per voice "
            + ", ".join(f"{v} {r:.3f}" for v, r in rec["rtf_per_voice"].items())
            + f"; key words recognised {rec['key_word_hits']:.0%}\n"
            f"   (other processes used {rec['other_cores']:.2f} cores meanwhile)",
            file=out,
        )
    lat = results.get("first_audio")
    if lat:
        print(
            f"\n2. response.create -> first output, ms: {lat['runs']} runs, one session each, "
            "on the engine's WebSocket",
            file=out,
        )
        print(f"   {'':<44} {'p50':>7} {'p95':>7} {'max':>7}", file=out)
        labels = {
            "tool": "search call: function_call_arguments.done",
            "answer": "answer after function_call_output: audio",
            "no-tools": "answer without tools: audio",
        }
        for key, label in labels.items():
            row = lat[key]
            print(
                f"   {label:<44} {fmt(row['p50'], digits=1):>7} {fmt(row['p95'], digits=1):>7} "
                f"{fmt(row['max'], digits=1):>7}",
                file=out,
            )
        verdict = "PASS" if lat["pass"] else "MISS"
        print(
            f"   first audio p95 target <= {lat['target_ms']:g} ms: {verdict}  (other "
            f"processes used {lat['other_cores']:.2f} cores meanwhile)",
            file=out,
        )
    ses = results.get("sessions")
    if ses:
        crit = ses["criteria"]
        print(
            f"\n3. concurrent sessions via {ses['via']}: {crit['rounds']} question(s) each at "
            f"real-time pace, starts spread over {crit['stagger_s']:g} s. N holds when all are "
            f"answered, recognition <= {crit['max_recognition_s']:g} s and playback stalls "
            f"<= {crit['max_stall_ms']:g} ms",
            file=out,
        )
        print(
            f"   {'N':>3} {'holds':>5} {'answers':>7} {'recog p50':>9} {'recog max':>9} "
            f"{'stall max':>9} {'audio p95':>9} {'turn p95':>8} {'engine avg/peak':>15} "
            f"{'bench':>5} {'others':>6}",
            file=out,
        )
        for r in ses["levels"]:
            recog = r["recognition_s"]
            cores = f"{r['engine_cores']:.2f}/{r['engine_cores_peak']:.2f}"
            print(
                f"   {r['sessions']:>3} {'yes' if r['holds'] else 'NO':>5} "
                f"{r['answered']:>3}/{r['expected']:<3} "
                f"{fmt(recog['p50'], 's'):>9} {fmt(recog['max'], 's'):>9} "
                f"{fmt(r['stall_ms']['max'], 'ms', 0):>9} "
                f"{fmt(r['first_audio_ms']['p95'], 'ms', 0):>9} "
                f"{fmt(r['speech_stopped_to_audio_s']['p95'], 's'):>8} {cores:>15} "
                f"{r['bench_cores']:>5.2f} {r['other_cores']:>6.2f}",
                file=out,
            )
        first_failing = ses["first_failing"]
        print(
            f"   largest N that holds: {ses['largest_holding']}"
            + (f" (first failing: {first_failing})" if first_failing else ""),
            file=out,
        )
        print(
            "   audio = response.create -> first audio delta of the answer (engine mode); "
            "turn = speech_stopped -> first audio;\n   engine/bench = CPU cores used by the "
            "engine process (average over the level / busiest second), by the clients\n   "
            "and by other processes on the machine",
            file=out,
        )

#!/usr/bin/env python3
"""Talk to Botify Realtime from the command line: send one spoken question, hear the answer.

    python scripts/realtime_client.py --say "what are your opening hours"
    python scripts/realtime_client.py --wav question.wav --out reply.wav
    python scripts/realtime_client.py --say "can i pay with paypal" --json | jq .type

Streams a WAV file (any rate, sample width and channels; converted to pcm16 24 kHz mono) or a
sentence synthesised offline to ``/realtime`` at real-time pace, as a microphone would, and
prints what happens as it happens: turn states, what the service heard, tool calls and their
results, the assistant's words and errors. The reply's audio is saved as a 24 kHz mono WAV.
See ``--help`` for the options and the exit statuses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

try:
    from scripts.client import audio as client_audio
except ModuleNotFoundError:  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.client import audio as client_audio

from scripts.client.audio import AudioInput, AudioSourceError, save_wav
from scripts.client.render import Printer
from scripts.client.session import EXIT_CODE_HELP, ClientOptions, ExitCode, RunResult, run_turn

PROG = "realtime_client"
DEFAULT_URL = "ws://127.0.0.1:8080/realtime"


def _url(value: str) -> str:
    """ws:// or wss:// URL (http:// and https:// are turned into them)."""
    parts = urlsplit(value)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a WebSocket URL; expected e.g. {DEFAULT_URL}"
        )
    return urlunsplit((scheme, *parts[1:]))


def _number(kind: type[int] | type[float], low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` within ``low..high``."""

    def parse(value: str) -> float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is not within {low:g}..{high:g}")
        return number

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Send one spoken question to Botify Realtime's /realtime WebSocket at "
        "real-time pace; print turn states, transcripts, tool calls and the answer as they "
        "happen, and save the spoken reply as a WAV (pcm16 24 kHz mono).",
        epilog=EXIT_CODE_HELP
        + "\n\nNeeds: aiohttp. --say needs the speech libraries (pip install -e '.[local]'); "
        "--wav needs numpy only to convert a WAV that is not 16-bit 24 kHz mono.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--wav", type=Path, metavar="FILE", help="a PCM WAV file to send")
    source.add_argument(
        "--say", metavar="TEXT", help="a sentence to synthesise offline (espeak-ng) and send"
    )
    parser.add_argument(
        "--url", type=_url, default=DEFAULT_URL, help=f"the service's WebSocket [{DEFAULT_URL}]"
    )
    parser.add_argument(
        "--voice", default="alloy", help="voice that speaks the --say sentence [alloy]"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reply.wav"),
        metavar="FILE",
        help="where to save the reply's audio, 24 kHz mono WAV [reply.wav]",
    )
    parser.add_argument(
        "--chunk-ms",
        type=_number(int, 10, 1000),
        default=100,
        metavar="MS",
        help="milliseconds of audio per input_audio_buffer.append [100]",
    )
    parser.add_argument(
        "--timeout",
        type=_number(float, 0.1, 3600),
        default=30.0,
        metavar="S",
        help="seconds allowed to connect, and to get the answer once all audio is sent [30]",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print every event received as one JSON line (audio deltas as 'delta_bytes')",
    )
    parser.add_argument(
        "--lead-ms",
        type=_number(int, 0, 60_000),
        default=300,
        metavar="MS",
        help="silence sent before the audio [300]",
    )
    parser.add_argument(
        "--tail-ms",
        type=_number(int, 0, 60_000),
        default=1500,
        metavar="MS",
        help="silence sent after the audio, so server VAD ends the turn [1500]",
    )
    parser.add_argument(
        "--speed",
        type=_number(float, 0.1, 100),
        default=1.0,
        metavar="X",
        help="for testing only: stream X times faster than real time [1]",
    )
    return parser.parse_args(argv)


def _audio(args: argparse.Namespace) -> AudioInput:
    if args.say is not None:
        return client_audio.synthesise(args.say, args.voice, args.lead_ms, args.tail_ms)
    return client_audio.load_wav(args.wav, args.lead_ms, args.tail_ms)


def _report(result: RunResult, args: argparse.Namespace) -> None:
    """Save the reply's audio and say how the run ended (failures on stderr)."""
    status = sys.stderr if args.json else sys.stdout
    if result.code is ExitCode.OK and result.reply_latency is not None:
        print(
            f"first audio of the answer {result.reply_latency:.2f} s after speech_stopped",
            file=status,
        )
    if result.audio:
        try:
            save_wav(args.out, bytes(result.audio))
        except OSError as problem:
            print(f"{PROG}: cannot save the reply to {args.out}: {problem}", file=sys.stderr)
        else:
            print(
                f"saved {result.audio_seconds:.1f} s of reply audio (24 kHz mono) to {args.out}",
                file=status,
            )
    elif result.code is ExitCode.OK:
        print("the answer had no audio: nothing saved", file=status)
    if result.code is not ExitCode.OK:
        print(f"{PROG}: {result.message} (exit {int(result.code)})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        source = _audio(args)
    except AudioSourceError as problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return int(ExitCode.USAGE)
    printer = Printer(sys.stdout, as_json=args.json)
    options = ClientOptions(args.url, args.chunk_ms, args.timeout, args.speed)
    pace = "real-time pace" if args.speed == 1 else f"{args.speed:g}x real time (testing)"
    status = sys.stderr if args.json else sys.stdout  # stdout holds only events with --json
    print(
        f"sending {source.description}, {source.seconds:.1f} s with silence, at {pace}", file=status
    )
    print(f"connecting to {args.url}", file=status)
    try:
        result = asyncio.run(run_turn(options, source.pcm, printer))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    _report(result, args)
    return int(result.code)


if __name__ == "__main__":
    sys.exit(main())

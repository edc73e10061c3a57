"""What the parts of the engine benchmark share: progress log, percentile summaries and the
synthesised questions."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scripts.bench.stats import percentile

ToolRunner = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], fraction: float) -> float | None:
    found = percentile(values, fraction)
    return None if found is None else round(found, 3)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "max": round(max(values), 3) if values else None,
    }


@dataclass(frozen=True)
class Question:
    text: str
    voice: str
    pcm: bytes  # speech only, pcm16 24 kHz mono
    key_words: tuple[str, ...] = ()


def synthesise_questions(voices: Sequence[str], limit: int | None = None) -> list[Question]:
    """The in-domain questions of scripts/bench_speech.py (the first ``limit``), each
    spoken in every voice."""
    from engine.synthesizer import Synthesizer
    from scripts.bench_speech import QUESTIONS

    return [
        Question(text, voice, Synthesizer(voice).synthesize(text), keys)
        for voice in voices
        for text, keys in QUESTIONS[:limit]
    ]

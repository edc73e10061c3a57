"""Part 1: the recognition real-time factor of engine.recognizer.Recognizer, in this process."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scripts.engine_bench.common import Question, summary

RTF_TARGET = 0.2


def bench_recognition(questions: Sequence[Question], cache: Path) -> dict[str, Any]:
    from app.local_engine import knowledge_corpus
    from engine.recognizer import Recognizer

    started = time.perf_counter()
    recognizer = Recognizer.from_corpus(knowledge_corpus(None), cache_dir=cache / "engine")
    load_s = time.perf_counter() - started
    recognizer.transcribe(questions[0].pcm)  # warm-up
    rtfs: list[float] = []
    audio_s = wall_s = 0.0
    keys = hits = 0
    per_voice: dict[str, list[float]] = {}
    for question in questions:
        started = time.perf_counter()
        transcript = recognizer.transcribe(question.pcm)
        elapsed = time.perf_counter() - started
        rtfs.append(elapsed / transcript.seconds)
        per_voice.setdefault(question.voice, []).append(elapsed / transcript.seconds)
        audio_s += transcript.seconds
        wall_s += elapsed
        keys += len(question.key_words)
        hits += sum(word in transcript.words for word in question.key_words)
    return {
        "utterances": len(questions),
        "voices": sorted(per_voice),
        "audio_s": round(audio_s, 2),
        "recognizer_load_s": round(load_s, 2),
        "rtf": round(wall_s / audio_s, 3),
        "rtf_per_utterance": summary(rtfs),
        "rtf_per_voice": {voice: round(sum(v) / len(v), 3) for voice, v in per_voice.items()},
        "key_word_hits": round(hits / keys, 3) if keys else None,
        "target": RTF_TARGET,
        "pass": wall_s / audio_s <= RTF_TARGET,
    }

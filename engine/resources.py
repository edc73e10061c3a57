"""What the engine needs once per process: the recognizer, the synthesizers, the knowledge."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.answers import DIDNT_HEAR, Passage, compose_answer
from engine.recognizer import Recognizer
from engine.synthesizer import Synthesizer

log = logging.getLogger(__name__)

# Answers without the search tool come from this (the app passes its search backend).
KnowledgeSearch = Callable[[str], Awaitable[list[Passage]]]


@dataclass
class EngineResources:
    """Shared by every engine connection; immutable after `build` except the voice cache."""

    recognizer: Recognizer
    knowledge: KnowledgeSearch | None = None
    model: str = "botify-local"
    rate_wpm: int = 175
    realtime_pacing: bool = True
    _synthesizers: dict[str, Synthesizer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls,
        corpus: Sequence[str],
        cache_dir: Path | None = None,
        knowledge: KnowledgeSearch | None = None,
    ) -> EngineResources:
        """Load the speech models (blocking: call it in a thread at start-up)."""
        started = time.perf_counter()
        recognizer = Recognizer.from_corpus(corpus, cache_dir=cache_dir)
        log.info(
            "engine: speech recognizer ready in %.2f s (%d documents)",
            time.perf_counter() - started,
            len(corpus),
        )
        return cls(recognizer=recognizer, knowledge=knowledge)

    def transcribe(self, audio: bytes) -> str:
        return self.recognizer.transcribe(audio).text

    def synthesizer(self, voice: str) -> Synthesizer:
        with self._lock:
            if voice not in self._synthesizers:
                self._synthesizers[voice] = Synthesizer(voice, rate_wpm=self.rate_wpm)
            return self._synthesizers[voice]

    async def answer_without_tools(self, question: str) -> str:
        if not question:
            return DIDNT_HEAR
        if self.knowledge is None:
            return f"You said: {question}."
        return compose_answer(question, await self.knowledge(question))

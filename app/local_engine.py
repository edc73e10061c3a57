"""The embedded offline engine, for when no Azure endpoint is configured.

It is mounted at /local/v1/realtime and reached by the relay over a real socket, through the
same connector as Azure. Its speech libraries come with the `local` extra; without them the
service still starts and says how to get them.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from search import SearchBackend
from search.knowledge_base import SAMPLE_DOCS_DIR

if TYPE_CHECKING:
    from engine.answers import Passage
    from engine.server import EngineServer

log = logging.getLogger(__name__)

ENGINE_PATH = "/local/v1/realtime"
INSTALL_HINT = (
    "the embedded offline engine needs its speech libraries: pip install -e '.[local]' "
    "(pocketsphinx, espeakng-loader, webrtcvad-wheels, numpy)"
)


class EngineUnavailable(RuntimeError):
    pass


def knowledge_corpus(docs_dir: Path | None) -> list[str]:
    """The documents' text, for the recognizer's language model."""
    root = docs_dir or SAMPLE_DOCS_DIR
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".md", ".markdown", ".txt"))
    return [path.read_text(encoding="utf-8", errors="replace") for path in paths]


async def start_engine(
    docs_dir: Path | None, cache_dir: str, backend: SearchBackend, *, realtime_pacing: bool = True
) -> EngineServer:
    """Load the engine (speech models take a moment: done in a thread)."""
    try:
        from engine.answers import Passage
        from engine.resources import EngineResources
        from engine.server import EngineServer
    except ImportError as problem:
        raise EngineUnavailable(f"{INSTALL_HINT}; missing module {problem.name!r}") from None

    async def knowledge(question: str) -> list[Passage]:
        hits = await backend.search(question, 3)
        return [Passage(hit.title, hit.chunk) for hit in hits]

    corpus = await asyncio.to_thread(knowledge_corpus, docs_dir)
    resources = await asyncio.to_thread(
        EngineResources.build, corpus, Path(cache_dir) / "engine", knowledge
    )
    resources.realtime_pacing = realtime_pacing
    return EngineServer(resources)

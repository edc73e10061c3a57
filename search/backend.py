"""The backend protocol the relay codes against, and the embedded SQLite FTS5 backend."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Protocol, runtime_checkable

from search.builder import build_index
from search.index import DEFAULT_MIN_SCORE, SearchIndex
from search.knowledge_base import SAMPLE_DOCS_DIR, open_index
from search.models import BuildStats, SearchHit

__all__ = ["SearchBackend", "SqliteSearchBackend"]


@runtime_checkable
class SearchBackend(Protocol):
    """What the relay needs from a search service.

    ``search`` never blocks the event loop and returns at most ``k`` hits, best first
    (``[]`` when nothing relevant is found); a failing service raises
    ``search.SearchBackendError`` (or another ``search.SearchError``).
    ``describe`` is for ``/realtime-info``: JSON-ready, never a secret.
    """

    @property
    def name(self) -> str: ...

    async def search(self, query: str, k: int = 3) -> list[SearchHit]: ...

    def describe(self) -> dict[str, object]: ...

    async def aclose(self) -> None: ...


class SqliteSearchBackend:
    """The embedded index (``SearchIndex``), queried in a worker thread.

    Build it with ``SqliteSearchBackend.open(docs_dir, ...)`` (blocking: at start-up, or in
    ``asyncio.to_thread``), which builds or incrementally updates the index first.
    """

    def __init__(
        self,
        index: SearchIndex,
        *,
        docs_dir: str | Path | None = None,
        build_stats: BuildStats | None = None,
    ) -> None:
        self.index = index
        self.docs_dir = Path(docs_dir).resolve() if docs_dir else None
        self.build_stats = build_stats
        self._files, self._chunks = index.counts()

    @classmethod
    def open(
        cls,
        docs_dir: str | Path | None = None,
        *,
        db_path: str | Path | None = None,
        cache_dir: str | Path | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
    ) -> SqliteSearchBackend:
        """Index ``docs_dir`` (default: the sample knowledge base) and open it; see
        ``search.open_index`` for ``db_path`` and ``cache_dir``."""
        root = Path(docs_dir or SAMPLE_DOCS_DIR).expanduser().resolve()
        index, stats = open_index(root, db_path=db_path, cache_dir=cache_dir, min_score=min_score)
        return cls(index, docs_dir=root, build_stats=stats)

    @property
    def name(self) -> str:
        return "sqlite"

    async def search(self, query: str, k: int = 3) -> list[SearchHit]:
        return await asyncio.to_thread(self.index.search, query, k)

    async def refresh(self) -> BuildStats:
        """Re-index the files of ``docs_dir`` that changed since the last build."""
        if self.docs_dir is None:
            raise ValueError("this backend was opened on an index without its folder")
        stats = await asyncio.to_thread(build_index, self.docs_dir, self.index.path)
        self.build_stats = stats
        self._files, self._chunks = await asyncio.to_thread(self.index.counts)
        return stats

    def describe(self) -> dict[str, object]:
        return {
            "backend": self.name,
            "engine": f"SQLite {sqlite3.sqlite_version} FTS5, BM25 ranking",
            "docs_dir": str(self.docs_dir) if self.docs_dir else None,
            "sample_knowledge_base": self.docs_dir == SAMPLE_DOCS_DIR,
            "index_path": str(self.index.path),
            "files": self._files,
            "chunks": self._chunks,
        }

    async def aclose(self) -> None:
        self.index.close()

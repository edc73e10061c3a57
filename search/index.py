"""Query an index built by ``search.builder``: ``SearchIndex(path).search(query, k)``.

Threads: a ``SearchIndex`` may be shared by any number of threads (``asyncio.to_thread``
workers, typically). It keeps a small pool of read-only connections (``IndexReader``): a query
borrows one, runs without holding any lock, and gives it back, so concurrent queries run in
parallel (sqlite3 releases the GIL while SQLite works) and a connection is never used by two
threads at once. The pool grows to the number of simultaneous queries (bounded by the
executor's threads) and keeps at most ``max_idle`` idle connections. Connections are opened
with ``check_same_thread=False`` only so that whichever thread returns or closes one may do so.
WAL journal: queries keep running while ``build_index`` updates the same file, and see either
the old or the new index.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from types import TracebackType

from search.builder import SCHEMA_VERSION, check_fts5
from search.errors import IndexNotFoundError, SearchError
from search.models import SearchHit
from search.planner import DEFAULT_MAX_CANDIDATES, IndexReader, TermCache
from search.query import query_terms

__all__ = ["DEFAULT_MIN_SCORE", "MAX_K", "SearchIndex"]

DEFAULT_MIN_SCORE = 0.5
"""Hits scoring below this (BM25; a match on one very common word scores near 0) are dropped."""
MAX_K = 20


class SearchIndex:
    """Read-only access to one index database.

    ``search`` returns at most ``k`` (clamped to 1..``MAX_K``) hits, best first, with
    ``score`` = -BM25 (higher is better); hits under ``min_score`` are left out, and a query
    with no meaningful word returns ``[]`` without touching the database.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        max_candidates: int = DEFAULT_MAX_CANDIDATES,
        max_idle: int = 8,
    ) -> None:
        self.path = Path(path).expanduser()
        self.min_score = min_score
        self.max_candidates = max_candidates
        self._max_idle = max_idle
        self._cache = TermCache()
        self._idle: list[IndexReader] = []
        self._lock = threading.Lock()
        self._closed = False
        if not self.path.is_file():
            raise IndexNotFoundError(f"no search index at {self.path}; build it first")
        check_fts5()
        try:
            reader = self._connect()
        except sqlite3.DatabaseError as exc:
            raise IndexNotFoundError(f"{self.path} is not a search index ({exc})") from exc
        try:
            row = reader.conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            reader.close()
            raise IndexNotFoundError(f"{self.path} is not a search index ({exc})") from exc
        if row is None or row[0] != SCHEMA_VERSION:
            reader.close()
            problem = "is not a search index" if row is None else "was built by another version"
            raise IndexNotFoundError(f"{self.path} {problem}; build it with build_index")
        self._release(reader)

    def _connect(self) -> IndexReader:
        return IndexReader(self.path, self._cache, self.max_candidates)

    def _acquire(self) -> IndexReader:
        with self._lock:
            if self._closed:
                raise SearchError(f"search index {self.path} is closed")
            if self._idle:
                return self._idle.pop()
        try:
            return self._connect()
        except sqlite3.Error as exc:
            raise SearchError(f"search index {self.path} cannot be opened: {exc}") from exc

    def _release(self, reader: IndexReader) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(reader)
                return
        reader.close()

    def search(self, query: str, k: int = 3) -> list[SearchHit]:
        """The best chunks for free text ``query`` (any text: it is sanitised first)."""
        terms = query_terms(query)
        if not terms:
            return []
        limit = max(1, min(int(k), MAX_K))
        reader = self._acquire()
        try:
            rows = reader.search(terms, limit)
        except sqlite3.Error as exc:
            reader.close()
            raise SearchError(f"search index {self.path} failed: {exc}") from exc
        self._release(reader)
        hits = []
        for chunk_id, title, chunk, location, rank in rows:
            score = round(max(0.0, -rank), 4)
            if score >= self.min_score:
                hits.append(SearchHit(chunk_id, title, chunk, location, score))
        return hits

    def counts(self) -> tuple[int, int]:
        """``(files, chunks)`` in the index."""
        reader = self._acquire()
        try:
            files = reader.conn.execute("SELECT count(*) FROM files").fetchone()[0]
            chunks = reader.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        finally:
            self._release(reader)
        return int(files), int(chunks)

    def close(self) -> None:
        """Close the idle connections; a query still running closes its own when done."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for reader in idle:
            reader.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

"""Where the knowledge base and its index live by default, and opening them in one call.

The sample knowledge base (a store's FAQ, hours, stores, returns, delivery, payment, products)
ships inside the package, in ``search/docs/``. A deployment passes its own folder instead (the
app: ``SEARCH_DOCS_DIR``). The index is a cache: by default
``~/.cache/botify-realtime/search-<hash of the folder's absolute path>.sqlite3``, created on
first use and updated incrementally on every later open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from search.builder import FileEvent, build_index
from search.index import DEFAULT_MIN_SCORE, SearchIndex
from search.models import BuildStats

__all__ = ["SAMPLE_DOCS_DIR", "default_cache_dir", "default_index_path", "open_index"]

SAMPLE_DOCS_DIR = Path(__file__).resolve().parent / "docs"


def default_cache_dir() -> Path:
    """``~/.cache/botify-realtime``."""
    return Path.home() / ".cache" / "botify-realtime"


def default_index_path(
    docs_dir: str | Path | None = None, cache_dir: str | Path | None = None
) -> Path:
    """The cache file for ``docs_dir`` (default: the sample) under ``cache_dir``."""
    root = Path(docs_dir or SAMPLE_DOCS_DIR).expanduser().resolve()
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    return folder / f"search-{digest}.sqlite3"


def open_index(
    docs_dir: str | Path | None = None,
    *,
    db_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[FileEvent], None] | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> tuple[SearchIndex, BuildStats]:
    """Build or update the index of ``docs_dir`` (default: the sample knowledge base) at
    ``db_path`` (default: ``default_index_path(docs_dir, cache_dir)``) and open it.

    Blocking (file I/O): from asyncio, call it through ``asyncio.to_thread``.
    """
    root = Path(docs_dir or SAMPLE_DOCS_DIR).expanduser().resolve()
    path = Path(db_path).expanduser() if db_path else default_index_path(root, cache_dir)
    stats = build_index(root, path, progress=progress)
    return SearchIndex(path, min_score=min_score), stats

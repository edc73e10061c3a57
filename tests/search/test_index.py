"""SearchIndex: the query API, its limits, its thread safety; the SQLite backend."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from search import (
    SAMPLE_DOCS_DIR,
    IndexNotFoundError,
    SearchBackend,
    SearchError,
    SearchIndex,
    SqliteSearchBackend,
    build_index,
    default_index_path,
    open_index,
)
from search.index import MAX_K


def test_k_is_clamped_and_a_query_without_words_touches_nothing(
    sample_index: SearchIndex,
) -> None:
    assert len(sample_index.search("store opening hours returns delivery", k=0)) == 1
    assert len(sample_index.search("store opening hours returns delivery", k=500)) == MAX_K
    assert sample_index.search("", k=3) == []
    assert sample_index.search("?!", k=3) == []


def test_min_score_drops_weak_hits(docs_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    with SearchIndex(db, min_score=0.0) as loose:
        weak = loose.search("open")  # in two of five chunks
        assert weak
        assert loose.search("days") == []  # in three of five: no BM25 weight, not searched
    with SearchIndex(db, min_score=weak[0].score + 0.001) as strict:
        assert strict.search("open") == []


def test_a_missing_or_foreign_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="no search index at"):
        SearchIndex(tmp_path / "missing.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not sqlite" * 1000)
    with pytest.raises(IndexNotFoundError, match="is not a search index"):
        SearchIndex(junk)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    with pytest.raises(IndexNotFoundError, match="is not a search index"):
        SearchIndex(other)
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(x)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    with pytest.raises(IndexNotFoundError, match="built by another version"):
        SearchIndex(other)


def test_a_closed_index_refuses_queries(docs_dir: Path, tmp_path: Path) -> None:
    index, _ = open_index(docs_dir, db_path=tmp_path / "i.sqlite3")
    index.close()
    with pytest.raises(SearchError, match="closed"):
        index.search("opening hours")


def test_many_threads_share_one_index(sample_index: SearchIndex) -> None:
    questions = ["opening hours", "return shoes", "delivery cost", "gift cards", "apple pay"] * 40
    expected = {q: sample_index.search(q) for q in set(questions)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(sample_index.search, questions))
    assert all(result == expected[q] for q, result in zip(questions, results, strict=True))


def test_default_index_path_is_a_cache_file_per_folder(tmp_path: Path) -> None:
    a = default_index_path(SAMPLE_DOCS_DIR, tmp_path)
    assert a.parent == tmp_path and a.name.startswith("search-") and a.suffix == ".sqlite3"
    assert default_index_path(None, tmp_path) == a
    assert default_index_path(tmp_path / "other", tmp_path) != a
    assert default_index_path().parent == Path.home() / ".cache" / "botify-realtime"


async def test_the_sqlite_backend_searches_off_the_event_loop(tmp_path: Path) -> None:
    backend = await asyncio.to_thread(SqliteSearchBackend.open, cache_dir=tmp_path)
    try:
        assert isinstance(backend, SearchBackend)
        assert backend.name == "sqlite"
        results = await asyncio.gather(
            *(backend.search(q, 2) for q in ["opening hours", "return shoes"] * 10)
        )
        assert results[0][0].id.startswith("opening-hours.md#")
        assert results[1][0].id.startswith("returns-policy.md#")
        info = backend.describe()
        assert info["backend"] == "sqlite"
        assert info["sample_knowledge_base"] is True
        assert info["index_path"] == str(default_index_path(SAMPLE_DOCS_DIR, tmp_path))
        assert isinstance(info["chunks"], int) and info["chunks"] > 100
        assert 25 <= int(str(info["files"])) <= 40
    finally:
        await backend.aclose()


async def test_the_sqlite_backend_refreshes_changed_files(docs_dir: Path, tmp_path: Path) -> None:
    backend = SqliteSearchBackend.open(docs_dir, db_path=tmp_path / "i.sqlite3")
    try:
        assert backend.describe()["docs_dir"] == str(docs_dir.resolve())
        assert backend.build_stats is not None and backend.build_stats.files_added == 3
        assert await backend.search("vouchers") == []
        (docs_dir / "gift.md").write_text("# Vouchers\n\nGift vouchers never expire.\n")
        stats = await backend.refresh()
        assert stats.files_added == 1
        assert (await backend.search("vouchers"))[0].id == "gift.md#1"
        assert backend.describe()["files"] == 4
    finally:
        await backend.aclose()

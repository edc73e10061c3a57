"""Building the index and updating it incrementally."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import search.builder
from search import FileEvent, FTS5UnavailableError, SearchError, SearchIndex, build_index
from tests.search.search_helpers import bump_mtime


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the builder reads."""
    seen: list[str] = []
    real = search.builder._read_file

    def spy(path: Path) -> bytes:
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(search.builder, "_read_file", spy)
    return seen


def test_a_first_build_indexes_every_document(docs_dir: Path, tmp_path: Path) -> None:
    events: list[FileEvent] = []
    stats = build_index(docs_dir, tmp_path / "i.sqlite3", progress=events.append)
    assert stats.full_rebuild
    assert (stats.files_scanned, stats.files_added, stats.files_read) == (3, 3, 3)
    assert stats.chunks_total == stats.chunks_added == 5
    assert stats.seconds > 0
    assert [(e.path, e.status) for e in events] == [
        ("hours.md", "added"),
        ("returns.md", "added"),
        ("notes/delivery.txt", "added"),
    ]
    with SearchIndex(tmp_path / "i.sqlite3") as index:
        assert index.counts() == (3, 5)
        hit = index.search("express delivery")[0]
    assert (hit.id, hit.title) == ("notes/delivery.txt#1", "Delivery")
    assert hit.location == "notes/delivery.txt > Delivery"


def test_an_unchanged_folder_is_not_read_again(
    docs_dir: Path, tmp_path: Path, reads: list[str]
) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    reads.clear()
    stats = build_index(docs_dir, db)
    assert reads == []
    assert (stats.files_unchanged, stats.files_read, stats.chunks_added) == (3, 0, 0)
    assert not stats.full_rebuild
    assert stats.chunks_total == 5


def test_added_changed_and_deleted_files(docs_dir: Path, tmp_path: Path, reads: list[str]) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    with SearchIndex(db) as index:  # a reader open across the updates
        assert index.search("refunds")[0].id.startswith("returns.md")
        reads.clear()
        (docs_dir / "gift-cards.md").write_text("# Gift cards\n\nGift cards never expire.\n")
        (docs_dir / "hours.md").write_text("# Opening hours\n\nWe open at seven a.m. daily.\n")
        bump_mtime(docs_dir / "hours.md")
        (docs_dir / "returns.md").unlink()
        events: list[FileEvent] = []
        stats = build_index(docs_dir, db, progress=events.append)

        assert sorted(reads) == ["gift-cards.md", "hours.md"]
        assert (stats.files_added, stats.files_changed, stats.files_removed) == (1, 1, 1)
        assert stats.files_unchanged == 1  # notes/delivery.txt
        assert (stats.chunks_added, stats.chunks_removed, stats.chunks_total) == (2, 4, 3)
        assert {(e.path, e.status) for e in events} == {
            ("gift-cards.md", "added"),
            ("hours.md", "changed"),
            ("notes/delivery.txt", "unchanged"),
            ("returns.md", "removed"),
        }
        assert index.search("refunds") == []
        assert index.search("gift cards expire")[0].id == "gift-cards.md#1"
        assert "seven" in index.search("opening hours")[0].chunk
        assert index.counts() == (3, 3)


def test_a_touched_file_with_the_same_content_is_hashed_but_not_reindexed(
    docs_dir: Path, tmp_path: Path, reads: list[str]
) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    bump_mtime(docs_dir / "hours.md")
    reads.clear()
    events: list[FileEvent] = []
    stats = build_index(docs_dir, db, progress=events.append)
    assert reads == ["hours.md"]
    assert (stats.files_read, stats.files_changed, stats.chunks_added) == (1, 0, 0)
    assert FileEvent("hours.md", "touched") in events
    reads.clear()
    build_index(docs_dir, db)
    assert reads == []  # the new mtime was recorded


def test_an_unreadable_file_is_skipped_and_reported(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path) -> bytes:
        if path.name == "hours.md":
            raise PermissionError(13, "Permission denied")
        return path.read_bytes()

    monkeypatch.setattr(search.builder, "_read_file", refuse)
    events: list[FileEvent] = []
    stats = build_index(docs_dir, tmp_path / "i.sqlite3", progress=events.append)
    assert stats.skipped == ["hours.md"]
    assert FileEvent("hours.md", "skipped", error="Permission denied") in events
    assert stats.files_added == 2


def test_another_folder_rebuilds_the_index_from_scratch(docs_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    other = tmp_path / "other"
    other.mkdir()
    (other / "hours.md").write_text("# Other\n\nSomething else entirely.\n")
    stats = build_index(other, db)
    assert stats.full_rebuild
    assert (stats.files_added, stats.chunks_total) == (1, 1)


def test_a_missing_folder_or_a_foreign_database_is_a_clear_error(
    docs_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(SearchError, match="knowledge-base folder not found"):
        build_index(tmp_path / "nope", tmp_path / "i.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(SearchError, match="not a search index database"):
        build_index(docs_dir, junk)


def test_without_fts5_the_error_says_so(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    class NoFts5:
        def __init__(self) -> None:
            self.conn = real_connect(":memory:")

        def __enter__(self) -> NoFts5:
            return self

        def __exit__(self, *exc: object) -> None:
            self.conn.close()

        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("no such module: fts5")

    monkeypatch.setattr(search.builder.sqlite3, "connect", lambda *a, **k: NoFts5())
    with pytest.raises(FTS5UnavailableError, match="no FTS5 full-text search"):
        build_index(docs_dir, tmp_path / "i.sqlite3")
    assert not (tmp_path / "i.sqlite3").exists()


def test_a_failed_build_leaves_the_previous_index_intact(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    (docs_dir / "returns.md").unlink()
    (docs_dir / "new.md").write_text("# New\n\nfresh words\n")

    def explode(relpath: str, text: str, options: object = None) -> object:
        raise RuntimeError("chunker bug")

    monkeypatch.setattr(search.builder, "split_document", explode)
    with pytest.raises(RuntimeError):
        build_index(docs_dir, db)
    with SearchIndex(db) as index:
        assert index.counts() == (3, 5)
        assert index.search("refunds")

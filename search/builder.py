"""Build and incrementally update the SQLite FTS5 index of a knowledge-base folder.

The database holds ``files`` (path, mtime, size, SHA-256 of the content), ``chunks`` (id,
title, heading path, location, text) and ``chunks_fts``, an external-content FTS5 table over
``chunks`` (title, heading, text; Porter stemming, diacritics folded) ranked by BM25 with the
title and headings weighted above the text. A rebuild looks at every file's mtime and size:
files whose pair did not change are not read; the others are read and hashed, and only those
whose content changed are re-chunked. Files gone from the folder lose their chunks. The whole
update is one transaction (WAL journal), so readers see the old index or the new one, never a
mix. A database from another folder, schema or chunking is rebuilt from scratch.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from search.chunking import ChunkingOptions, split_document
from search.errors import FTS5UnavailableError, SearchError
from search.models import BuildStats

__all__ = [
    "DOC_SUFFIXES",
    "SCHEMA_VERSION",
    "FileEvent",
    "build_index",
    "check_fts5",
    "iter_documents",
]

SCHEMA_VERSION = "1"
DOC_SUFFIXES = (".md", ".markdown", ".txt")
TOKENIZER = "porter unicode61 remove_diacritics 2"
RANK = "bm25(4.0, 2.0, 1.0)"  # title, heading path, text

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    sha256 TEXT NOT NULL, title TEXT NOT NULL, chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, file TEXT NOT NULL, title TEXT NOT NULL,
    heading TEXT NOT NULL, location TEXT NOT NULL, chunk TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks (file);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, heading, chunk, content='chunks', content_rowid='n', tokenize='{TOKENIZER}');
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, title, heading, chunk)
    VALUES (new.n, new.title, new.heading, new.chunk);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, title, heading, chunk)
    VALUES ('delete', old.n, old.title, old.heading, old.chunk);
END;
INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', '{RANK}');
"""
_DROP = """
DROP TRIGGER IF EXISTS chunks_ai;
DROP TRIGGER IF EXISTS chunks_ad;
DROP TABLE IF EXISTS chunks_fts;
DROP TABLE IF EXISTS chunks;
DROP TABLE IF EXISTS files;
DROP TABLE IF EXISTS meta;
"""

# State keys of ``meta``, read by the query planner: the chunk count and a change counter.
_NEXT_GENERATION = """
INSERT OR REPLACE INTO meta VALUES ('generation',
    (SELECT coalesce(max(CAST(value AS INTEGER)), 0) + 1 FROM meta WHERE key = 'generation'))
"""


@dataclass(frozen=True, slots=True)
class FileEvent:
    """Progress of a build, one per file: ``status`` is added, changed, unchanged (not read),
    touched (read, same content), removed or skipped (unreadable; ``error`` says why)."""

    path: str
    status: str
    chunks: int = 0
    error: str = ""


def check_fts5() -> None:
    """Raise ``FTS5UnavailableError`` unless this Python's sqlite3 has FTS5."""
    try:
        with sqlite3.connect(":memory:") as conn:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.OperationalError as exc:
        raise FTS5UnavailableError(
            f"SQLite {sqlite3.sqlite_version} in this Python has no FTS5 full-text search "
            f"({exc}); use a Python whose sqlite3 is built with FTS5 (python.org and most "
            "Linux builds are), or the Azure AI Search backend"
        ) from exc


def iter_documents(docs_dir: Path) -> Iterator[tuple[str, Path]]:
    """``(relpath, path)`` of the folder's Markdown and text files, sorted, hidden ones
    skipped; ``relpath`` uses ``/`` on every platform."""
    for root, dirs, files in os.walk(docs_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(DOC_SUFFIXES):
                continue
            path = Path(root) / name
            yield path.relative_to(docs_dir).as_posix(), path


def _read_file(path: Path) -> bytes:
    return path.read_bytes()


def _open_writer(db_path: Path) -> sqlite3.Connection:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30.0)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise SearchError(f"{db_path} is not a search index database ({exc})") from exc
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _prepare(conn: sqlite3.Connection, wanted: dict[str, str]) -> bool:
    """Create the schema; drop and recreate it when an identity key of ``meta`` (``wanted``:
    schema, folder, chunking, tokenizer, ranking) differs. True if the index starts empty."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
    ).fetchone()
    current = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if has_meta else {}
    reset = bool(current) and any(current.get(key) != value for key, value in wanted.items())
    if reset or not has_meta:
        for statement in _split_sql(_DROP if reset else "") + _split_sql(_SCHEMA):
            conn.execute(statement)
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(wanted.items()))
    return reset or not current


def _split_sql(script: str) -> list[str]:
    """Statements of ``script`` (``executescript`` would commit the open transaction)."""
    statements: list[str] = []
    buffer = ""
    for line in script.strip().splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return statements


def build_index(
    docs_dir: str | Path,
    db_path: str | Path,
    *,
    progress: Callable[[FileEvent], None] | None = None,
    options: ChunkingOptions | None = None,
) -> BuildStats:
    """Create or incrementally update the index at ``db_path`` from the files of ``docs_dir``.

    Raises ``FTS5UnavailableError`` without FTS5, ``SearchError`` when ``docs_dir`` is not a
    folder or ``db_path`` is not an index database. Safe against concurrent builders and
    readers of the same database (one writer at a time; readers are never blocked).
    """
    started = time.perf_counter()
    check_fts5()
    root = Path(docs_dir).expanduser().resolve()
    if not root.is_dir():
        raise SearchError(f"knowledge-base folder not found: {root}")
    opts = options or ChunkingOptions()
    wanted = {
        "schema_version": SCHEMA_VERSION,
        "docs_dir": str(root),
        "chunking": f"{opts.max_chars}/{opts.min_chars}",
        "tokenizer": TOKENIZER,
        "rank": RANK,
    }
    stats = BuildStats()
    report = progress or (lambda event: None)
    conn = _open_writer(Path(db_path).expanduser())
    try:
        conn.execute("BEGIN IMMEDIATE")
        stats.full_rebuild = _prepare(conn, wanted)
        if _update(conn, root, opts, stats, report):
            conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('optimize')")
            conn.execute(_NEXT_GENERATION)
        (stats.chunks_total,) = conn.execute("SELECT count(*) FROM chunks").fetchone()
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('chunks', ?)", (stats.chunks_total,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    stats.seconds = time.perf_counter() - started
    return stats


def _update(
    conn: sqlite3.Connection,
    root: Path,
    opts: ChunkingOptions,
    stats: BuildStats,
    report: Callable[[FileEvent], None],
) -> bool:
    """Apply the folder's changes to the open transaction; True if any chunk changed."""
    known = {
        path: (mtime_ns, size, sha)
        for path, mtime_ns, size, sha in conn.execute(
            "SELECT path, mtime_ns, size, sha256 FROM files"
        )
    }
    seen: set[str] = set()
    for relpath, path in iter_documents(root):
        seen.add(relpath)
        stats.files_scanned += 1
        try:
            st = path.stat()
            previous = known.get(relpath)
            if previous is not None and previous[:2] == (st.st_mtime_ns, st.st_size):
                stats.files_unchanged += 1
                report(FileEvent(relpath, "unchanged"))
                continue
            data = _read_file(path)
        except OSError as exc:
            stats.skipped.append(relpath)
            report(FileEvent(relpath, "skipped", error=exc.strerror or str(exc)))
            continue
        stats.files_read += 1
        sha = hashlib.sha256(data).hexdigest()
        if previous is not None and previous[2] == sha:
            conn.execute(
                "UPDATE files SET mtime_ns = ?, size = ? WHERE path = ?",
                (st.st_mtime_ns, st.st_size, relpath),
            )
            stats.files_unchanged += 1
            report(FileEvent(relpath, "touched"))
            continue
        if previous is not None:
            stats.chunks_removed += _delete_file(conn, relpath)
        title, chunks = split_document(relpath, data.decode("utf-8-sig", errors="replace"), opts)
        conn.executemany(
            "INSERT INTO chunks (id, file, title, heading, location, chunk) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(c.id, relpath, c.title, c.heading, c.location, c.text) for c in chunks],
        )
        conn.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
            (relpath, st.st_mtime_ns, st.st_size, sha, title, len(chunks)),
        )
        stats.chunks_added += len(chunks)
        status = "added" if previous is None else "changed"
        if previous is None:
            stats.files_added += 1
        else:
            stats.files_changed += 1
        report(FileEvent(relpath, status, chunks=len(chunks)))
    for relpath in sorted(set(known) - seen):
        stats.chunks_removed += _delete_file(conn, relpath)
        stats.files_removed += 1
        report(FileEvent(relpath, "removed"))
    return bool(stats.chunks_added or stats.chunks_removed)


def _delete_file(conn: sqlite3.Connection, relpath: str) -> int:
    removed = conn.execute("DELETE FROM chunks WHERE file = ?", (relpath,)).rowcount
    conn.execute("DELETE FROM files WHERE path = ?", (relpath,))
    return int(removed)

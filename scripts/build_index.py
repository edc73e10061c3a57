#!/usr/bin/env python3
"""Build or incrementally update the search index of a knowledge-base folder.

    python scripts/build_index.py DIR [--db PATH] [--cache-dir DIR] [--quiet]

Prints one line per file (added, changed, unchanged, touched, removed, skipped) and the
totals. Without --db the index goes where the service looks for it by default:
~/.cache/botify-realtime/search-<hash of DIR>.sqlite3 (or under --cache-dir).
Exit status: 0 built, 2 error (no such folder, no FTS5, not an index database).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

try:
    from search import FileEvent, SearchError, build_index, default_index_path
except ModuleNotFoundError:  # a plain checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from search import FileEvent, SearchError, build_index, default_index_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("docs", metavar="DIR", help="folder of Markdown (.md) and text files")
    parser.add_argument("--db", metavar="PATH", help="index file (default: the cache file)")
    parser.add_argument("--cache-dir", metavar="DIR", help="folder of the default index file")
    parser.add_argument("--quiet", action="store_true", help="print the totals only")
    args = parser.parse_args(argv)
    db = Path(args.db) if args.db else default_index_path(args.docs, args.cache_dir)

    def progress(event: FileEvent) -> None:
        if args.quiet:
            return
        detail = f"  ({event.chunks} chunks)" if event.status in ("added", "changed") else ""
        if event.error:
            detail = f"  ({event.error})"
        print(f"  {event.status:<9} {event.path}{detail}", flush=True)

    print(f"indexing {Path(args.docs).resolve()} -> {db}")
    try:
        stats = build_index(args.docs, db, progress=progress)
    except SearchError as exc:
        print(f"build_index: error: {exc}", file=sys.stderr)
        return 2
    print(stats.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m search "query"``: update the index if needed, print the ranked hits.

Exit status: 0 with hits, 1 when nothing relevant was found, 2 on an error (bad folder, no
FTS5, unreadable index).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence

from search.errors import SearchError
from search.index import DEFAULT_MIN_SCORE, MAX_K
from search.knowledge_base import SAMPLE_DOCS_DIR, open_index

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m search",
        description="Search the knowledge base (SQLite FTS5, BM25). The index is built or "
        "updated incrementally before the query.",
    )
    parser.add_argument("query", help='free text, e.g. "what are your opening hours"')
    parser.add_argument(
        "--docs", metavar="DIR", help=f"knowledge-base folder (default: {SAMPLE_DOCS_DIR})"
    )
    parser.add_argument(
        "--db", metavar="PATH", help="index file (default: a cache file under --cache-dir)"
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="folder of the default index file (default: ~/.cache/botify-realtime)",
    )
    parser.add_argument(
        "-k", type=int, default=3, metavar="N", help=f"number of hits, 1..{MAX_K} (default 3)"
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=DEFAULT_MIN_SCORE,
        metavar="X",
        help=f"drop hits scoring below X (default {DEFAULT_MIN_SCORE})",
    )
    parser.add_argument("--json", action="store_true", help="print the hits as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 1 <= args.k <= MAX_K:
        print(f"python -m search: error: -k must be between 1 and {MAX_K}", file=sys.stderr)
        return 2
    try:
        index, stats = open_index(
            args.docs, db_path=args.db, cache_dir=args.cache_dir, min_score=args.min_score
        )
        with index:
            hits = index.search(args.query, args.k)
    except SearchError as exc:
        print(f"python -m search: error: {exc}", file=sys.stderr)
        return 2
    print(f"index {index.path}: {stats.summary()}", file=sys.stderr)
    if args.json:
        payload = {
            "query": args.query,
            "index": str(index.path),
            "hits": [
                {
                    "id": h.id,
                    "title": h.title,
                    "location": h.location,
                    "score": h.score,
                    "chunk": h.chunk,
                }
                for h in hits
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif not hits:
        print("nothing relevant found")
    for rank, hit in enumerate(hits if not args.json else [], 1):
        print(f"{rank}. {hit.title}  [score {hit.score:.2f}]")
        print(f"   {hit.location}  ({hit.id})")
        body = textwrap.shorten(" ".join(hit.chunk.split()), width=400, placeholder=" …")
        print(textwrap.indent(textwrap.fill(body, width=96), "   "))
    return 0 if hits else 1

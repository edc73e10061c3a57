"""One read-only connection to an index, and the query planning that keeps queries fast.

An ``OR`` of common words makes FTS5 rank every chunk containing any of them (about a
microsecond per chunk), so on a big index a question's cost would grow with the index. The
planner looks up each term's document frequency (``df``: how many chunks contain it) and:

- matches terms as ``search.query.fts5_query`` writes them: stemmed whole words, plus a
  prefix for terms of ``PREFIX_MIN_LEN`` letters or more (Porter stems ``deliver`` and
  ``delivery`` differently, ``deliv`` and ``deliveri``; the prefix ``deliv*`` finds both);
- drops terms found in no chunk, and terms found in half the chunks or more: BM25 gives those
  no weight (FTS5's IDF, ``log((N - df + 0.5) / (df + 0.5))``, is clamped to ~0 there);
- when the remaining terms' ``df`` total is at most ``max_candidates`` (any knowledge base of
  a few thousand chunks, and most questions on bigger ones) sends their plain ``OR``: every
  chunk containing a term is ranked by exact BM25;
- otherwise tries, in order, until ``k`` distinct chunks are found: the chunks containing all
  the terms, then all but the commonest, then the ``OR`` of the rarest terms whose ``df`` total
  fits ``max_candidates`` (at least the rarest). Each step only adds chunks the previous
  steps did not return, and the chunks found are ranked together by BM25. The first two
  steps' scores are exact (a chunk containing the term left out by the second step was
  already returned by the first); the third step's may miss a left-out term's share.

Checked against the exact ``OR`` on the benchmark's 10,000 chunks (``scripts/bench_search.py``)
and on the sample knowledge base with the budget forced to 1: the same top results.

Stems come from FTS5 itself (the index's tokenizer in a temporary table of this connection),
document frequencies from an ``fts5vocab`` table; both are cached, the frequencies per index
``generation`` (bumped by every build that changes a chunk).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from search.builder import TOKENIZER
from search.query import PREFIX_MIN_LEN

__all__ = ["DEFAULT_MAX_CANDIDATES", "IndexReader", "TermCache"]

DEFAULT_MAX_CANDIDATES = 2000
_CACHE_LIMIT = 50_000
_LAST_CHAR = "\U0010ffff"
_MISSING = object()

_TEMP_TABLES = f"""
CREATE VIRTUAL TABLE temp.stemmer USING fts5(x, tokenize='{TOKENIZER}');
CREATE VIRTUAL TABLE temp.stemmer_vocab USING fts5vocab(temp, stemmer, 'row');
CREATE VIRTUAL TABLE temp.chunks_vocab USING fts5vocab(main, chunks_fts, 'row');
"""
_SEARCH = """
SELECT c.id, c.title, c.chunk, c.location, f.rank
FROM (SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?) AS f
JOIN chunks AS c ON c.n = f.rowid
ORDER BY f.rank
"""


@dataclass
class TermCache:
    """Stems and document frequencies, shared by the readers of one index (thread-safe)."""

    stems: dict[str, str | None] = field(default_factory=dict)
    df: dict[tuple[str, str, bool], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember_stem(self, term: str, stem: str | None) -> None:
        with self.lock:
            if len(self.stems) >= _CACHE_LIMIT:
                self.stems.clear()
            self.stems[term] = stem

    def remember_df(self, key: tuple[str, str, bool], df: int) -> None:
        with self.lock:
            if len(self.df) >= _CACHE_LIMIT:
                self.df.clear()
            self.df[key] = df


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    prefix: bool
    df: int  # chunks to rank (a prefix: summed over the words it expands to)
    weight_df: int  # chunks containing the word itself, for its BM25 weight

    def fts5(self) -> str:
        return f'"{self.text}"*' if self.prefix else f'"{self.text}"'


class IndexReader:
    """A read-only connection (``mode=ro``, autocommit) with its planner. Used by one thread
    at a time; ``check_same_thread=False`` lets the pool hand it to any thread."""

    def __init__(self, path: Path, cache: TermCache, max_candidates: int) -> None:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        self.conn = sqlite3.connect(
            uri, uri=True, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._cache = cache
        self._max_candidates = max_candidates
        try:
            self.conn.executescript(_TEMP_TABLES)
        except sqlite3.Error:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def _state(self) -> tuple[str, int]:
        """The index's generation and its number of chunks."""
        meta = dict(
            self.conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('generation', 'chunks')"
            ).fetchall()
        )
        chunks = meta.get("chunks")
        if chunks is None:
            chunks = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return str(meta.get("generation", "0")), int(chunks)

    def stem(self, term: str) -> str | None:
        """The index tokenizer's single token for ``term`` (None if it makes 0 or 2+)."""
        cached = self._cache.stems.get(term, _MISSING)
        if cached is not _MISSING:
            return cached if isinstance(cached, str) else None
        self.conn.execute("INSERT INTO temp.stemmer (x) VALUES (?)", (term,))
        tokens = self.conn.execute("SELECT term FROM temp.stemmer_vocab").fetchall()
        self.conn.execute("DELETE FROM temp.stemmer")
        stem = str(tokens[0][0]) if len(tokens) == 1 else None
        self._cache.remember_stem(term, stem)
        return stem

    def _df(self, generation: str, stem: str, prefix: bool) -> int:
        key = (generation, stem, prefix)
        cached = self._cache.df.get(key)
        if cached is not None:
            return cached
        if prefix:
            row = self.conn.execute(
                "SELECT coalesce(sum(doc), 0) FROM temp.chunks_vocab WHERE term >= ? AND term < ?",
                (stem, stem + _LAST_CHAR),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT doc FROM temp.chunks_vocab WHERE term = ?", (stem,)
            ).fetchone()
        df = int(row[0]) if row else 0
        self._cache.remember_df(key, df)
        return df

    def plan(self, terms: list[str]) -> list[str]:
        """FTS5 expressions for ``terms``, to try in order (see the module's docstring); ``[]``
        when no term can find anything worth returning."""
        generation, chunks = self._state()
        candidates: list[_Term] = []
        for text in terms:
            stem = self.stem(text)
            prefix = len(text) >= PREFIX_MIN_LEN and not text.isdigit()
            if stem is None:  # a script the tokenizer splits differently: keep it as it is
                candidates.append(_Term(text, prefix, 0, 0))
                continue
            cost = self._df(generation, stem, prefix)
            if cost:  # weight: the word's own df (a prefix's total counts its expansions too)
                weight = self._df(generation, stem, False) if prefix else cost
                candidates.append(_Term(text, prefix, cost, weight or cost))
        useful = sorted((t for t in candidates if 2 * t.weight_df < chunks), key=lambda t: t.df)
        if sum(t.df for t in useful) <= self._max_candidates:
            return [_any(useful)] if useful else []
        plans = [_all(useful)]
        if len(useful) > 2:
            plans.append(_all(useful[:-1]))
        plans.append(_any(_rarest(useful, self._max_candidates)))
        return list(dict.fromkeys(plans))

    def search(self, terms: list[str], limit: int) -> list[tuple[str, str, str, str, float]]:
        """``(id, title, chunk, location, rank)`` rows, best (lowest rank) first."""
        rows: list[tuple[str, str, str, str, float]] = []
        seen: set[str] = set()
        for match in self.plan(terms):
            for i, t, c, loc, rank in self.conn.execute(_SEARCH, (match, limit)):
                if str(i) not in seen and len(rows) < limit:
                    seen.add(str(i))
                    rows.append((str(i), str(t), str(c), str(loc), float(rank)))
            if len(rows) == limit:
                break
        rows.sort(key=lambda row: row[4])
        return rows


def _any(terms: list[_Term]) -> str:
    return " OR ".join(t.fts5() for t in terms)


def _all(terms: list[_Term]) -> str:
    return " AND ".join(t.fts5() for t in terms)


def _rarest(terms: list[_Term], budget: int) -> list[_Term]:
    """The rarest of ``terms`` (sorted rarest first) whose ``df`` total fits ``budget``; at
    least one."""
    chosen = terms[:1]
    total = terms[0].df
    for term in terms[1:]:
        if total + term.df > budget:
            break
        chosen.append(term)
        total += term.df
    return chosen

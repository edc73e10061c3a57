"""Free text becomes a safe FTS5 query: nothing of the input reaches the query syntax."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import SearchIndex, fts5_query, query_terms
from search.query import MAX_TERMS


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='porter unicode61')")
    conn.execute("INSERT INTO t VALUES ('near the opening hours and returns of shoes')")
    yield conn
    conn.close()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("What's your RETURN policy for shoes?", ["return", "policy", "shoes"]),
        ("don't you open at 9", ["open", "9"]),
        ('"opening" AND hours OR NOT near NEAR(a b)', ["opening", "hours", "near"]),
        ("shoes* ^title:boots -sandals +heels", ["shoes", "title", "boots", "sandals", "heels"]),
        ("o'clock, l'été — café crème", ["clock", "été", "café", "crème"]),
        ("snake_case_word", ["snake", "case", "word"]),
        ("店の営業時間は?", ["店の営業時間は"]),
        ("", []),
        ("   \n\t ", []),
        ("what is it that you do?", []),
        ("um, uh... hello? okay!", []),
        ("shoes SHOES Shoes", ["shoes"]),
        ("\"\" '' () {} [] ; -- /* */", []),
        ("\x00null\x00byte", ["null", "byte"]),
    ],
)
def test_query_terms(text: str, terms: list[str]) -> None:
    assert query_terms(text) == terms


def test_the_fts5_expression_quotes_every_term() -> None:
    assert fts5_query("can I return waterproof shoes?") == '"return"* OR "waterproof"* OR "shoes"'
    assert fts5_query("open at 9 AND NEAR") == '"open" OR "9" OR "near"'
    assert fts5_query("returns", prefix=False) == '"returns"'
    assert fts5_query("what?") is None


def test_a_ten_kilobyte_transcript_is_cut_to_a_bounded_query() -> None:
    text = " ".join(f"word{i}" for i in range(2000))  # about 15 KB
    assert len(text) > 10_000
    terms = query_terms(text)
    assert len(terms) == MAX_TERMS
    assert terms[0] == "word0"
    assert query_terms("x" * 10_000) == ["x" * 2000]


@pytest.mark.parametrize(
    "text",
    ['"', "'", "*", "NEAR", "NEAR(", "AND OR NOT", "a:b", "^", "(", ")", "{a b}", "-", "+", "🙂"],
)
def test_nasty_inputs_never_break_the_index(sample_index: SearchIndex, text: str) -> None:
    assert isinstance(sample_index.search(text), list)
    assert isinstance(sample_index.search(f"opening hours {text} returns"), list)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_searchable(sample_index: SearchIndex, text: str) -> None:
    hits = sample_index.search(text)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_makes_a_valid_fts5_query(fts: sqlite3.Connection, text: str) -> None:
    query = fts5_query(text)
    if query is not None:
        fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()

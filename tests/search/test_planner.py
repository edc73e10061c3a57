"""The query planner: which terms reach FTS5, and how big indexes stay fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search import SearchIndex, build_index
from search.planner import IndexReader, TermCache


@pytest.fixture
def reader(docs_dir: Path, tmp_path: Path) -> Iterator[IndexReader]:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    reader = IndexReader(db, TermCache(), max_candidates=1000)
    yield reader
    reader.close()


def test_terms_are_stemmed_by_the_index_tokenizer(reader: IndexReader) -> None:
    assert reader.stem("returning") == "return"
    assert reader.stem("delivery") == "deliveri"
    assert reader.stem("Café") == "cafe"


def test_under_budget_the_plan_is_the_or_of_every_useful_term(reader: IndexReader) -> None:
    # sunday: 1 chunk of 5; refunds: 1; express: 1 (prefix); open: 2; nowhere: none
    assert reader.plan(["sunday", "refunds", "express", "open", "nowhere"]) == [
        '"sunday"* OR "refunds"* OR "express"* OR "open"'
    ]


def test_words_in_half_the_chunks_or_in_none_are_dropped(reader: IndexReader) -> None:
    assert reader.plan(["days", "sunday"]) == ['"sunday"*']  # days: 3 chunks of 5
    assert reader.plan(["days"]) == []
    assert reader.plan(["zebra", "quokka"]) == []


def test_over_budget_all_terms_then_all_but_the_commonest_then_the_rarest(
    docs_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    reader = IndexReader(db, TermCache(), max_candidates=1)
    try:
        assert reader.plan(["open", "sunday", "refunds"]) == [
            '"sunday"* AND "refunds"* AND "open"',
            '"sunday"* AND "refunds"*',
            '"sunday"*',
        ]
        assert reader.plan(["open", "sunday"]) == ['"sunday"* AND "open"', '"sunday"*']
        assert reader.plan(["open"]) == ['"open"']
        rows = reader.search(["open", "sunday", "refunds"], 3)
        assert [row[0] for row in rows] == ["hours.md#2"]  # step 3: sunday only
    finally:
        reader.close()


@pytest.mark.parametrize(
    "question",
    [
        "what are your opening hours",
        "can I return shoes",
        "how long does delivery take",
        "do you take apple pay",
        "how late are you open on thursday",
        "i want my money back",
        "do you deliver to canada",
    ],
)
def test_the_big_index_path_finds_what_exact_bm25_finds(
    sample_index: SearchIndex, question: str
) -> None:
    with SearchIndex(sample_index.path, max_candidates=1) as forced:
        assert forced.search(question)[0].id == sample_index.search(question)[0].id


def test_document_frequencies_follow_rebuilds(docs_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.sqlite3"
    build_index(docs_dir, db)
    with SearchIndex(db) as index:
        assert index.search("vouchers") == []
        (docs_dir / "vouchers.md").write_text("# Vouchers\n\nVouchers last a year.\n")
        build_index(docs_dir, db)
        assert index.search("vouchers")[0].id == "vouchers.md#1"

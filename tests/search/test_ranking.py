"""Ranking sanity on the shipped sample knowledge base: the right document comes first."""

from __future__ import annotations

import pytest

from search import SAMPLE_DOCS_DIR, SearchIndex


@pytest.mark.parametrize(
    ("question", "expected_file"),
    [
        ("what are your opening hours", "opening-hours.md"),
        ("What are your opening hours?", "opening-hours.md"),
        ("can I return shoes", "returns-policy.md"),
        ("how much is delivery", "delivery-options.md"),
        ("how long does delivery take", "delivery-options.md"),
        ("do you take apple pay", "payment-methods.md"),
        ("are you open on christmas day", "holiday-hours.md"),
        ("how do I track my order", "order-tracking.md"),
        ("what size should I get", "size-guide.md"),
        ("what's your phone number", "contact-us.md"),
        ("how late are you open on thursday", "opening-hours.md"),
        ("I forgot my password", "account-and-password.md"),
        ("do you have a student discount", "discounts-and-promotions.md"),
        ("can I pay in instalments", "instalments.md"),
        ("do you deliver to canada", "international-shipping.md"),
        ("i want my money back", "returns-policy.md"),
        ("when will I get my refund", "refunds.md"),
        ("where is the downtown store", "store-downtown.md"),
        ("can I bring my dog", "faq.md"),
        ("do gift cards expire", "gift-cards.md"),
        ("what time do you close", "opening-hours.md"),
    ],
)
def test_the_expected_document_comes_first(
    sample_index: SearchIndex, question: str, expected_file: str
) -> None:
    hits = sample_index.search(question, k=3)
    assert hits, question
    assert hits[0].id.split("#")[0] == expected_file, [h.location for h in hits]


@pytest.mark.parametrize(
    "question", ["what is the weather on mars", "hello there", "um", "quantum chromodynamics"]
)
def test_nothing_relevant_returns_no_hits(sample_index: SearchIndex, question: str) -> None:
    assert sample_index.search(question) == []


def test_hits_are_ranked_best_first_with_positive_scores(sample_index: SearchIndex) -> None:
    hits = sample_index.search("return shoes refund receipt", k=10)
    assert len(hits) == 10
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert len({h.id for h in hits}) == 10


def test_the_sample_knowledge_base_is_a_few_dozen_documents() -> None:
    files = sorted(SAMPLE_DOCS_DIR.glob("*.md"))
    assert 25 <= len(files) <= 40
    for path in files:
        text = path.read_text()
        assert text.startswith("# "), path.name
        assert 200 < len(text) < 4000, path.name

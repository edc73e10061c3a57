"""Splitting documents into chunks by heading and paragraph."""

from __future__ import annotations

from search import ChunkingOptions, split_document
from search.chunking import title_from_filename


def test_chunks_carry_the_heading_path_and_the_title() -> None:
    text = "# Returns\n\nIntro text.\n\n## Shoes\n\nUnworn shoes.\n\n### Boxes\n\nKeep the box.\n"
    title, chunks = split_document("returns.md", text)
    assert title == "Returns"
    assert [(c.id, c.heading, c.text) for c in chunks] == [
        ("returns.md#1", "Returns", "Intro text."),
        ("returns.md#2", "Returns > Shoes", "Unworn shoes."),
        ("returns.md#3", "Returns > Shoes > Boxes", "Keep the box."),
    ]
    assert chunks[2].location == "returns.md > Returns > Shoes > Boxes"
    assert {c.title for c in chunks} == {"Returns"}


def test_a_heading_closes_deeper_ones_and_empty_sections_make_no_chunk() -> None:
    text = "# T\n## A\n### A1\ntext a1\n## B\ntext b\n"
    _, chunks = split_document("t.md", text)
    assert [c.heading for c in chunks] == ["T > A > A1", "T > B"]


def test_small_paragraphs_of_a_section_are_packed_and_big_ones_are_cut() -> None:
    options = ChunkingOptions(max_chars=120, min_chars=30)
    small = "\n\n".join(f"Paragraph {i} is short." for i in range(6))
    _, chunks = split_document("a.md", f"# A\n\n{small}\n", options)
    assert 1 < len(chunks) < 6
    assert all(len(c.text) <= 120 for c in chunks)
    assert "Paragraph 0" in chunks[0].text and "Paragraph 1" in chunks[0].text

    sentences = " ".join(f"Sentence number {i} ends here." for i in range(40))
    _, chunks = split_document("b.md", sentences, options)
    assert len(chunks) > 5
    assert all(len(c.text) <= 120 for c in chunks)
    assert all(c.text.endswith("here.") for c in chunks)
    assert " ".join(c.text for c in chunks) == sentences

    _, chunks = split_document("c.md", "x" * 500, options)
    assert [len(c.text) for c in chunks] == [120, 120, 120, 120, 20]


def test_title_from_front_matter_then_h1_then_file_name() -> None:
    front = '---\ntitle: "Store FAQ"\nauthor: me\n---\n# Heading\n\nBody.\n'
    assert split_document("faq.md", front)[0] == "Store FAQ"
    assert split_document("faq.md", "Intro\n\n# Later title\n\nBody")[0] == "Later title"
    title, chunks = split_document("notes/click-and_collect.txt", "Just text.\n")
    assert title == "Click and collect"
    assert chunks[0].heading == "Click and collect"
    assert chunks[0].location == "notes/click-and_collect.txt > Click and collect"
    assert title_from_filename("x/y/z") == "Z"


def test_setext_headings_code_fences_and_markdown_syntax() -> None:
    text = (
        "Store guide\n===========\n\nSee [our map](https://example.com/map) and "
        "**bold** `code`.\n\n```\n# not a heading\n```\n\nDelivery\n--------\n\nFast.\n"
    )
    title, chunks = split_document("guide.md", text)
    assert title == "Store guide"
    assert chunks[0].heading == "Store guide"
    assert "our map (https://example.com/map)" in chunks[0].text
    assert "**" not in chunks[0].text and "`code`" not in chunks[0].text
    assert "# not a heading" in chunks[0].text
    assert chunks[-1].heading == "Store guide > Delivery"
    assert chunks[-1].text == "Fast."


def test_windows_line_endings_and_an_empty_document() -> None:
    _, chunks = split_document("w.md", "# W\r\n\r\nline one\r\nline two\r\n")
    assert chunks[0].text == "line one\nline two"
    assert split_document("e.md", "") == ("E", [])

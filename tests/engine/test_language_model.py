"""Language model building: spoken-form text, phrases, generated questions, dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.language_model import (
    ExtendedLexicon,
    build_language_model,
    fill_templates,
    generate_questions,
    load_pronunciations,
    noun_phrases,
    verb_phrases,
)
from engine.pronounce import derive
from engine.textnorm import headings, number_to_words, ordinal_to_words, sentences

FAQ = (Path(__file__).parent / "data" / "store_faq.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lexicon() -> dict[str, list[str]]:
    return load_pronunciations()


def test_numbers_times_and_prices_become_words() -> None:
    assert number_to_words(0) == "zero"
    assert number_to_words(1234) == "one thousand two hundred thirty four"
    assert ordinal_to_words(21) == "twenty first" and ordinal_to_words(30) == "thirtieth"
    text = "We're open **9am-6pm**, Monday to Friday. Delivery costs $4.95; 10% off on the 25th!"
    assert sentences(text) == [
        ["we're", "open", "nine", "a.m.", "to", "six", "p.m.", "monday", "to", "friday"],
        ["delivery", "costs", "four", "dollars", "ninety", "five"],
        ["ten", "percent", "off", "on", "the", "twenty", "fifth"],
    ]
    assert sentences("Open 10:30 a.m. to 5 p.m. See [this](https://x.example).") == [
        ["open", "ten", "thirty", "a.m.", "to", "five", "p.m.", "see", "this"]
    ]
    assert sentences("Café’s crème brûlée") == [["cafe's", "creme", "brulee"]]
    assert headings("# Gift cards\ntext\n## Opening hours ##") == [
        ["gift", "cards"],
        ["opening", "hours"],
    ]


def test_phrases_and_questions_come_from_the_corpus(lexicon: dict[str, list[str]]) -> None:
    corpus = sentences(FAQ)
    nouns = noun_phrases(corpus, headings(FAQ), lexicon)
    verbs = verb_phrases(corpus, lexicon)
    assert nouns[:2] == ["opening hours", "public holidays"]  # headings first
    assert {"gift cards", "student discount", "price promise"} <= set(nouns)
    assert not any(w in {"nine", "p.m."} for p in nouns for w in p.split())
    assert {"track my order", "change my password"} <= set(verbs)
    questions = generate_questions(nouns, verbs, 300)
    assert len(questions) == len(set(questions)) == 300
    assert "what are your opening hours" in questions
    assert "how do i track my order" in questions or "can i track my order" in questions


def test_templates_spread_over_phrases() -> None:
    out = fill_templates(("a {}", "b {}", "c {}"), ["x", "y", "z", "w"], 6)
    assert out == ["a x", "b x", "c y", "a y", "b z", "c z"]
    assert fill_templates(("a {}",), [], 5) == []


def test_unknown_words_are_derived_or_reported(lexicon: dict[str, list[str]]) -> None:
    assert derive(lexicon, "instalments") == ["IH N S T AO L M AH N T S"]
    assert derive(lexicon, "harborlane") == ["HH AA R B ER L EY N"]
    assert derive(lexicon, "statuses")[0].endswith("S IH Z")
    assert derive(lexicon, "unworn") == ["AH N W AO R N"]
    assert derive(lexicon, "xl") == ["EH K S EH L"]
    assert derive(lexicon, "klarna") == []
    extended = ExtendedLexicon(lexicon)
    assert "jewellery" in extended and "klarna" not in extended
    assert extended.missing == {"klarna"} and set(extended.derived) == {"jewellery"}


def test_build_writes_a_model_pocketsphinx_loads(tmp_path: Path) -> None:
    model = build_language_model(
        ["# Payment\nPay with Klarna or PayPal in three instalments."],
        ["Is Harborlane open?"],
        cache_dir=tmp_path,
        n_questions=20,
    )
    assert model.missing_words == ("klarna",)
    assert set(model.derived_words) == {"harborlane", "instalments"}
    arpa = model.lm_path.read_text()
    assert "\\3-grams:" in arpa and " klarna " not in arpa
    words = {line.split()[0].split("(")[0] for line in model.dict_path.read_text().splitlines()}
    assert {"paypal", "instalments", "harborlane", "hello"} <= words
    assert model.questions == 20
    from pocketsphinx import Decoder  # type: ignore[import-untyped]

    Decoder(lm=str(model.lm_path), dict=str(model.dict_path), samprate=16000, loglevel="FATAL")

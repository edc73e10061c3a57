"""The Mermaid diagram is drawn from the same table the machine runs on."""

from __future__ import annotations

import re

import pytest

from statemachine import STATES
from statemachine.diagram import mermaid
from statemachine.model import TurnModel
from statemachine.rules import RULES


def edges(text: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^\s*(\w+) --> (\w+): (.*)$", text, flags=re.MULTILINE)


def test_front_matter_title_and_type() -> None:
    text = mermaid()
    assert text.startswith("---\ntitle: Botify turn machine\n---\nstateDiagram-v2\n")
    assert "[*] --> idle" in text


def test_one_node_per_state() -> None:
    text = mermaid()
    assert re.findall(r'state "(\w+)" as (\w+)', text) == [(s, s) for s in STATES]


def test_one_edge_per_rule_row_with_its_trigger_number_and_conditions() -> None:
    drawn = sorted(edges(mermaid()))
    expected = []
    for rule in RULES:
        label = f"{rule.trigger} (rule {rule.number})"
        if rule.dest is None:
            label += " [internal]"
        if rule.conditions:
            label += f" [{' & '.join(rule.conditions)}]"
        expected.append((rule.source, rule.dest or rule.source, label))
    assert drawn == sorted(expected)
    assert {number for *_, label in drawn for number in re.findall(r"rule (\d+)", label)} == {
        str(n) for n in range(1, 10)
    }


def test_the_rules_table_only_names_model_methods() -> None:
    for rule in RULES:
        for name in (*rule.conditions, *rule.after):
            assert callable(getattr(TurnModel, name, None)), name


def test_the_rules_diagram_highlights_nothing_unless_asked() -> None:
    assert "classDef s_active fill:white,color:black" in mermaid()
    text = mermaid(active="responding")
    assert "Class responding s_active" in text
    assert "classDef s_active color:red" in text
    assert "[*] --> idle" in text
    with pytest.raises(ValueError):
        mermaid(active="sleeping")


def test_the_diagram_is_the_same_every_time() -> None:
    assert mermaid() == mermaid()

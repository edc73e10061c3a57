"""The turn machine drawn as Mermaid text, from the same table the machine runs on.

Built with ``transitions``' ``GraphMachine(graph_engine="mermaid")`` (no graphviz needed)
from :data:`statemachine.rules.STATES` and :data:`statemachine.rules.RULES`; each edge is
labelled with its trigger, rule number and conditions.
"""

from __future__ import annotations

import copy
import functools
from typing import TYPE_CHECKING

from transitions.extensions import GraphMachine

from .rules import INITIAL, RULES, STATES

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = ["TITLE", "mermaid"]

TITLE = "Botify turn machine"


class _DiagramModel:
    """A bare model: GraphMachine draws the graph of a model."""

    state: str


def _graph_transitions() -> list[TransitionConfigDict]:
    transitions: list[TransitionConfigDict] = []
    for rule in RULES:
        config = rule.to_transition()
        config["label"] = rule.label  # type: ignore[typeddict-unknown-key]
        transitions.append(config)
    return transitions


@functools.lru_cache(maxsize=8)
def mermaid(active: str | None = None) -> str:
    """Mermaid ``stateDiagram-v2`` text of the rules; ``active`` highlights one state.
    The text is built once per ``active`` and cached (it is an immutable string)."""
    if active is not None and active not in STATES:
        raise ValueError(f"unknown state {active!r}")
    model = _DiagramModel()
    machine = GraphMachine(
        model=model,
        states=list(STATES),
        transitions=_graph_transitions(),
        initial=INITIAL,
        auto_transitions=False,
        show_conditions=True,
        graph_engine="mermaid",
        # Mermaid reads its title from YAML front matter ("---\ntitle: ...\n---").
        title=f"title: {TITLE}",
    )
    if active is not None:
        machine.set_state(active, model=model)
    else:
        # A diagram of the rules: draw the initial state like the others.
        styles = copy.deepcopy(machine.style_attributes)
        node_styles = styles["node"]
        assert isinstance(node_styles, dict)
        node_styles["active"] = dict(node_styles["default"])  # type: ignore[arg-type]
        machine.style_attributes = styles
    graph = machine.get_combined_graph(force_new=True)
    text = graph.draw(None)
    assert isinstance(text, str)
    return text.rstrip() + "\n"

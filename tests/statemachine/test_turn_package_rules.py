"""House rules of the statemachine package: the public names the session codes against exist
(its imports and module sizes: tests/test_design_rules.py)."""

from __future__ import annotations

import statemachine
from tests.statemachine.turn_helpers import REPO

PACKAGE = REPO / "statemachine"


def test_the_public_api() -> None:
    for name in (
        "TurnMachine",
        "TurnSettings",
        "FakeClock",
        "LoopClock",
        "Action",
        "Transition",
        "TimelineEntry",
    ):
        assert hasattr(statemachine, name), name
    from statemachine.diagram import mermaid
    from statemachine.replay import ReplayResult, ScenarioError, load_scenario, replay
    from statemachine.testing import assert_scenario, run_scenario

    assert all(
        callable(f)
        for f in (mermaid, ReplayResult, ScenarioError, load_scenario, replay, assert_scenario)
    )
    assert callable(run_scenario)

"""House rules of the statemachine package: it imports nothing else of the project, its
modules stay small, and the public names the session codes against exist."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import statemachine
from tests.statemachine.turn_helpers import REPO

PACKAGE = REPO / "statemachine"
MODULES = sorted(PACKAGE.glob("*.py"))
PROJECT_PACKAGES = {"app", "sessions", "search", "engine", "scripts", "tests"}


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_imports_nothing_else_of_the_project(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots = {node.module.split(".")[0]}
        else:
            continue
        assert not roots & PROJECT_PACKAGES, f"{path.name}:{node.lineno} imports {roots}"


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) < 400


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

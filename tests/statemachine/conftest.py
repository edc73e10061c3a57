"""Fixtures for the turn machine tests."""

from __future__ import annotations

import pytest

# The turn_scenario fixture. Once setup.cfg registers statemachine.pytest_plugin as a pytest11
# entry point this import is redundant (and harmless); it keeps these tests self-contained.
from statemachine.pytest_plugin import turn_scenario
from tests.statemachine.turn_helpers import Rig, make_rig

__all__ = ["rig", "turn_scenario"]


@pytest.fixture
def rig() -> Rig:
    """A machine with D = 1.5 s and T = 4 s (the defaults) on a fake clock at 0."""
    return make_rig()

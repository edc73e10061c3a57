"""Fixtures for the turn machine tests."""

from __future__ import annotations

import pytest

from tests.statemachine.turn_helpers import Rig, make_rig

__all__ = ["rig"]  # turn_scenario comes from the installed pytest11 plugin


@pytest.fixture
def rig() -> Rig:
    """A machine with D = 1.5 s and T = 4 s (the defaults) on a fake clock at 0."""
    return make_rig()

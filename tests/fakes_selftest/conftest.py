"""Self-tests of the fakes. The fixture comes from ``tests.fakes.fixtures``; the suite-wide
``tests/conftest.py`` may also load it with ``pytest_plugins = ["tests.fakes.fixtures"]``."""

from tests.fakes.fixtures import fake_upstream

__all__ = ["fake_upstream"]

"""pytest fixtures for the fakes.

Enable them for the whole suite in ``tests/conftest.py``::

    pytest_plugins = ["tests.fakes.fixtures"]
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakes.fake_upstream import FakeUpstream

__all__ = ["fake_upstream"]


@pytest_asyncio.fixture
async def fake_upstream() -> AsyncIterator[FakeUpstream]:
    """A started ``FakeUpstream`` in script mode on 127.0.0.1 (a free port), one per test.

    For other settings build one in the test: ``async with FakeUpstream(mode="echo") as up:``,
    or change ``handshake_status`` / ``handshake_delay`` on this one before connecting.
    """
    async with FakeUpstream() as upstream:
        yield upstream

"""Fixtures of the search tests: small knowledge bases on disk, the sample index, the fake
Azure AI Search service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from search import SAMPLE_DOCS_DIR, SearchIndex, build_index
from tests.fakes.fake_azure_search import FakeAzureSearch
from tests.search.search_helpers import AZURE_DOCUMENTS, write_docs


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """Three small documents: hours.md, returns.md, notes/delivery.txt."""
    return write_docs(tmp_path / "kb")


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    """The shipped sample knowledge base, indexed once per module."""
    db = tmp_path_factory.mktemp("sample") / "sample.sqlite3"
    build_index(SAMPLE_DOCS_DIR, db)
    with SearchIndex(db) as index:
        yield index


@pytest_asyncio.fixture
async def fake_azure() -> AsyncIterator[FakeAzureSearch]:
    """A started fake Azure AI Search with index ``kb`` (``AZURE_DOCUMENTS``), key ``test-key``."""
    async with FakeAzureSearch(api_key="test-key", indexes={"kb": list(AZURE_DOCUMENTS)}) as svc:
        yield svc

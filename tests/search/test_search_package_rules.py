"""House rules of the search package: importing it does not load the Azure SDK, and the public
names exist (its imports and module sizes: tests/test_design_rules.py)."""

from __future__ import annotations

import subprocess
import sys

import search
from tests.search.search_helpers import REPO

PACKAGE = REPO / "search"


def test_importing_search_does_not_load_azure_or_openai() -> None:
    code = "import sys, search; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "('azure', 'openai')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_public_api() -> None:
    for name in search.__all__:
        assert hasattr(search, name), name
    from search.azure_backend import AzureFieldMap, AzureSearchBackend, AzureSearchConfig
    from search.tool import TOOL_SCHEMA, run_search_tool

    assert callable(run_search_tool) and TOOL_SCHEMA["name"] == "search"
    assert all(callable(c) for c in (AzureFieldMap, AzureSearchBackend, AzureSearchConfig))
    assert search.SAMPLE_DOCS_DIR == PACKAGE / "docs"

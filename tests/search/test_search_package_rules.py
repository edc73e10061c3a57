"""House rules of the search package: it imports nothing else of the project, its modules stay
small, importing it does not load the Azure SDK, and the public names exist."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import search
from tests.search.search_helpers import REPO

PACKAGE = REPO / "search"
MODULES = sorted(PACKAGE.glob("*.py"))
PROJECT_PACKAGES = {"app", "sessions", "statemachine", "engine", "scripts", "tests"}


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

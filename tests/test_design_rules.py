"""The rooms of ../shared/DESIGN.md: who may import whom, and modules that stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT = {"app", "sessions", "statemachine", "search", "engine", "scripts", "tests"}
MAY_IMPORT: dict[str, set[str]] = {
    "statemachine": set(),
    "search": set(),
    "sessions": {"statemachine", "search"},
    "engine": {"search"},
    "app": {"sessions", "statemachine", "search", "engine"},
}
MODULES = [
    (room, path)
    for room in MAY_IMPORT
    for path in sorted((REPO / room).rglob("*.py"))
    if "__pycache__" not in path.parts
]
IDS = [str(path.relative_to(REPO)) for _, path in MODULES]


def _project_imports(path: Path) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(node.lineno, name.split(".")[0]) for name in names}
    return {(line, root) for line, root in found if root in PROJECT}


@pytest.mark.parametrize(("room", "path"), MODULES, ids=IDS)
def test_each_room_imports_only_what_the_design_allows(room: str, path: Path) -> None:
    allowed = MAY_IMPORT[room] | {room}
    wrong = sorted((line, root) for line, root in _project_imports(path) if root not in allowed)
    assert not wrong, f"{path.relative_to(REPO)} imports {wrong} (allowed: {sorted(allowed)})"


@pytest.mark.parametrize(("room", "path"), MODULES, ids=IDS)
def test_modules_stay_small(room: str, path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400

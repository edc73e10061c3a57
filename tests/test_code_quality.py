"""The project's own standards, enforced by the test suite: ruff clean and mypy clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TYPED_PACKAGES = [
    p for p in ("statemachine", "sessions", "search", "engine", "app") if (REPO / p).is_dir()
]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_packages() -> None:
    result = _run("mypy", *TYPED_PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr

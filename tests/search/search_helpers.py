"""Shared data and helpers of the search tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

HOURS = """# Opening hours

We open at nine a.m. (9:00) and close at eight p.m. (20:00), Monday to Saturday.

## Sunday

On Sunday we open from ten a.m. to six p.m. (10:00 to 18:00).
"""

RETURNS = """# Returns

Return unworn shoes within thirty days (30 days) with the receipt.

## Refunds

Refunds go back to the card you paid with within five days.
"""

DELIVERY = """Standard delivery takes three to five days and costs four dollars.

Express delivery arrives the next day.
"""

AZURE_DOCUMENTS: tuple[dict[str, Any], ...] = (
    {
        "id": "hours-1",
        "title": "Opening hours",
        "content": "We open at nine and close at eight, Monday to Saturday.",
        "location": "opening-hours.md > Opening hours",
        "secret_note": "not selected",
    },
    {
        "id": "returns-1",
        "title": "Returns",
        "content": "Return unworn shoes within thirty days.",
        "location": "returns.md > Returns",
        "secret_note": "not selected",
    },
    {
        "id": "delivery-1",
        "title": "Delivery",
        "content": "Standard delivery takes three to five days.",
        "location": "delivery.md > Delivery",
        "secret_note": "not selected",
    },
)


def write_docs(root: Path) -> Path:
    (root / "notes").mkdir(parents=True)
    (root / "hours.md").write_text(HOURS)
    (root / "returns.md").write_text(RETURNS)
    (root / "notes" / "delivery.txt").write_text(DELIVERY)
    (root / ".hidden.md").write_text("# Hidden\n\nnever indexed")
    (root / "image.png").write_bytes(b"\x89PNG not a document")
    return root


def bump_mtime(path: Path, seconds: int = 10) -> None:
    """Move the file's mtime forward, so a rewrite within the same clock tick is noticed."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` from the repository root (no network, no real home cache)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )

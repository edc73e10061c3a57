"""The command lines, run as processes: python -m search and scripts/build_index.py."""

from __future__ import annotations

import json
from pathlib import Path

from tests.search.search_helpers import run_cli


def test_search_prints_ranked_hits(tmp_path: Path) -> None:
    result = run_cli("-m", "search", "what are your opening hours", "--db", str(tmp_path / "i"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1. Opening hours  [score ")
    assert "opening-hours.md > Opening hours" in result.stdout
    assert "3. " in result.stdout and "4. " not in result.stdout
    assert "files scanned: 38 added" in result.stderr  # the build summary

    again = run_cli(
        "-m", "search", "can I return shoes?", "--db", str(tmp_path / "i"), "-k", "2", "--json"
    )
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 changed" in again.stderr  # incremental: nothing rebuilt
    payload = json.loads(again.stdout)
    assert payload["query"] == "can I return shoes?"
    assert len(payload["hits"]) == 2
    first = payload["hits"][0]
    assert first["id"].startswith("returns-policy.md#")
    assert set(first) == {"id", "title", "location", "score", "chunk"}


def test_search_exit_codes(docs_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "i.sqlite3")
    found = run_cli("-m", "search", "express delivery", "--docs", str(docs_dir), "--db", db)
    assert found.returncode == 0, found.stderr
    assert "notes/delivery.txt" in found.stdout
    none = run_cli("-m", "search", "weather on mars", "--docs", str(docs_dir), "--db", db)
    assert (none.returncode, none.stdout.strip()) == (1, "nothing relevant found")
    missing = run_cli("-m", "search", "x", "--docs", str(tmp_path / "nope"), "--db", db)
    assert missing.returncode == 2
    assert "knowledge-base folder not found" in missing.stderr
    bad_k = run_cli("-m", "search", "x", "--db", db, "-k", "0")
    assert bad_k.returncode == 2 and "-k must be between 1 and 20" in bad_k.stderr


def test_build_index_reports_each_file_and_the_totals(docs_dir: Path, tmp_path: Path) -> None:
    first = run_cli("scripts/build_index.py", str(docs_dir), "--cache-dir", str(tmp_path / "c"))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith(f"indexing {docs_dir.resolve()} -> {tmp_path / 'c'}/search-")
    assert "  added     hours.md  (2 chunks)" in lines
    assert "  added     notes/delivery.txt  (1 chunks)" in lines
    assert lines[-1].startswith("3 files scanned: 3 added, 0 changed, 0 removed, 0 unchanged; 5")

    (docs_dir / "returns.md").unlink()
    second = run_cli("scripts/build_index.py", str(docs_dir), "--cache-dir", str(tmp_path / "c"))
    assert "  unchanged hours.md" in second.stdout
    assert "  removed   returns.md" in second.stdout
    assert second.stdout.splitlines()[-1].startswith("2 files scanned: 0 added, 0 changed, 1 rem")

    quiet = run_cli("scripts/build_index.py", str(docs_dir), "--db", str(tmp_path / "q"), "--quiet")
    assert len(quiet.stdout.splitlines()) == 2

    missing = run_cli("scripts/build_index.py", str(tmp_path / "nope"), "--db", str(tmp_path / "x"))
    assert missing.returncode == 2
    assert "knowledge-base folder not found" in missing.stderr

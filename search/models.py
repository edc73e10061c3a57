"""Plain data returned by the search package: one hit, one chunk, the statistics of a build."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BuildStats", "Chunk", "SearchHit"]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked result. ``score``: higher is better (BM25 relevance, never negative)."""

    id: str
    title: str
    chunk: str
    location: str
    score: float


@dataclass(frozen=True, slots=True)
class Chunk:
    """One indexed piece of a document: a paragraph or a few, under one heading path."""

    id: str
    title: str
    heading: str
    location: str
    text: str


@dataclass(slots=True)
class BuildStats:
    """What an (incremental) build did. File counts are disjoint except ``files_scanned``."""

    files_scanned: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_read: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    full_rebuild: bool = False
    skipped: list[str] = field(default_factory=list)

    @property
    def files_reindexed(self) -> int:
        return self.files_added + self.files_changed

    def summary(self) -> str:
        """One human line, e.g. for a CLI or a start-up log."""
        return (
            f"{self.files_scanned} files scanned: {self.files_added} added, "
            f"{self.files_changed} changed, {self.files_removed} removed, "
            f"{self.files_unchanged} unchanged; {self.chunks_total} chunks "
            f"(+{self.chunks_added}/-{self.chunks_removed}) in {self.seconds:.3f} s"
        )

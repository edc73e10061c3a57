"""Split a Markdown or text document into chunks by heading and paragraph.

Each chunk carries its document's title and its heading path (``Returns > Shoes``), so a hit
can say where it comes from. Paragraphs of one section are packed together up to
``max_chars``; a paragraph longer than that is cut at sentence ends (or, failing that, words).
Chunks never span two sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.models import Chunk

__all__ = ["ChunkingOptions", "split_document", "title_from_filename"]

HEADING_SEPARATOR = " > "
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class ChunkingOptions:
    """``max_chars``: the most text packed into one chunk (a longer paragraph is cut);
    ``min_chars``: a chunk shorter than this takes the next paragraph even if the pair
    slightly exceeds ``max_chars`` (at most by ``min_chars``)."""

    max_chars: int = 900
    min_chars: int = 200


def title_from_filename(relpath: str) -> str:
    """``store-locations.md`` -> ``Store locations``."""
    stem = relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else relpath


def _clean_inline(text: str) -> str:
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1 (\2)", text)
    return _EMPHASIS.sub("", text)


def _front_matter_title(lines: list[str]) -> tuple[str | None, int]:
    """The ``title:`` of a leading ``---`` block and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return None, 0
    for end in range(1, min(len(lines), 60)):
        if lines[end].strip() == "---":
            title = None
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                if key.strip().lower() == "title" and value.strip():
                    title = value.strip().strip("\"'")
            return title, end + 1
    return None, 0


@dataclass(slots=True)
class _Section:
    headings: list[str]
    paragraphs: list[str]


def _sections(lines: list[str]) -> tuple[list[_Section], str | None]:
    """Sections (heading path + paragraphs) and the first level-1 heading, if any."""
    sections: list[_Section] = [_Section([], [])]
    stack: list[tuple[int, str]] = []
    paragraph: list[str] = []
    first_h1: str | None = None
    in_fence = False

    def end_paragraph() -> None:
        if paragraph:
            sections[-1].paragraphs.append("\n".join(paragraph))
            paragraph.clear()

    def open_section(level: int, text: str) -> None:
        nonlocal first_h1
        end_paragraph()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
        if level == 1 and first_h1 is None:
            first_h1 = text
        sections.append(_Section([t for _, t in stack], []))

    for raw in lines:
        line = raw.rstrip()
        if _FENCE.match(line):
            in_fence = not in_fence
            paragraph.append(line)
            continue
        if in_fence:
            paragraph.append(line)
            continue
        atx = _ATX.match(line)
        if atx:
            open_section(len(atx.group(1)), _clean_inline(atx.group(2)))
            continue
        setext = _SETEXT.match(line)
        if setext and len(paragraph) == 1:
            text = _clean_inline(paragraph.pop().strip())
            open_section(1 if setext.group(1)[0] == "=" else 2, text)
            continue
        if not line.strip():
            end_paragraph()
        else:
            paragraph.append(_clean_inline(line))
    end_paragraph()
    return sections, first_h1


def _cut(paragraph: str, max_chars: int) -> list[str]:
    """A paragraph as pieces of at most ``max_chars``, cut at sentence ends or words."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    units: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        if len(sentence) <= max_chars:
            units.append(sentence)
            continue
        for word in sentence.split():
            units.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    pieces: list[str] = []
    current = ""
    for unit in units:
        if current and len(current) + 1 + len(unit) > max_chars:
            pieces.append(current)
            current = unit
        else:
            current = f"{current} {unit}" if current else unit
    if current:
        pieces.append(current)
    return pieces


def _pack(paragraphs: list[str], options: ChunkingOptions) -> list[str]:
    texts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _cut(paragraph.strip(), options.max_chars):
            if not current:
                current = piece
            elif len(current) + 2 + len(piece) <= options.max_chars or (
                len(current) < options.min_chars
                and len(current) + 2 + len(piece) <= options.max_chars + options.min_chars
            ):
                current = f"{current}\n\n{piece}"
            else:
                texts.append(current)
                current = piece
    if current:
        texts.append(current)
    return texts


def split_document(
    relpath: str, text: str, options: ChunkingOptions | None = None
) -> tuple[str, list[Chunk]]:
    """The document's title and its chunks.

    ``relpath`` (``/``-separated, relative to the knowledge-base folder) names the chunks:
    ids are ``relpath#1``, ``relpath#2``, ...; locations are ``relpath > Heading > Sub``.
    The title is the front matter's ``title:``, else the first level-1 heading, else the
    file name.
    """
    opts = options or ChunkingOptions()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    matter_title, start = _front_matter_title(lines)
    sections, first_h1 = _sections(lines[start:])
    title = matter_title or first_h1 or title_from_filename(relpath)
    chunks: list[Chunk] = []
    for section in sections:
        heading = HEADING_SEPARATOR.join(section.headings) or title
        for body in _pack(section.paragraphs, opts):
            chunks.append(
                Chunk(
                    id=f"{relpath}#{len(chunks) + 1}",
                    title=title,
                    heading=heading,
                    location=f"{relpath}{HEADING_SEPARATOR}{heading}",
                    text=body,
                )
            )
    return title, chunks

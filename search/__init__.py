"""Knowledge-base search for the relay's ``search`` tool. Imports nothing else of the project.

Embedded by default: an SQLite FTS5 index (BM25) of a folder of Markdown/text files, built and
updated incrementally (``build_index``), queried with ``SearchIndex(path).search(query, k)``.
The relay uses a ``SearchBackend``: ``SqliteSearchBackend.open(docs_dir)`` or, for Azure AI
Search, ``search.azure_backend.AzureSearchBackend`` (imported separately: it loads the Azure
SDK). The model's tool: ``search.tool.TOOL_SCHEMA`` and ``run_search_tool``.
"""

from search.backend import SearchBackend, SqliteSearchBackend
from search.builder import FileEvent, build_index, check_fts5
from search.chunking import ChunkingOptions, split_document
from search.errors import (
    FTS5UnavailableError,
    IndexNotFoundError,
    SearchBackendError,
    SearchError,
    ToolArgumentsError,
)
from search.index import DEFAULT_MIN_SCORE, SearchIndex
from search.knowledge_base import (
    SAMPLE_DOCS_DIR,
    default_cache_dir,
    default_index_path,
    open_index,
)
from search.models import BuildStats, Chunk, SearchHit
from search.query import fts5_query, query_terms
from search.tool import TOOL_NAME, TOOL_SCHEMA, make_search_tool, run_search_tool, tool_schema

__all__ = [
    "DEFAULT_MIN_SCORE",
    "SAMPLE_DOCS_DIR",
    "TOOL_NAME",
    "TOOL_SCHEMA",
    "BuildStats",
    "Chunk",
    "ChunkingOptions",
    "FTS5UnavailableError",
    "FileEvent",
    "IndexNotFoundError",
    "SearchBackend",
    "SearchBackendError",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SqliteSearchBackend",
    "ToolArgumentsError",
    "build_index",
    "check_fts5",
    "default_cache_dir",
    "default_index_path",
    "fts5_query",
    "make_search_tool",
    "open_index",
    "query_terms",
    "run_search_tool",
    "split_document",
    "tool_schema",
]

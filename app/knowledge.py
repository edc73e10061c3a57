"""The search backend and the tools the model may call, opened once at start-up."""

from __future__ import annotations

import asyncio
import logging

from app.config import Settings
from search import SearchBackend, SqliteSearchBackend, make_search_tool, tool_schema
from search.knowledge_base import default_cache_dir
from sessions.tool_calls import ToolSpec

log = logging.getLogger(__name__)


def cache_dir(settings: Settings) -> str:
    return str(settings.cache_dir or default_cache_dir())


async def open_search_backend(settings: Settings) -> SearchBackend:
    """The configured backend; the embedded index is built or updated first (in a thread)."""
    if settings.search_backend == "azure":
        from search.azure_backend import AzureSearchBackend, AzureSearchConfig

        assert settings.azure_search_endpoint and settings.azure_search_index
        return AzureSearchBackend(
            AzureSearchConfig(
                endpoint=settings.azure_search_endpoint,
                index_name=settings.azure_search_index,
                api_key=settings.azure_search_key,
                timeout=settings.tool_timeout,
            )
        )
    backend = await asyncio.to_thread(
        SqliteSearchBackend.open,
        settings.search_docs_dir,
        db_path=settings.search_index_path,
        cache_dir=cache_dir(settings),
    )
    stats = backend.build_stats
    if stats is not None:
        log.info(
            "search: index %s ready: %d files (%d read), %d chunks, in %.2f s",
            backend.index.path,
            stats.files_scanned,
            stats.files_read,
            stats.chunks_total,
            stats.seconds,
        )
    return backend


def search_tools(backend: SearchBackend, k: int) -> dict[str, ToolSpec]:
    schema = tool_schema()
    return {str(schema["name"]): ToolSpec(schema=schema, run=make_search_tool(backend, k))}

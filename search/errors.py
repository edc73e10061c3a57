"""Exceptions raised by the search package.

Every message is safe to log and to show: none contains a key, a token or a document's text.
"""

from __future__ import annotations

__all__ = [
    "FTS5UnavailableError",
    "IndexNotFoundError",
    "SearchBackendError",
    "SearchError",
    "ToolArgumentsError",
]


class SearchError(Exception):
    """Base class of the search package's errors."""


class FTS5UnavailableError(SearchError):
    """The interpreter's sqlite3 module was built without the FTS5 extension."""


class IndexNotFoundError(SearchError):
    """The index database does not exist or is not an index built by this package."""


class SearchBackendError(SearchError):
    """A backend failed to answer (service unreachable, refused, index missing, ...)."""


class ToolArgumentsError(SearchError, ValueError):
    """The model called the search tool with bad arguments.

    The message is written for the model: it says what was wrong and how to call the tool.
    """

"""Azure AI Search backend: the ``azure-search-documents`` async ``SearchClient``.

Authentication: an admin or query API key (``api-key`` header), or keyless Microsoft Entra ID
with an azure-identity async credential (the caller's, or ``DefaultAzureCredential`` created
and closed here); the identity needs the *Search Index Data Reader* role on the index.

Plain ``http://`` endpoints are accepted only on the loopback interface (127.0.0.1, ::1,
localhost), for local fakes: the SDK sends an API key over http without complaint but refuses
bearer tokens over http unless each request says ``enforce_https=False``, which this backend
does for loopback endpoints with a token credential only (the option is consumed by the token
policy; with a key it would reach the transport and fail). Anywhere else the endpoint must be
``https://``, so neither a key nor a token can travel in clear text.

The query is reduced to its meaningful words (``search.query.query_terms``) and sent as a
``simple`` query in ``any`` mode (OR of the words, ranked by the index's BM25); operators in the
user's text cannot reach the service. Index fields are mapped by ``AzureFieldMap``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import AzureError, HttpResponseError
from azure.search.documents.aio import SearchClient

from search.errors import SearchBackendError
from search.models import SearchHit
from search.query import query_terms

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.core.pipeline.transport import AsyncHttpTransport

__all__ = ["AzureFieldMap", "AzureSearchBackend", "AzureSearchConfig"]


@dataclass(frozen=True, slots=True)
class AzureFieldMap:
    """Names of the index fields holding each part of a hit. ``location`` may be ``None``
    (the hit's location is then its title)."""

    id: str = "id"
    title: str = "title"
    content: str = "content"
    location: str | None = "location"

    def select(self) -> list[str]:
        names = [self.id, self.title, self.content, self.location]
        return list(dict.fromkeys(n for n in names if n))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class AzureSearchConfig:
    """Where and how to query. ``api_key`` ``None``: keyless (Entra ID). ``timeout``: seconds
    for connecting and for reading; ``max_retries``: the SDK's retries on connection errors,
    429 and 5xx (with back-off; keep it low, a voice user is waiting)."""

    endpoint: str
    index_name: str
    api_key: str | None = field(default=None, repr=False)
    fields: AzureFieldMap = field(default_factory=AzureFieldMap)
    api_version: str | None = None
    timeout: float = 5.0
    max_retries: int = 1
    min_score: float = 0.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                f"Azure AI Search endpoint must look like https://NAME.search.windows.net, "
                f"got {self.endpoint!r}"
            )
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError(
                "Azure AI Search endpoint must use https:// (http:// is allowed only for "
                f"127.0.0.1/localhost), got {self.endpoint!r}"
            )
        if not self.index_name.strip():
            raise ValueError("Azure AI Search index name is empty")

    @property
    def plain_http(self) -> bool:
        return urlsplit(self.endpoint).scheme == "http"


class AzureSearchBackend:
    """``SearchBackend`` over an Azure AI Search index. Close it with ``aclose``."""

    def __init__(
        self,
        config: AzureSearchConfig,
        *,
        credential: AsyncTokenCredential | None = None,
        transport: AsyncHttpTransport[Any, Any] | None = None,
    ) -> None:
        self.config = config
        self._owned_credential: AsyncTokenCredential | None = None
        auth: AzureKeyCredential | AsyncTokenCredential
        if config.api_key:
            auth, self.auth = AzureKeyCredential(config.api_key), "api-key"
        elif credential is not None:
            auth, self.auth = credential, "entra-id"
        else:
            from azure.identity.aio import DefaultAzureCredential

            self._owned_credential = DefaultAzureCredential()
            auth, self.auth = self._owned_credential, "entra-id (DefaultAzureCredential)"
        options: dict[str, Any] = {
            "retry_total": config.max_retries,
            "connection_timeout": config.timeout,
            "read_timeout": config.timeout,
        }
        if config.api_version:
            options["api_version"] = config.api_version
        if transport is not None:
            options["transport"] = transport
        self._client = SearchClient(config.endpoint, config.index_name, auth, **options)
        # Only the bearer-token policy consumes this option; with a key it would reach aiohttp.
        token_over_http = config.plain_http and self.auth != "api-key"
        self._request_options: dict[str, Any] = {"enforce_https": False} if token_over_http else {}

    @property
    def name(self) -> str:
        return "azure"

    async def search(self, query: str, k: int = 3) -> list[SearchHit]:
        terms = query_terms(query)
        if not terms:
            return []
        top = max(1, min(int(k), 50))
        fields = self.config.fields
        hits: list[SearchHit] = []
        try:
            results = await self._client.search(
                " ".join(terms),
                top=top,
                select=fields.select(),
                search_mode="any",
                query_type="simple",
                **self._request_options,
            )
            async for document in results:
                hit = self._to_hit(document)
                if hit.score >= self.config.min_score:
                    hits.append(hit)
                if len(hits) == top:
                    break
        except AzureError as exc:
            raise self._error(exc) from exc
        return hits

    def _to_hit(self, document: dict[str, Any]) -> SearchHit:
        fields = self.config.fields
        title = str(document.get(fields.title) or "")
        location = document.get(fields.location) if fields.location else None
        return SearchHit(
            id=str(document.get(fields.id, "")),
            title=title,
            chunk=str(document.get(fields.content) or ""),
            location=str(location or title),
            score=float(document.get("@search.score") or 0.0),
        )

    def _error(self, exc: AzureError) -> SearchBackendError:
        where = f"index {self.config.index_name!r} at {self.config.endpoint}"
        if not isinstance(exc, HttpResponseError):
            reason = exc.message or type(exc).__name__
            return SearchBackendError(f"Azure AI Search unreachable for {where}: {reason}")
        status = f"HTTP {exc.status_code} {exc.reason or ''}".strip()
        if exc.status_code in (401, 403):
            hint = "check the API key, or the identity's Search Index Data Reader role"
            return SearchBackendError(
                f"Azure AI Search refused the credentials for {where} ({status}): {hint}"
            )
        if exc.status_code == 404:
            return SearchBackendError(f"Azure AI Search: {where} not found ({status})")
        detail = exc.error.message if exc.error is not None and exc.error.message else ""
        suffix = f": {detail}" if detail else ""
        return SearchBackendError(f"Azure AI Search failed for {where} ({status}){suffix}")

    def describe(self) -> dict[str, object]:
        fields = self.config.fields
        return {
            "backend": self.name,
            "engine": "Azure AI Search",
            "endpoint": self.config.endpoint,
            "index": self.config.index_name,
            "auth": self.auth,
            "fields": {
                "id": fields.id,
                "title": fields.title,
                "content": fields.content,
                "location": fields.location,
            },
        }

    async def aclose(self) -> None:
        await self._client.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()

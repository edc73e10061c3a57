"""A fake Azure AI Search service speaking the REST protocol the ``azure-search-documents``
SDK uses, on 127.0.0.1 over a real socket (aiohttp), for the Azure backend's tests::

    async with FakeAzureSearch(api_key="k", indexes={"kb": [{"id": "1", "title": ...}]}) as svc:
        config = AzureSearchConfig(endpoint=svc.base_url, index_name="kb", api_key="k")
        ...
        assert svc.requests[-1].headers["api-key"] == "k"

What the SDK (12.x, api-version 2026-04-01) sends for ``SearchClient.search`` and what the
fake checks:

- ``POST /indexes('{index}')/docs/search.post.search?api-version=...`` (the REST reference's
  ``/indexes/{index}/docs/search.post.search`` is accepted too); without ``api-version``: 400;
- authentication: header ``api-key`` (a wrong key: 403, none: 401, like the service) or, when
  the fake has a ``token``, ``Authorization: Bearer {token}``;
- a JSON body with camelCase fields (``search``, ``top``, ``skip``, ``select`` as
  ``"a,b"``, ``searchMode`` any|all, ``queryType``, ``searchFields``, ``count``...); a field
  the service does not know: 400; an unknown index: 404; any other path: 404.

Answer: ``{"@odata.context": ..., "value": [{"@search.score": s, <selected fields>}, ...]}``
(plus ``@odata.count`` when ``count`` is true), best first. The score is a small BM25-like
sum of term frequencies over the searchable (string) fields, good enough to order results.
Errors use the service's body ``{"error": {"code": ..., "message": ...}}``.

Failure injection: ``fail_status`` (and ``fail_message``) answers every search with that
status; ``delay`` holds each answer that many seconds. Every request is kept in
``requests`` (method, path, query, headers, parsed JSON body).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

__all__ = ["FakeAzureSearch", "RecordedRequest"]

_SEARCH_PATH = re.compile(r"^/indexes(?:\('([^']+)'\)|/([^/]+))/docs/search\.post\.search$")
_WORD = re.compile(r"[^\W_]+")
_KNOWN_FIELDS = {
    "count", "facets", "filter", "highlight", "highlightPostTag", "highlightPreTag",
    "minimumCoverage", "orderby", "queryType", "scoringParameters", "scoringProfile",
    "semanticQuery", "search", "searchFields", "searchMode", "select", "skip", "top",
    "scoringStatistics", "sessionId", "vectorQueries", "vectorFilterMode", "answers",
    "captions", "semanticConfiguration", "semanticErrorHandling",
    "semanticMaxWaitInMilliseconds", "debug", "queryLanguage", "speller",
}  # fmt: skip


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


def _error(status: int, message: str, code: str = "") -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class FakeAzureSearch:
    """The fake service; ``indexes`` maps an index name to its documents (plain dicts)."""

    api_key: str | None = "fake-search-key"
    token: str | None = None
    indexes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    service_name: str = "fake-search"
    fail_status: int | None = None
    fail_message: str = "The service is temporarily unavailable."
    delay: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeAzureSearch:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeAzureSearch:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _authorised(self, request: web.Request) -> web.Response | None:
        key = request.headers.get("api-key")
        bearer = request.headers.get("Authorization", "")
        if key is not None:
            if self.api_key is None or key != self.api_key:
                return _error(403, "Authorization failed.")
            return None
        if bearer.startswith("Bearer ") and self.token is not None:
            if bearer.removeprefix("Bearer ") != self.token:
                return _error(403, "Authorization failed.")
            return None
        return _error(401, "Authentication is required.")

    async def _handle(self, request: web.Request) -> web.Response:
        body: Any = None
        raw = await request.read()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        self.requests.append(
            RecordedRequest(
                request.method, request.path, dict(request.query), dict(request.headers), body
            )
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        match = _SEARCH_PATH.match(request.path)
        if request.method != "POST" or match is None:
            return _error(404, f"Resource not found: {request.method} {request.path}")
        if "api-version" not in request.query:
            return _error(
                400,
                "The api-version query parameter (?api-version=) is required for all requests.",
                "MissingApiVersionParameter",
            )
        refused = self._authorised(request)
        if refused is not None:
            return refused
        index = match.group(1) or match.group(2)
        if index not in self.indexes:
            return _error(
                404, f"The index '{index}' for service '{self.service_name}' was not found."
            )
        if self.fail_status is not None:
            return _error(self.fail_status, self.fail_message)
        if not isinstance(body, dict):
            return _error(400, "The request is invalid. Details: the body must be a JSON object.")
        unknown = sorted(set(body) - _KNOWN_FIELDS)
        if unknown:
            return _error(
                400,
                f"The request is invalid. Details: parameters : The parameter '{unknown[0]}' "
                "in the request payload is not a valid parameter for the operation 'search'.",
            )
        return web.json_response(self._search(request, index, body))

    def _search(self, request: web.Request, index: str, body: dict[str, Any]) -> dict[str, Any]:
        documents = self.indexes[index]
        terms = list(dict.fromkeys(_words(str(body.get("search") or ""))))
        fields = [f for f in str(body.get("searchFields") or "").split(",") if f]
        mode = str(body.get("searchMode") or "any")
        scored: list[tuple[float, dict[str, Any]]] = []
        for document in documents:
            text = [
                _words(str(value))
                for name, value in document.items()
                if isinstance(value, str) and (not fields or name in fields)
            ]
            words = [w for field_words in text for w in field_words]
            if not terms:
                scored.append((1.0, document))
                continue
            hits = {t: words.count(t) for t in terms}
            matched = [t for t, n in hits.items() if n]
            if not matched or (mode == "all" and len(matched) < len(terms)):
                continue
            df = {t: sum(1 for d in documents if t in _words(json.dumps(d))) for t in matched}
            score = sum(
                math.log(1 + len(documents) / df[t]) * hits[t] / (hits[t] + 1.2) for t in matched
            )
            scored.append((round(score, 6), document))
        scored.sort(key=lambda pair: -pair[0])
        skip = int(body.get("skip") or 0)
        top = int(body.get("top") or 50)
        select = [f for f in str(body.get("select") or "").split(",") if f]
        value = [
            {
                "@search.score": score,
                **{k: v for k, v in document.items() if not select or k in select},
            }
            for score, document in scored[skip : skip + top]
        ]
        answer: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/indexes('{index}')/$metadata#docs(*)",
            "value": value,
        }
        if body.get("count"):
            answer["@odata.count"] = len(scored)
        return answer

"""The Azure AI Search backend, through the real SDK, against the fake service on 127.0.0.1."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from search import SearchBackend, SearchBackendError
from search.azure_backend import AzureFieldMap, AzureSearchBackend, AzureSearchConfig
from tests.fakes.fake_azure_search import FakeAzureSearch


class StaticToken:
    """An azure-identity-like async credential handing out one token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, 2**31)

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> StaticToken:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def backend_for(svc: FakeAzureSearch, **overrides: Any) -> AzureSearchBackend:
    options: dict[str, Any] = {
        "endpoint": svc.base_url,
        "index_name": "kb",
        "api_key": "test-key",
        "max_retries": 0,
        **overrides,
    }
    return AzureSearchBackend(AzureSearchConfig(**options))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_hits_are_mapped_and_the_request_is_what_the_service_expects(
    fake_azure: FakeAzureSearch,
) -> None:
    backend = backend_for(fake_azure)
    try:
        assert isinstance(backend, SearchBackend)
        hits = await backend.search('What are your "opening" hours? AND NEAR(*)', k=2)
    finally:
        await backend.aclose()
    assert [h.id for h in hits] == ["hours-1"]
    hit = hits[0]
    assert hit.title == "Opening hours"
    assert hit.chunk.startswith("We open at nine")
    assert hit.location == "opening-hours.md > Opening hours"
    assert hit.score > 0
    (request,) = fake_azure.requests
    assert request.method == "POST"
    assert request.path == "/indexes('kb')/docs/search.post.search"
    assert request.query["api-version"]
    assert request.headers["api-key"] == "test-key"
    assert "Authorization" not in request.headers
    assert request.body == {
        "search": "opening hours near",
        "searchMode": "any",
        "queryType": "simple",
        "select": "id,title,content,location",
        "top": 2,
    }


async def test_field_mapping_and_a_missing_location(fake_azure: FakeAzureSearch) -> None:
    fake_azure.indexes["docs"] = [
        {"key": "a1", "heading": "Returns", "body": "Return shoes within thirty days."}
    ]
    fields = AzureFieldMap(id="key", title="heading", content="body", location=None)
    backend = backend_for(fake_azure, index_name="docs", fields=fields)
    try:
        (hit,) = await backend.search("return shoes")
        assert (hit.id, hit.title, hit.chunk, hit.location) == (
            "a1",
            "Returns",
            "Return shoes within thirty days.",
            "Returns",
        )
        assert fake_azure.requests[-1].body["select"] == "key,heading,body"
        assert backend.describe()["fields"] == {
            "id": "key",
            "title": "heading",
            "content": "body",
            "location": None,
        }
    finally:
        await backend.aclose()


async def test_min_score_and_a_query_without_words(fake_azure: FakeAzureSearch) -> None:
    backend = backend_for(fake_azure, min_score=1000.0)
    try:
        assert await backend.search("opening hours") == []
        count = len(fake_azure.requests)
        assert await backend.search("what is it?") == []
        assert len(fake_azure.requests) == count  # nothing sent
    finally:
        await backend.aclose()


async def test_a_wrong_key_is_a_clear_error_without_the_key(fake_azure: FakeAzureSearch) -> None:
    backend = backend_for(fake_azure, api_key="wrong-secret-value")
    try:
        with pytest.raises(SearchBackendError) as caught:
            await backend.search("opening hours")
    finally:
        await backend.aclose()
    message = str(caught.value)
    assert "refused the credentials" in message and "403" in message
    assert "wrong-secret-value" not in message and "test-key" not in message


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"index_name": "missing"}, "index 'missing' at http://127.0.0.1:"),
        ({"fail_status": 503}, "failed for index 'kb'"),
        ({"fail_status": 400}, "(HTTP 400"),
    ],
)
async def test_service_errors_become_search_backend_errors(
    fake_azure: FakeAzureSearch, setup: dict[str, Any], expected: str
) -> None:
    fake_azure.fail_status = setup.get("fail_status")
    backend = backend_for(fake_azure, index_name=setup.get("index_name", "kb"))
    try:
        with pytest.raises(SearchBackendError, match="Azure AI Search") as caught:
            await backend.search("opening hours")
    finally:
        await backend.aclose()
    assert expected in str(caught.value)
    assert len(fake_azure.requests) == 1  # max_retries=0: no retry


async def test_an_unreachable_service_is_a_search_backend_error() -> None:
    config = AzureSearchConfig(
        endpoint=f"http://127.0.0.1:{closed_port()}", index_name="kb", api_key="k", max_retries=0
    )
    backend = AzureSearchBackend(config)
    try:
        with pytest.raises(SearchBackendError, match="unreachable"):
            await backend.search("opening hours")
    finally:
        await backend.aclose()


async def test_keyless_entra_id_sends_a_bearer_token_on_loopback_http() -> None:
    credential = StaticToken("entra-token")
    async with FakeAzureSearch(api_key=None, token="entra-token", indexes={"kb": []}) as svc:
        svc.indexes["kb"].append({"id": "1", "title": "Hours", "content": "open daily"})
        config = AzureSearchConfig(endpoint=svc.base_url, index_name="kb", max_retries=0)
        backend = AzureSearchBackend(config, credential=credential)
        try:
            hits = await backend.search("hours")
        finally:
            await backend.aclose()
    assert [h.id for h in hits] == ["1"]
    assert svc.requests[0].headers["Authorization"] == "Bearer entra-token"
    assert "api-key" not in svc.requests[0].headers
    assert credential.scopes == [("https://search.azure.com/.default",)]
    assert backend.describe()["auth"] == "entra-id"
    assert not credential.closed  # the caller's credential is the caller's to close


async def test_without_key_or_credential_default_azure_credential_is_used_and_closed() -> None:
    config = AzureSearchConfig(endpoint="https://example.search.windows.net", index_name="kb")
    backend = AzureSearchBackend(config)
    assert backend.describe()["auth"] == "entra-id (DefaultAzureCredential)"
    await backend.aclose()


def test_config_validation_and_no_secret_in_repr_or_describe() -> None:
    for endpoint in ("http://example.search.windows.net", "ftp://x", "example.net", "http://"):
        with pytest.raises(ValueError, match="endpoint"):
            AzureSearchConfig(endpoint=endpoint, index_name="kb", api_key="k")
    with pytest.raises(ValueError, match="index name"):
        AzureSearchConfig(endpoint="https://x.search.windows.net", index_name=" ")
    for endpoint in ("http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"):
        assert AzureSearchConfig(endpoint=endpoint, index_name="kb").plain_http
    config = AzureSearchConfig(
        endpoint="https://x.search.windows.net", index_name="kb", api_key="super-secret"
    )
    assert "super-secret" not in repr(config)
    backend = AzureSearchBackend(config)
    info = backend.describe()
    assert "super-secret" not in repr(info)
    assert info["backend"] == "azure" and info["auth"] == "api-key"
    assert info["endpoint"] == "https://x.search.windows.net" and info["index"] == "kb"

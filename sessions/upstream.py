"""The upstream connector: one code path over aiohttp's WebSocket client for every mode."""

from __future__ import annotations

import asyncio
from typing import cast
from urllib.parse import urlencode

import aiohttp

from sessions.config import TokenProvider, UpstreamTarget
from sessions.errors import ErrorCode

UPSTREAM_MAX_MSG_SIZE = 16 * 1024 * 1024
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013

# HTTP status of a refused handshake -> (code, human message, close code for the client).
_HANDSHAKE_FAILURES: dict[int, tuple[ErrorCode, str, int]] = {
    401: (
        ErrorCode.UPSTREAM_AUTH_FAILED,
        "the speech service refused the service's credentials (401); check the API key or "
        "the Entra ID role assignment",
        CLOSE_INTERNAL_ERROR,
    ),
    403: (
        ErrorCode.UPSTREAM_FORBIDDEN,
        "the speech service denied access (403); check the resource's network rules and roles",
        CLOSE_INTERNAL_ERROR,
    ),
    404: (
        ErrorCode.UPSTREAM_NOT_FOUND,
        "the speech service does not know this endpoint or deployment (404)",
        CLOSE_INTERNAL_ERROR,
    ),
    429: (
        ErrorCode.UPSTREAM_RATE_LIMITED,
        "the speech service is rate limiting (429); try again shortly",
        CLOSE_TRY_AGAIN_LATER,
    ),
}


class UpstreamConnectError(Exception):
    """The upstream leg could not be opened; carries what to tell the client (never a secret)."""

    def __init__(self, code: ErrorCode, message: str, close_code: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close_code = close_code


def websocket_base(endpoint: str) -> str:
    """`https://host` -> `wss://host`, `http://host:port` -> `ws://host:port`."""
    scheme, rest = endpoint.rstrip("/").split("://", 1)
    return ("wss" if scheme == "https" else "ws") + "://" + rest


def local_engine_url(host: str, port: int, path: str) -> str:
    """The engine on this very server, at the local address a client connection reached."""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"ws://{host}:{port}{path}"


def azure_openai_target(
    endpoint: str, deployment: str, api_key: str | None, token_provider: TokenProvider | None
) -> UpstreamTarget:
    url = f"{websocket_base(endpoint)}/openai/v1/realtime?" + urlencode({"model": deployment})
    return UpstreamTarget(url=url, api_key=api_key, token_provider=token_provider)


def voice_live_target(
    endpoint: str,
    model: str,
    api_version: str,
    api_key: str | None,
    token_provider: TokenProvider | None,
) -> UpstreamTarget:
    query = urlencode({"api-version": api_version, "model": model})
    url = f"{websocket_base(endpoint)}/voice-live/realtime?{query}"
    return UpstreamTarget(url=url, api_key=api_key, token_provider=token_provider, voice_live=True)


async def _auth_headers(target: UpstreamTarget) -> dict[str, str]:
    if target.api_key:
        return {"api-key": target.api_key}
    if target.token_provider is None:
        return {}
    try:
        token = await target.token_provider()
    except Exception as error:  # azure-identity raises many types; none may leak a secret
        raise UpstreamConnectError(
            ErrorCode.UPSTREAM_AUTH_FAILED,
            f"could not get an Entra ID token for the speech service ({type(error).__name__}); "
            "set the API key or sign in (az login / managed identity)",
            CLOSE_INTERNAL_ERROR,
        ) from None
    return {"Authorization": f"Bearer {token}"}


def upstream_transport(ws: aiohttp.ClientWebSocketResponse) -> asyncio.Transport | None:
    """The transport under an upstream WebSocket, for flow control and for aborting a peer
    that does not take a close frame. aiohttp keeps it on the connection it holds (`_conn`)
    and has no public accessor; None (the caller then queues every write) if that changes."""
    connection = getattr(ws, "_conn", None)
    transport = getattr(connection, "transport", None)
    # uvloop's transports do not derive from asyncio.Transport: check the methods instead.
    if transport is None or not hasattr(transport, "get_write_buffer_size"):
        return None
    return cast(asyncio.Transport, transport)


async def connect_upstream(
    http: aiohttp.ClientSession, target: UpstreamTarget, timeout: float, heartbeat: float = 0.0
) -> aiohttp.ClientWebSocketResponse:
    """Open the upstream WebSocket (no permessage-deflate) or raise UpstreamConnectError.

    With `heartbeat` > 0 the leg is pinged that often; a peer that does not answer within
    half of it ends the socket with `aiohttp.ServerTimeoutError`."""
    if target.unavailable_reason:
        raise UpstreamConnectError(
            ErrorCode.UPSTREAM_NOT_CONFIGURED, target.unavailable_reason, CLOSE_INTERNAL_ERROR
        )
    where = target.describe()
    try:
        async with asyncio.timeout(timeout):
            headers = await _auth_headers(target)
            return await http.ws_connect(
                target.url,
                headers=headers,
                compress=0,
                autoping=True,
                heartbeat=heartbeat or None,
                max_msg_size=UPSTREAM_MAX_MSG_SIZE,
            )
    except aiohttp.WSServerHandshakeError as error:
        code, message, close_code = _HANDSHAKE_FAILURES.get(
            error.status,
            (
                (ErrorCode.UPSTREAM_UNAVAILABLE, "the speech service is unavailable", 1013)
                if error.status >= 500
                else (ErrorCode.UPSTREAM_HANDSHAKE_FAILED, "the handshake was refused", 1011)
            ),
        )
        if error.status not in _HANDSHAKE_FAILURES:
            message = f"{message} (HTTP {error.status})"
        raise UpstreamConnectError(code, f"{message} at {where}", close_code) from None
    except TimeoutError:
        raise UpstreamConnectError(
            ErrorCode.UPSTREAM_TIMEOUT,
            f"the speech service at {where} did not answer within {timeout:g} s",
            CLOSE_TRY_AGAIN_LATER,
        ) from None
    except (aiohttp.ClientError, OSError) as error:
        raise UpstreamConnectError(
            ErrorCode.UPSTREAM_UNAVAILABLE,
            f"could not reach the speech service at {where} ({type(error).__name__})",
            CLOSE_TRY_AGAIN_LATER,
        ) from None

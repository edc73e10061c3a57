"""A bare pass-through relay, the benchmark's yardstick: per client WebSocket on ``/realtime``,
one upstream WebSocket; frames are forwarded both ways untouched, nothing is parsed.

Both legs are aiohttp without permessage-deflate, as in the real relay::

    python -m scripts.bench.bare_relay --port 9000 --upstream ws://127.0.0.1:8765/openai/v1/realtime?model=x

Serves until SIGTERM / Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

import aiohttp
from aiohttp import WSMsgType, web

MAX_MSG_SIZE = 16 * 1024 * 1024
UPSTREAM: web.AppKey[str] = web.AppKey("upstream", str)
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http", aiohttp.ClientSession)


async def _forward(
    source: aiohttp.ClientWebSocketResponse | web.WebSocketResponse,
    target: aiohttp.ClientWebSocketResponse | web.WebSocketResponse,
) -> None:
    async for message in source:
        if message.type is WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type is WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:
            break


async def realtime(request: web.Request) -> web.WebSocketResponse:
    client = web.WebSocketResponse(compress=False, max_msg_size=MAX_MSG_SIZE)
    await client.prepare(request)
    try:
        upstream = await request.app[HTTP].ws_connect(
            request.app[UPSTREAM], compress=0, max_msg_size=MAX_MSG_SIZE
        )
    except (aiohttp.ClientError, OSError):
        await client.close(code=1011)
        return client
    back = asyncio.create_task(_forward(upstream, client))
    try:
        await _forward(client, upstream)
    finally:
        await upstream.close()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(back, 1.0)
        await client.close()
    return client


async def _http(app: web.Application):  # type: ignore[no-untyped-def]
    app[HTTP] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    yield
    await app[HTTP].close()


async def serve(port: int, upstream: str) -> None:
    app = web.Application()
    app[UPSTREAM] = upstream
    app.router.add_get("/realtime", realtime)
    app.cleanup_ctx.append(_http)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=2048).start()
    print(f"bare relay listening on http://127.0.0.1:{port} -> {upstream}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.bare_relay")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="ws:// URL of the upstream")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.upstream))


if __name__ == "__main__":
    main()

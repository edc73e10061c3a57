"""`python -m app` / `botify-realtime`: start the service."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from aiohttp import web

from app.config import VARIABLES, ConfigError, load_settings
from app.malloc_tuning import tune_malloc
from app.web_app import make_app

log = logging.getLogger("app")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    epilog = "Configuration comes from the environment (and .env):\n" + "\n".join(
        f"  {name:<46} {text}" + (f" [default {default}]" if default else "")
        for name, default, text in VARIABLES
    )
    parser = argparse.ArgumentParser(
        prog="botify-realtime",
        description="Botify Realtime: a WebSocket relay between voice front-ends and a "
        "realtime speech model.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser.parse_args(argv)


def _use_uvloop() -> str:
    """uvloop where it is installed (a dependency on Linux): about a quarter less CPU per
    relayed frame. Plain asyncio elsewhere."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def main(argv: list[str] | None = None) -> None:
    _parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("transitions").setLevel(logging.WARNING)  # per-trigger chatter
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"botify-realtime: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    tune_malloc()
    loop_kind = _use_uvloop()
    log.info(
        "upstream: %s (speech engine %s, event loop %s); listening on http://%s:%d (docs at /docs)",
        settings.upstream_mode.value,
        settings.speech_engine,
        loop_kind,
        settings.host,
        settings.port,
    )
    web.run_app(
        make_app(settings),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=5.0,
        print=None,
        access_log=None,
    )
    log.info("stopped")


if __name__ == "__main__":
    main()

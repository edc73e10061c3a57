"""A real `python -m app` (embedded engine, no Azure) on a free port, for the CLI client tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Service:
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/realtime"


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"python -m app exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"python -m app did not answer /healthz:\n{log.read_text()}")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service with its embedded engine answering as fast as it synthesises."""
    home = tmp_path_factory.mktemp("service")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "SPEECH_"))}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        CACHE_DIR=str(home / "cache"),
        DEBOUNCE_DELAY="0.3",
        THROTTLE_MIN_INTERVAL="1",
        ENGINE_REALTIME_PACING="0",
        PYTHONPATH=str(REPO),
    )
    log = home / "app.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app"], cwd=home, env=env, stdout=out, stderr=out
        )
    try:
        _wait_healthy(port, proc, log, limit=30)
        yield Service(port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

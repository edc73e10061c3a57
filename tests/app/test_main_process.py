"""`python -m app` as a real process: serves /healthz, exits 0 on SIGTERM, 2 on bad config."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "SPEECH_"))}
    cache = str(Path(tempfile.gettempdir()) / "botify-realtime-test-cache")
    return {**keep, "HOST": "127.0.0.1", "CACHE_DIR": cache, **extra}


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], limit: float = 20.0) -> bytes:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                return bytes(r.read())
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the service did not answer /healthz")


def test_python_m_app_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=tmp_path,  # no .env there
        env=_env(PORT=str(port), PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert b'"ok"' in _wait_healthy(port, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"DEBOUNCE_DELAY": "soon"}, "DEBOUNCE_DELAY: invalid value 'soon'"),
        ({"AZURE_OPENAI_API_KEY": "topsecret"}, "AZURE_OPENAI_ENDPOINT: missing"),
    ],
)
def test_bad_configuration_exits_2_with_one_line(
    tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(REPO), **env),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "topsecret" not in result.stderr + result.stdout

"""The processes under test: an upstream (echo or turns), the target in front of it (bare
pass-through or the real relay), and waiting for a quiet machine before each run."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from scripts.bench import procs
from scripts.bench.options import Options
from scripts.bench.procs import log


class Launcher:
    def __init__(self, options: Options, children: procs.Children, work: Path) -> None:
        self.o = options
        self.children = children
        self.work = work

    def start_upstream(self, kind: str, stats_path: Path | None = None) -> tuple[procs.Child, int]:
        port = procs.free_port()
        if kind == "echo":
            argv = [
                sys.executable,
                "-m",
                "tests.fakes.fake_upstream",
                "--port",
                str(port),
            ]
            argv += ["--mode", "echo", "--no-deflate"]
        else:
            argv = [
                sys.executable,
                "-m",
                "scripts.bench.turn_upstream",
                "--port",
                str(port),
            ]
            argv += [
                "--debounce",
                str(self.o.debounce_delay),
                "--throttle",
                str(self.o.throttle),
            ]
            if stats_path is not None:
                argv += ["--stats", str(stats_path)]
        child = self.children.start(f"upstream-{kind}-{port}", argv)
        self._wait_listening(child, port)
        return child, port

    def start_target(
        self, target: str, upstream_port: int, recordings: Path | None = None
    ) -> tuple[procs.Child | None, str]:
        """The process under test (None for direct) and the URL clients connect to."""
        upstream_url = f"ws://127.0.0.1:{upstream_port}/openai/v1/realtime?model=x"
        if target == "direct":
            return None, upstream_url
        port = procs.free_port()
        if target == "bare":
            argv = [
                sys.executable,
                "-m",
                "scripts.bench.bare_relay",
                "--port",
                str(port),
            ]
            child = self.children.start(f"bare-{port}", [*argv, "--upstream", upstream_url])
        else:
            env = {
                "AZURE_OPENAI_ENDPOINT": f"http://127.0.0.1:{upstream_port}",
                "AZURE_OPENAI_REALTIME_DEPLOYMENT": "x",
                "AZURE_OPENAI_API_KEY": "x",
                "SPEECH_ENGINE": "openai",
                "AZURE_SPEECH_SERVICES_ENDPOINT": "",
                "AZURE_SPEECH_SERVICES_KEY": "",
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "MAX_SESSIONS": "100000",
                "RECORD_AUDIO": "0",
                "RECORDINGS_DIR": str(recordings) if recordings is not None else "",
            }
            env.update(self.o.relay_env)
            if recordings is not None:
                env["DEBOUNCE_DELAY"] = str(self.o.debounce_delay)
                env["THROTTLE_MIN_INTERVAL"] = str(self.o.throttle)
            # cwd: an empty folder, so that no .env of the work tree changes the settings.
            child = self.children.start(
                f"relay-{port}", [sys.executable, "-m", "app"], env=env, cwd=self.work
            )
        self._wait_listening(child, port)
        return child, f"ws://127.0.0.1:{port}/realtime"

    def _wait_listening(self, child: procs.Child, port: int) -> None:
        try:
            procs.wait_for_port(child, port)
        except (RuntimeError, TimeoutError):
            self.children.stop(child)
            raise

    def wait_quiet(self) -> float:
        """Wait (up to --quiet-wait s) until other processes leave the machine nearly idle:
        the benchmark shares its CPUs with whatever else runs. Returns their last load."""
        deadline = time.monotonic() + self.o.quiet_wait
        load = procs.other_load(0.5)
        warned = False
        while load > self.o.quiet_cpus and time.monotonic() < deadline:
            if not warned:
                log(f"    the machine is busy ({load:.2f} CPUs used by others): waiting")
                warned = True
            load = procs.other_load(1.0)
        if load > self.o.quiet_cpus:
            log(f"    measuring anyway with {load:.2f} CPUs busy elsewhere")
        return load


def check_alive(started: list[procs.Child]) -> None:
    """A run whose target or upstream died (or was killed) on the way does not count."""
    for child in started:
        if not child.alive():
            raise RuntimeError(
                f"{child.name} exited with {child.proc.returncode} during the run:\n"
                + child.log_tail(5)
            )

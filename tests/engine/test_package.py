"""The engine package imports nothing heavy and says what the speech components need."""

from __future__ import annotations

import subprocess
import sys

import engine


def test_names_load_lazily() -> None:
    code = "import engine, sys; print('numpy' in sys.modules, 'webrtcvad' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]
    assert engine.ServerVad.__module__ == "engine.vad"
    assert engine.Synthesizer.__module__ == "engine.synthesizer"
    assert engine.Recognizer.__module__ == "engine.recognizer"


def test_dependencies_are_installed_here() -> None:
    assert engine.missing_dependencies() == []
    assert set(engine.LOCAL_EXTRA.values()) == {
        "numpy",
        "pocketsphinx",
        "espeakng-loader",
        "webrtcvad-wheels",
    }

"""The embedded offline Realtime engine.

Speech components (they need the ``local`` extra: pocketsphinx, espeakng-loader,
webrtcvad-wheels, numpy):

- :mod:`engine.audio`: pcm16 helpers, band-limited resampling, WAV reading;
- :mod:`engine.vad`: :class:`~engine.vad.ServerVad`, server_vad turn detection;
- :mod:`engine.recognizer`: :class:`~engine.recognizer.Recognizer` (pocketsphinx) with a
  language model built from the knowledge base (:mod:`engine.language_model`);
- :mod:`engine.synthesizer`: :class:`~engine.synthesizer.Synthesizer` (espeak-ng).

Importing this package imports none of them (so the protocol modules and the app can be
imported without the extra); the names below load on first use, and
:func:`missing_dependencies` tells which distributions are absent.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.recognizer import Recognizer, Transcript
    from engine.synthesizer import VOICES, Synthesizer
    from engine.vad import ServerVad, SpeechStarted, SpeechStopped, VadEvent

__all__ = [
    "LOCAL_EXTRA",
    "VOICES",
    "Recognizer",
    "ServerVad",
    "SpeechStarted",
    "SpeechStopped",
    "Synthesizer",
    "Transcript",
    "VadEvent",
    "missing_dependencies",
]

LOCAL_EXTRA: dict[str, str] = {
    "numpy": "numpy",
    "pocketsphinx": "pocketsphinx",
    "espeakng_loader": "espeakng-loader",
    "webrtcvad": "webrtcvad-wheels",
}
"""Import name -> distribution of the speech components' dependencies."""

_LAZY = {
    "Recognizer": "engine.recognizer",
    "Transcript": "engine.recognizer",
    "Synthesizer": "engine.synthesizer",
    "VOICES": "engine.synthesizer",
    "ServerVad": "engine.vad",
    "SpeechStarted": "engine.vad",
    "SpeechStopped": "engine.vad",
    "VadEvent": "engine.vad",
}


def missing_dependencies() -> list[str]:
    """Distributions of the ``local`` extra that are not installed (empty when ready)."""
    return [dist for name, dist in LOCAL_EXTRA.items() if importlib.util.find_spec(name) is None]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""The command-line Realtime client's reusable parts (``scripts/realtime_client.py`` is the CLI).

- :mod:`scripts.client.audio`: the audio to send (WAV files, sentences synthesised offline),
  real-time pacing on absolute deadlines, saving the reply as a WAV;
- :mod:`scripts.client.render`: readable lines or JSON lines for the events received;
- :mod:`scripts.client.session`: one turn with ``/realtime`` and its :class:`ExitCode`.

Only ``aiohttp`` is needed to import them; the speech libraries (the ``local`` extra) load
only for ``--say``, and numpy only to convert a WAV that is not 16-bit 24 kHz mono.
"""

from scripts.client.audio import AudioInput, AudioSourceError, load_wav, stream_paced, synthesise
from scripts.client.render import Printer, summarise
from scripts.client.session import ClientOptions, ExitCode, RunResult, run_turn

__all__ = [
    "AudioInput",
    "AudioSourceError",
    "ClientOptions",
    "ExitCode",
    "Printer",
    "RunResult",
    "load_wav",
    "run_turn",
    "stream_paced",
    "summarise",
    "synthesise",
]

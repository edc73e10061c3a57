"""Offline speech recognition of committed utterances with pocketsphinx.

One :class:`Recognizer` owns one pocketsphinx ``Decoder`` (US-English acoustic model from
the wheel, a domain language model from :mod:`engine.language_model`, 16 kHz input).  A
decoder is not re-entrant, so :meth:`Recognizer.transcribe` holds the recognizer's lock
(the server calls it through ``asyncio.to_thread``).

pocketsphinx keeps the GIL for the whole of each call (two threads on two Recognizers
took as long as one after the other): fed a whole utterance at once, a decode froze every
other thread, the event loop included, for its whole duration (~110 ms for 2 s of speech).
So the search is fed 100 ms pieces, and other threads run between them.  Decoding on more
than one core needs processes, not threads.

Fed in pieces, pocketsphinx can only normalise the cepstra with a running mean (live CMN)
that starts from a fixed guess or from the previous utterance: key-word hits fell from 100%
to 60% on the test question in ten voices, and results depended on what came before.  So
each utterance first goes through a probe: the same decoder with a one-word grammar
computes the utterance's own cepstral mean (batch CMN, as when decoding in one call; the
probe's call holds the GIL ~5 ms per second of audio), which seeds the real search.
Results are then as accurate as a one-call decode and independent of history.  (Once fed
a partial block, pocketsphinx switches its feature module to live CMN for good, so the
feature module is re-initialised, 0.07 ms, before each probe.)

Decoder defaults (measured with scripts/bench_speech.py): ``fwdflat=False`` (the second,
flat-lexicon pass) decodes ~40% faster with no loss of accuracy on this task.  Each
utterance is padded with ``pad_ms`` (200) of very quiet noise (-70 dBFS) on both sides:
the acoustic model expects some silence around speech, and VAD utterances end right where
the speech ends; this raised key-word hits from ~55% to ~64% on synthetic questions.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.audio import PROTOCOL_RATE, pcm16_to_array, resample
from engine.language_model import LanguageModel, build_language_model

DECODER_RATE = 16_000
_FILLER = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE = re.compile(r"\(\d+\)$")
DEFAULT_DECODER_OPTIONS: dict[str, object] = {"loglevel": "FATAL", "fwdflat": False}
_FEED_SAMPLES = DECODER_RATE // 10  # 100 ms per process_raw call (see the module docstring)
_PAD_LEVEL = 10.0  # standard deviation of the padding noise, in pcm16 steps (~ -70 dBFS)
_PROBE = "cmn_probe"


@dataclass(frozen=True)
class Transcript:
    """What was recognised in one utterance.

    ``seconds`` is the audio's duration, ``decode_seconds`` the time spent decoding it
    (their ratio is the real-time factor).
    """

    text: str
    words: list[str] = field(default_factory=list)
    seconds: float = 0.0
    decode_seconds: float = 0.0


class RecognizerUnavailable(RuntimeError):
    """pocketsphinx is not installed (the ``local`` extra)."""


class Recognizer:
    """Transcribes pcm16 24 kHz utterances with a domain language model."""

    def __init__(
        self,
        lm_path: Path | str,
        dict_path: Path | str,
        *,
        model: LanguageModel | None = None,
        decoder_options: dict[str, object] | None = None,
        pad_ms: int = 200,
    ) -> None:
        try:
            from pocketsphinx import Decoder  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RecognizerUnavailable(
                "pocketsphinx is not installed: pip install 'botify-realtime[local]'"
            ) from exc
        options = {**DEFAULT_DECODER_OPTIONS, **(decoder_options or {})}
        self.model = model
        noise = np.random.default_rng(0).normal(0.0, _PAD_LEVEL, DECODER_RATE * pad_ms // 1000)
        self._padding = np.clip(np.rint(noise), -32768, 32767).astype(np.int16)
        self._decoder = Decoder(
            lm=str(lm_path), dict=str(dict_path), samprate=DECODER_RATE, **options
        )
        self._search = self._decoder.current_search()
        probe_word = _first_word(Path(dict_path))
        self._decoder.add_jsgf_string(
            _PROBE, f"#JSGF V1.0; grammar probe; public <any> = {probe_word};"
        )
        self._decoder.activate_search(self._search)
        self._lock = threading.Lock()

    @classmethod
    def from_corpus(
        cls,
        texts: Iterable[str],
        extra_sentences: Iterable[str] = (),
        *,
        cache_dir: Path | str | None = None,
        n_questions: int | None = None,
        decoder_options: dict[str, object] | None = None,
    ) -> Recognizer:
        """A recognizer whose language model is built from ``texts`` (Markdown or plain
        text, e.g. the knowledge base's documents) plus ``extra_sentences``."""
        kwargs: dict[str, int] = {} if n_questions is None else {"n_questions": n_questions}
        model = build_language_model(texts, extra_sentences, cache_dir=cache_dir, **kwargs)
        return cls(model.lm_path, model.dict_path, model=model, decoder_options=decoder_options)

    def transcribe(self, pcm16_24k: bytes) -> Transcript:
        """Recognise one utterance of pcm16 mono 24 kHz audio (thread-safe)."""
        samples = pcm16_to_array(pcm16_24k)
        seconds = len(samples) / PROTOCOL_RATE
        if len(samples) == 0:
            return Transcript("", [], 0.0, 0.0)
        speech = resample(samples, PROTOCOL_RATE, DECODER_RATE)
        audio16 = np.concatenate([self._padding, speech, self._padding]).tobytes()
        step = _FEED_SAMPLES * 2
        decoder = self._decoder
        with self._lock:
            started = time.perf_counter()
            decoder.reinit_feat()  # back to batch CMN (a piecewise feed switches it to live)
            decoder.activate_search(_PROBE)
            decoder.start_utt()
            decoder.process_raw(audio16, True, True)  # features and batch CMN only
            cepstral_mean = decoder.get_cmn(False)  # before end_utt blends in the past
            decoder.end_utt()
            decoder.activate_search(self._search)
            decoder.set_cmn(cepstral_mean)
            decoder.start_utt()
            for offset in range(0, len(audio16), step):
                decoder.process_raw(audio16[offset : offset + step], False, False)
            decoder.end_utt()
            words = [
                _ALTERNATE.sub("", seg.word) for seg in decoder.seg() if not _FILLER.match(seg.word)
            ]
            elapsed = time.perf_counter() - started
        return Transcript(" ".join(words), words, seconds, elapsed)


def _first_word(dict_path: Path) -> str:
    """A word of the dictionary (for the probe grammar)."""
    with open(dict_path, encoding="utf-8") as handle:
        for line in handle:
            word = line.split(" ", 1)[0].split("(", 1)[0]
            if word and word.isalpha():
                return word
    raise ValueError(f"no usable word in the dictionary {dict_path}")

"""Benchmark of the embedded engine's speech components (engine/): recognition and synthesis.

Recognition: ~20 in-domain questions synthesised in three voices, transcribed with a
language model built from the knowledge base; prints the real-time factor (decode time /
audio time), word error rate, key-word hit rate and exact matches.  Synthesis: time to the
first 100 ms chunk of ``Synthesizer.stream`` and the real-time factor.  VAD: CPU per second
of audio.

    python scripts/bench_speech.py [--corpus DIR] [--voices alloy,echo,shimmer] [--json]

The corpus defaults to search/docs (the knowledge base) when present, else the test FAQ.
Targets (issue 6): recognition real-time factor <= 0.2; first audio <= 300 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.recognizer import Recognizer  # noqa: E402
from engine.synthesizer import Synthesizer  # noqa: E402
from engine.textnorm import sentences  # noqa: E402
from engine.vad import ServerVad  # noqa: E402

QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("what are your opening hours", ("opening", "hours")),
    ("when do you open on sunday", ("open", "sunday")),
    ("are you open on public holidays", ("open", "holidays")),
    ("how do i return an item", ("return", "item")),
    ("how long do refunds take", ("refunds",)),
    ("do you have gift cards", ("gift", "cards")),
    ("can i pay with paypal", ("pay", "paypal")),
    ("where is the downtown store", ("downtown", "store")),
    ("is there parking at the lakeside store", ("parking", "lakeside")),
    ("how much is express delivery", ("express", "delivery")),
    ("how much does standard delivery cost", ("standard", "delivery")),
    ("can i track my order", ("track", "order")),
    ("can i cancel my order", ("cancel", "order")),
    ("how do i change my password", ("change", "password")),
    ("do you have a student discount", ("student", "discount")),
    ("how do i contact customer service", ("contact", "customer", "service")),
    ("what is your price promise", ("price", "promise")),
    ("can i exchange shoes", ("exchange", "shoes")),
    ("how do i use my rewards points", ("rewards", "points")),
    ("can i pay in instalments", ("pay", "instalments")),
]
ANSWERS = [
    "Our stores are open Monday to Saturday from nine a.m. to eight p.m., and on Sunday "
    "from ten a.m. to six p.m.",
    "You can return most items within thirty days for a full refund, in store or by post.",
    "Standard delivery costs four dollars ninety five and takes three to five working days.",
]


def default_corpus() -> Path:
    docs = ROOT / "search" / "docs"
    return docs if docs.is_dir() and any(docs.glob("*.md")) else ROOT / "tests/engine/data"


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance between word lists."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def bench_recognition(
    corpus: list[str], voices: list[str], decoder_options: dict[str, object], n_questions: int
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        recognizer = Recognizer.from_corpus(
            corpus, cache_dir=cache, n_questions=n_questions, decoder_options=decoder_options
        )
        cold = time.perf_counter() - started
        started = time.perf_counter()
        Recognizer.from_corpus(
            corpus, cache_dir=cache, n_questions=n_questions, decoder_options=decoder_options
        )
        warm = time.perf_counter() - started
    assert recognizer.model is not None
    audio_s = decode_s = 0.0
    errors = ref_words = keys = keys_found = exact = 0
    per_utterance_ms: list[float] = []
    misses: list[str] = []
    for voice in voices:
        synthesizer = Synthesizer(voice)
        for question, key_words in QUESTIONS:
            transcript = recognizer.transcribe(synthesizer.synthesize(question))
            reference = sentences(question)[0]
            audio_s += transcript.seconds
            decode_s += transcript.decode_seconds
            per_utterance_ms.append(transcript.decode_seconds * 1000)
            errors += word_errors(reference, transcript.words)
            ref_words += len(reference)
            keys += len(key_words)
            found = sum(k in transcript.words for k in key_words)
            keys_found += found
            exact += transcript.words == reference
            if found < len(key_words):
                misses.append(f"{voice}: {question!r} -> {transcript.text!r}")
    n = len(voices) * len(QUESTIONS)
    stall_ms = longest_stall_ms(recognizer, Synthesizer(voices[0]).synthesize(" ".join(ANSWERS)))
    return {
        "utterances": n,
        "lm_words": recognizer.model.words,
        "lm_sentences": recognizer.model.sentences,
        "lm_questions": recognizer.model.questions,
        "missing_words": len(recognizer.model.missing_words),
        "build_cold_s": round(cold, 3),
        "build_cached_s": round(warm, 3),
        "real_time_factor": round(decode_s / audio_s, 3),
        "mean_utterance_s": round(audio_s / n, 2),
        "decode_ms_median": round(statistics.median(per_utterance_ms), 1),
        "decode_ms_max": round(max(per_utterance_ms), 1),
        "word_error_rate": round(errors / ref_words, 3),
        "key_word_hit_rate": round(keys_found / keys, 3),
        "exact_transcripts": round(exact / n, 3),
        "longest_gil_stall_ms_on_8s_utterance": stall_ms,
        "misses": misses,
    }


def longest_stall_ms(recognizer: Recognizer, audio: bytes) -> float:
    """Longest time another thread (an event loop, say) waits while one decode runs."""
    worker = threading.Thread(target=recognizer.transcribe, args=(audio,))
    gaps: list[float] = []
    worker.start()
    while worker.is_alive():
        started = time.perf_counter()
        time.sleep(0.001)
        gaps.append(time.perf_counter() - started - 0.001)
    worker.join()
    return round(max(gaps) * 1000, 1)


def bench_synthesis(voices: list[str], rounds: int) -> dict[str, object]:
    first_ms: list[float] = []
    synth_s = audio_s = 0.0
    for _ in range(rounds):
        for voice in voices:
            synthesizer = Synthesizer(voice)
            for text in ANSWERS:
                started = time.perf_counter()
                first: float | None = None
                total = 0
                for chunk in synthesizer.stream(text, chunk_ms=100):
                    if first is None:
                        first = time.perf_counter() - started
                    total += len(chunk)
                synth_s += time.perf_counter() - started
                audio_s += total / 48_000
                first_ms.append((first or 0.0) * 1000)
    first_ms.sort()
    return {
        "streams": len(first_ms),
        "first_chunk_ms_median": round(statistics.median(first_ms), 1),
        "first_chunk_ms_p95": round(first_ms[int(0.95 * (len(first_ms) - 1))], 1),
        "first_chunk_ms_max": round(first_ms[-1], 1),
        "real_time_factor": round(synth_s / audio_s, 4),
    }


def bench_vad() -> dict[str, object]:
    audio = b"\0" * 48_000 + Synthesizer("alloy").synthesize(ANSWERS[0]) + b"\0" * 48_000
    vad = ServerVad()
    started = time.perf_counter()
    for i in range(0, len(audio), 960):  # 20 ms appends
        vad.feed(audio[i : i + 960])
    elapsed = time.perf_counter() - started
    return {"cpu_ms_per_audio_second": round(elapsed * 1000 / (len(audio) / 48_000), 2)}


def parse_option(item: str) -> tuple[str, object]:
    """``KEY=VALUE`` with VALUE as a bool (yes/no), an int, a float or a string."""
    key, _, text = item.partition("=")
    value: object = text
    if text.lower() in ("yes", "no", "true", "false"):
        value = text.lower() in ("yes", "true")
    else:
        for kind in (int, float):
            try:
                value = kind(text)
                break
            except ValueError:
                continue
    return key, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus(), help="folder of .md files")
    parser.add_argument("--voices", default="alloy,echo,shimmer")
    parser.add_argument("--questions", type=int, default=300, help="generated LM questions")
    parser.add_argument("--rounds", type=int, default=3, help="synthesis rounds")
    parser.add_argument(
        "--decoder", action="append", default=[], metavar="KEY=VALUE", help="pocketsphinx option"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    corpus = [p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.md"))]
    if not corpus:
        parser.error(f"no .md files in {args.corpus}")
    voices = [v.strip() for v in args.voices.split(",") if v.strip()]
    options = dict(parse_option(item) for item in args.decoder)
    started = time.perf_counter()
    Synthesizer(voices[0]).synthesize("warm up")  # loads and initialises espeak-ng once
    init_ms = round((time.perf_counter() - started) * 1000, 1)
    report = {
        "corpus": f"{args.corpus} ({len(corpus)} documents)",
        "recognition": bench_recognition(corpus, voices, options, args.questions),
        "synthesis": {"library_init_ms": init_ms, **bench_synthesis(voices, args.rounds)},
        "vad": bench_vad(),
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"corpus: {report['corpus']}")
    for section in ("recognition", "synthesis", "vad"):
        print(f"\n[{section}]")
        values = report[section]
        assert isinstance(values, dict)
        for key, value in values.items():
            if key == "misses":
                print(f"  key words missed in {len(value)} utterances:")
                for line in value:
                    print(f"    {line}")
            else:
                print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

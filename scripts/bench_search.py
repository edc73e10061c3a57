#!/usr/bin/env python3
"""Benchmark the embedded search: build an index of N generated chunks (default 10,000) from
generated Markdown files in a temporary folder, then time Q realistic queries (default 3,000).

    python scripts/bench_search.py [--chunks N] [--queries Q] [--seed S] [--keep DIR]

Reports the build time (and the incremental rebuild times), query p50/p95/p99/max.
Targets: build <= 10 s, query p99 <= 5 ms. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    from search import SearchIndex, build_index
except ModuleNotFoundError:  # a plain checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from search import SearchIndex, build_index

SECTIONS_PER_FILE = 20
BUILD_TARGET_S = 10.0
P99_TARGET_MS = 5.0


def _words(text: str) -> list[str]:
    return text.split()


PRODUCTS = _words(
    "shoes sneakers boots sandals loafers heels slippers jacket coat dress shirt jeans trousers "
    "skirt jumper hoodie scarf hat gloves bag backpack wallet belt sunglasses watch earrings "
    "necklace duvet pillow towel mug plate candle cushion lamp rug kettle toaster"
)
COLOURS = _words("black white navy red green blue grey beige brown pink yellow")
CITIES = _words(
    "downtown riverside lakeside northgate harbour westfield eastgate hillside parkview "
    "bayside meadow oakwood"
)
TOPICS = _words(
    "opening hours returns refunds exchanges delivery shipping tracking payment instalments "
    "gift cards rewards points discount student price promise warranty repairs sizes fitting "
    "parking accessibility recycling click collect account password privacy cookies contact "
    "phone email chat holiday christmas easter sunday thursday weekend receipt voucher"
)
FILLER = _words(
    "the a and of to in for on with at by from our your you we can is are be will within days "
    "free order store online item items please working available customers service team"
)
NUMBERS = [
    ("nine", "9"),
    ("ten", "10"),
    ("thirty", "30"),
    ("fourteen", "14"),
    ("five", "5"),
    ("fifty", "50"),
]


def synthetic_vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    syllables = _words("ka lo mi re su ta ne vo ri pa de lu mo si ga be fi no ze ha")
    words = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


def paragraph(rng: random.Random, vocabulary: list[str], words: int) -> str:
    out: list[str] = []
    for _ in range(words):
        r = rng.random()
        if r < 0.40:
            out.append(rng.choice(FILLER))
        elif r < 0.55:
            out.append(rng.choice(TOPICS))
        elif r < 0.65:
            out.append(rng.choice(PRODUCTS))
        elif r < 0.70:
            out.append(rng.choice(COLOURS))
        elif r < 0.74:
            out.append(rng.choice(CITIES))
        elif r < 0.77:
            word, digits = rng.choice(NUMBERS)
            out.append(f"{word} ({digits})")
        else:  # Zipf-like long tail
            out.append(vocabulary[min(int(rng.paretovariate(1.1)) - 1, len(vocabulary) - 1)])
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def generate(folder: Path, chunks: int, rng: random.Random) -> int:
    vocabulary = synthetic_vocabulary(rng)
    files = -(-chunks // SECTIONS_PER_FILE)
    made = 0
    for f in range(files):
        topic = rng.choice(TOPICS)
        lines = [f"# {topic.title()} guide {f}", ""]
        for s in range(min(SECTIONS_PER_FILE, chunks - made)):
            heading = f"{rng.choice(TOPICS)} {rng.choice(PRODUCTS)} {rng.choice(CITIES)} {s}"
            lines += [f"## {heading.capitalize()}", "", paragraph(rng, vocabulary, 70), ""]
            made += 1
        (folder / f"doc-{f:05d}.md").write_text("\n".join(lines))
    return made


def queries(rng: random.Random, count: int) -> list[str]:
    templates = [
        "what are your opening hours in {city}",
        "can I return {product} after {num} days",
        "how much does delivery of a {product} cost",
        "do you sell {colour} {product}",
        "where is the {city} store",
        "what's the warranty on {product}",
        "is there parking at {city}",
        "can I pay for {product} in instalments",
        "do you have {colour} {product} in my size",
        "I'd like to exchange my {product}, is that OK?",
        "when do you open on {day}",
        "how do I track my {product} order",
        "what's the weather on mars",  # no match
    ]
    out = []
    for _ in range(count):
        out.append(
            rng.choice(templates).format(
                city=rng.choice(CITIES),
                product=rng.choice(PRODUCTS),
                colour=rng.choice(COLOURS),
                num=rng.choice(NUMBERS)[rng.randint(0, 1)],
                day=rng.choice(["sunday", "saturday", "christmas", "thursday"]),
            )
        )
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        docs, db = root / "docs", root / "bench.sqlite3"
        docs.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        made = generate(docs, args.chunks, rng)
        print(
            f"generated {made} sections in {len(list(docs.glob('*.md')))} files "
            f"({time.perf_counter() - started:.2f} s)"
        )

        stats = build_index(docs, db)
        print(f"build:    {stats.summary()}")
        noop = build_index(docs, db)
        print(f"no-op:    {noop.summary()}")
        first = sorted(docs.glob("*.md"))[0]
        first.write_text(first.read_text() + "\n## Added section\n\nA new paragraph.\n")
        one = build_index(docs, db)
        print(f"1 change: {one.summary()}")
        print(f"index size: {db.stat().st_size / 1e6:.1f} MB")

        sample = queries(rng, args.queries)
        with SearchIndex(db) as index:
            for q in sample[:200]:  # warm-up
                index.search(q, 3)
            times: list[float] = []
            empty = 0
            for q in sample:
                t0 = time.perf_counter()
                hits = index.search(q, 3)
                times.append((time.perf_counter() - t0) * 1000)
                empty += not hits
    p50, p95, p99 = (percentile(times, p) for p in (50, 95, 99))
    print(
        f"queries:  {len(times)} (k=3, {empty} without hits): mean {statistics.fmean(times):.3f}"
        f" ms, p50 {p50:.3f} ms, p95 {p95:.3f} ms, p99 {p99:.3f} ms, max {max(times):.3f} ms"
    )
    ok_build = stats.seconds <= BUILD_TARGET_S
    ok_query = p99 <= P99_TARGET_MS
    print(
        f"targets:  build {stats.seconds:.2f} s <= {BUILD_TARGET_S:g} s: "
        f"{'ok' if ok_build else 'MISSED'}; query p99 {p99:.3f} ms <= {P99_TARGET_MS:g} ms: "
        f"{'ok' if ok_query else 'MISSED'}"
    )
    return 0 if ok_build and ok_query else 1


if __name__ == "__main__":
    raise SystemExit(main())

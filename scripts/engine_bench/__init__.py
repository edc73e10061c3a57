"""The parts of scripts/bench_engine.py, the benchmark of the embedded offline engine."""

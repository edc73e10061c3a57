"""Helpers of `scripts/bench_relay.py`: the load generator, a bare pass-through relay, a fake
upstream that drives turns, process control and statistics. Each runs in its own process."""

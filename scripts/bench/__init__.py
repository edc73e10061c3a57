"""Helpers of `scripts/bench_relay.py`: its options, the load generators and their driver, a
bare pass-through relay, a fake upstream that drives turns, the processes under test, the
measured runs, process control, statistics and the report."""

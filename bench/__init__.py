"""Benchmarks: our implementation against peers measured in the same run (ratios, never asserted)."""

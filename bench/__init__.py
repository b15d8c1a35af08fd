"""Benchmarks: never part of the test run. `make bench` runs them all; figures go to docs/benchmarks.md."""

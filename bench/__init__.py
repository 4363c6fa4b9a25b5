"""Benchmarks for `make bench`: figures printed side by side, never asserted in tests."""

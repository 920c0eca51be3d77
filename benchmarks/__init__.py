"""Benchmark helpers (issue #6)."""

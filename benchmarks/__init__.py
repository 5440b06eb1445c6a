"""Benchmarks against the performance budgets of DESIGN.md (``make bench``); never part of the tests."""

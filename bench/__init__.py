"""Benchmarks: ``make bench`` (``python -m bench``). Never part of ``make test``'s pass/fail."""

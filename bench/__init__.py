"""Benchmark suite: the real app against a bare-Flask ceiling under the same gunicorn."""

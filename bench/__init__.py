"""Benchmarks: `make bench` prints one JSON object per line, all from one run on one broker."""

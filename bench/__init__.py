"""Benchmarks: `make bench` prints one JSON object per line, all from one run on one broker."""

import os

# pygame prints a banner when imported; the terminal is for the hall's own output.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

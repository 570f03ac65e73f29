"""The simulated hall: every node of a site on one machine (demo, simulator, chaos suite)."""

import os

# pygame prints a banner when imported; the terminal is for the hall's own output.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

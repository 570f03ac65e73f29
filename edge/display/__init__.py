"""The display node: hall board and counter board with voice calls in Bahasa Indonesia."""

import os

# pygame prints a banner on import; a display's journal does not need it.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

"""Drawing shared by the screens of the hall: the counter board, text, colours and words, and
the test card. The display and the caller both draw with it; neither imports the other."""

import os

# pygame prints a banner on import; a node's journal does not need it.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from edge.screen.counter_board import (
    CounterBoardLayout,
    counter_board_layout,
    render_counter_board,
)
from edge.screen.testcard import TestCard, draw_test_card
from edge.screen.text import TextPainter

__all__ = [
    "CounterBoardLayout",
    "TestCard",
    "TextPainter",
    "counter_board_layout",
    "draw_test_card",
    "render_counter_board",
]

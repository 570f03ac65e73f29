"""The display node: hall board and counter board with voice calls in Bahasa Indonesia."""

import os

# pygame prints a banner on import; a kiosk's journal does not need it.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from edge.display.counter_board import (
    CounterBoardLayout,
    counter_board_layout,
    render_counter_board,
)

__all__ = ["CounterBoardLayout", "counter_board_layout", "render_counter_board"]

"""The display node: hall board and counter board with voice calls in Bahasa Indonesia."""

from edge.display.counter_board import (
    CounterBoardLayout,
    counter_board_layout,
    render_counter_board,
)

__all__ = ["CounterBoardLayout", "counter_board_layout", "render_counter_board"]

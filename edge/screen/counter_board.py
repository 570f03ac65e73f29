"""The counter board: one counter's name and the number it serves, large, on a pygame Surface.

The display's counter mode draws it full screen; the caller draws the small screen above a
desk with it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pygame

from edge.screen.text import TextPainter
from edge.screen.theme import (
    BACKGROUND,
    MUTED,
    NUMBER,
    OFFLINE,
    TEXT,
    Language,
    word,
)
from protocol.messages import CounterSnapshot

__all__ = ["CounterBoardLayout", "counter_board_layout", "render_counter_board"]


@dataclass(frozen=True)
class CounterBoardLayout:
    """Where each part of the counter board goes on a surface of a given size."""

    name: pygame.Rect
    number: pygame.Rect
    state: pygame.Rect
    indicator: pygame.Rect


def counter_board_layout(size: tuple[int, int]) -> CounterBoardLayout:
    w, h = size
    pad = max(h // 40, 2)
    name_h = h * 18 // 100
    state_h = h * 14 // 100
    return CounterBoardLayout(
        name=pygame.Rect(pad, pad, w - 2 * pad, name_h),
        number=pygame.Rect(pad, pad + name_h, w - 2 * pad, h - name_h - state_h - 2 * pad),
        state=pygame.Rect(pad, h - state_h - pad, w - 2 * pad, state_h),
        indicator=pygame.Rect(w - pad - w // 5, pad, w // 5, max(h // 25, 8)),
    )


@functools.cache
def _default_painter() -> TextPainter:
    return TextPainter()


def render_counter_board(
    surface: pygame.Surface,
    snapshot: CounterSnapshot | None,
    *,
    offline: bool = False,
    away: str | None = None,
    language: Language = "id",
    painter: TextPainter | None = None,
) -> None:
    """Draw the whole board. `snapshot` None means not known yet (a dash is shown);
    `offline` adds a discreet marker while the last known state stays on screen, saying
    `away` (what is gone: theme's "offline" or "central_away") or that the link is down."""
    p = painter or _default_painter()
    lay = counter_board_layout(surface.get_size())
    surface.fill(BACKGROUND)

    name = snapshot.name.upper() if snapshot else ""
    if name:
        p.draw(surface, name, p.fit(name, lay.name.height * 0.6, lay.name.width), TEXT, lay.name)

    label = "-"
    if snapshot and snapshot.ticket and snapshot.state in ("calling", "serving"):
        label = snapshot.ticket.label
    number_size = p.fit(label, lay.number.height * 0.8, lay.number.width)
    p.draw(surface, label, number_size, NUMBER, lay.number)

    if snapshot:
        state = word(snapshot.state, language)
        p.draw(
            surface, state, p.fit(state, lay.state.height * 0.5, lay.state.width), MUTED, lay.state
        )

    if offline or away:
        draw_offline_marker(surface, p, lay.indicator, away or word("offline", language))


def draw_offline_marker(
    surface: pygame.Surface, painter: TextPainter, rect: pygame.Rect, text: str
) -> None:
    """A small red dot and a word, right-aligned in `rect`: noticeable, not alarming."""
    size = painter.fit(text, rect.height * 0.7, rect.width * 0.8)
    drawn = painter.draw(surface, text, size, OFFLINE, rect, align="right")
    radius = max(rect.height // 4, 2)
    pygame.draw.circle(surface, OFFLINE, (drawn.left - 2 * radius, rect.centery), radius)

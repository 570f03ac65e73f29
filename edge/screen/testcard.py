"""The screen test card (grid, colour bars, a large number, text lines) that the display's
and the caller's self-tests draw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from edge.screen.text import TextPainter
from edge.screen.theme import BACKGROUND, MUTED, NUMBER, TEXT, Color

SAMPLE_LABEL = "A001"
# Full-intensity primaries and secondaries first (a TV that mixes up channels shows it at
# once), then the boards' own colours.
BARS: tuple[tuple[str, Color], ...] = (
    ("white", (255, 255, 255)),
    ("yellow", (255, 255, 0)),
    ("cyan", (0, 255, 255)),
    ("green", (0, 255, 0)),
    ("magenta", (255, 0, 255)),
    ("red", (255, 0, 0)),
    ("blue", (0, 0, 255)),
    ("black", (0, 0, 0)),
    ("number", NUMBER),
)
GRID = 16  # cells across; a stretched or cropped picture shows in the outer cells


@dataclass(frozen=True)
class TestCard:
    """Where the card put things, so a test (or a camera) can check them."""

    __test__ = False  # not a pytest class

    size: tuple[int, int]
    bars: tuple[tuple[str, Color, pygame.Rect], ...]
    number: pygame.Rect
    lines: tuple[str, ...]


def draw_test_card(
    surface: pygame.Surface, painter: TextPainter, title: str, lines: Sequence[str]
) -> TestCard:
    w, h = surface.get_size()
    surface.fill(BACKGROUND)
    for i in range(1, GRID):
        x = i * w // GRID
        pygame.draw.line(surface, MUTED, (x, 0), (x, h - 1))
    rows = max(round(GRID * h / max(w, 1)), 2)
    for j in range(1, rows):
        y = j * h // rows
        pygame.draw.line(surface, MUTED, (0, y), (w - 1, y))
    pygame.draw.rect(surface, TEXT, pygame.Rect(0, 0, w, h), max(w // 400, 2))
    # Corner marks: each must be fully visible on a TV that overscans.
    for cx, cy in ((0, 0), (w, 0), (0, h), (w, h)):
        pygame.draw.circle(surface, TEXT, (cx, cy), max(min(w, h) // 20, 4), 2)

    pad = max(h // 40, 2)
    title_rect = pygame.Rect(pad, pad, w - 2 * pad, h // 10)
    size = painter.fit(title, title_rect.height * 0.7, title_rect.width)
    painter.draw(surface, title, size, TEXT, title_rect)
    number = pygame.Rect(w // 6, title_rect.bottom + pad, w * 2 // 3, h * 38 // 100)
    pygame.draw.rect(surface, BACKGROUND, number)
    size = painter.fit(SAMPLE_LABEL, number.height * 0.8, number.width)
    painter.draw(surface, SAMPLE_LABEL, size, NUMBER, number)
    text_top = number.bottom + pad
    line_h = max(h // 20, 8)
    for k, line in enumerate(lines):
        rect = pygame.Rect(w // 8, text_top + k * line_h, w * 3 // 4, line_h)
        pygame.draw.rect(surface, BACKGROUND, rect)
        painter.draw(surface, line, painter.fit(line, line_h * 0.6, rect.width), TEXT, rect)
    bars_top = h - h // 6 - pad
    bars: list[tuple[str, Color, pygame.Rect]] = []
    bar_w = (w - 2 * pad) / len(BARS)
    for k, (name, colour) in enumerate(BARS):
        rect = pygame.Rect(pad + round(k * bar_w), bars_top, round(bar_w), h // 6)
        surface.fill(colour, rect)
        bars.append((name, colour, rect))
    return TestCard((w, h), tuple(bars), number, tuple(lines))

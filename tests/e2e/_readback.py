"""Reading a node's output back from another process: board PNGs, spooled tickets, audio."""

from __future__ import annotations

import pygame

from edge.screen.theme import FLASH_FG, NUMBER
from tests.glyphs import glyph_match


def label_score(region: pygame.Surface, text: str) -> float:
    """How well the number shown in `region` reads as `text` (steady or blinking)."""
    if not pygame.font.get_init():
        pygame.font.init()
    return max(glyph_match(region, text, NUMBER), glyph_match(region, text, FLASH_FG))

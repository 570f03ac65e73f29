"""Reading numbers back from a rendered board: the glyphs of one colour, compared with the
same text set in pygame's own font (the board's font unless a hall sets one)."""

from __future__ import annotations

from typing import cast

import pygame

Color = tuple[int, int, int]


def box_of(mask: pygame.mask.Mask) -> pygame.Rect:
    box = pygame.Rect(0, 0, 0, 0)
    for r in cast(list[pygame.Rect], mask.get_bounding_rects()):
        box = r if box.width == 0 else box.union(r)
    return box


def glyph_match(region: pygame.Surface, text: str, color: Color) -> float:
    """Share of pixels on which the `color` glyphs in `region` agree with `text` set in
    pygame's default font (the board's font unless a hall sets one), at the best size and
    offset. The same reading as tests/display, for either colour a new call blinks in."""
    shown = pygame.mask.from_threshold(region, (*color, 255), (90, 90, 90, 255))
    box = box_of(shown)
    if box.height == 0:
        return 0.0
    best = 0.0
    for size in range(box.height, box.height * 3):
        glyphs = pygame.font.Font(None, size).render(text, True, color)
        ref = pygame.Surface(glyphs.get_size(), 0, 32)
        ref.fill((255, 255, 255) if sum(color) < 384 else (0, 0, 0))  # far from the glyphs
        ref.blit(glyphs, (0, 0))
        ref_mask = pygame.mask.from_threshold(ref, (*color, 255), (90, 90, 90, 255))
        rb = box_of(ref_mask)
        if rb.height < box.height - 1:
            continue
        if rb.height > box.height + 2:
            break
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                both = shown.overlap_area(ref_mask, (box.x - rb.x + dx, box.y - rb.y + dy))
                best = max(best, both / max(shown.count(), ref_mask.count()))
    return best

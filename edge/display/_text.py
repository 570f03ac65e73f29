"""Text drawing for the boards: fonts sized by glyph height, rendered text cached."""

from __future__ import annotations

from collections import OrderedDict

import pygame

Color = tuple[int, int, int]


class TextPainter:
    """Caches fonts per size and rendered text per (size, text, colour).

    Rendering a 300 px numeral costs far more than blitting it, and the boards redraw the
    same few strings (labels, counter names) over and over.
    """

    def __init__(self, font_path: str | None = None, max_cached: int = 512) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.font_path = font_path
        self._fonts: dict[int, pygame.font.Font] = {}
        self._texts: OrderedDict[tuple[int, str, Color], pygame.Surface] = OrderedDict()
        self._max = max_cached
        # Digit height per point of font size: fonts differ a lot (pygame's default is small).
        probe = self.font(100).render("0123456789", True, (255, 255, 255))
        self.digit_ratio = max(probe.get_bounding_rect().height, 1) / 100

    def font(self, size: int) -> pygame.font.Font:
        size = max(int(size), 4)
        f = self._fonts.get(size)
        if f is None:
            f = pygame.font.Font(self.font_path, size)
            self._fonts[size] = f
        return f

    def size_for_height(self, glyph_px: float) -> int:
        """Font size whose digits and capitals are about `glyph_px` tall."""
        return max(int(glyph_px / self.digit_ratio), 4)

    def fit(self, text: str, glyph_px: float, max_width: float) -> int:
        """The largest size up to glyph_px tall digits at which `text` fits `max_width`."""
        size = self.size_for_height(glyph_px)
        width = self.font(size).size(text)[0]
        if width > max_width > 0:
            size = max(int(size * max_width / width), 4)
        return size

    def render(self, text: str, size: int, color: Color) -> pygame.Surface:
        key = (size, text, color)
        surf = self._texts.get(key)
        if surf is None:
            surf = self.font(size).render(text, True, color)
            self._texts[key] = surf
            if len(self._texts) > self._max:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(key)
        return surf

    def draw(
        self,
        target: pygame.Surface,
        text: str,
        size: int,
        color: Color,
        rect: pygame.Rect,
        align: str = "center",
    ) -> pygame.Rect:
        """Draw `text` vertically centred in `rect`; align is left, center or right."""
        surf = self.render(text, size, color)
        r = surf.get_rect()
        r.centery = rect.centery
        if align == "left":
            r.left = rect.left
        elif align == "right":
            r.right = rect.right
        else:
            r.centerx = rect.centerx
        return target.blit(surf, r)

"""Text drawing for the boards: fonts sized by glyph height, rendered text cached."""

from __future__ import annotations

from collections import OrderedDict

import pygame

Color = tuple[int, int, int]

# Rendered text kept, in bytes of pixels. Bounded by size, not count: a 1080p call number is
# 0.4-1.5 MB, and a day's few hundred distinct numbers would otherwise hold most of a Pi's
# memory (measured: 850 MB after 300 calls with a 512-entry count limit).
CACHE_BYTES = 24 * 2**20


class TextPainter:
    """Caches fonts per size and rendered text per (size, text, colour, background).

    Rendering a 300 px numeral costs far more than blitting it, and the boards redraw the
    same few strings (labels, counter names) over and over.
    """

    def __init__(self, font_path: str | None = None, max_bytes: int = CACHE_BYTES) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.font_path = font_path
        self._fonts: dict[int, pygame.font.Font] = {}
        self._texts: OrderedDict[tuple[int, str, Color, Color | None], pygame.Surface] = (
            OrderedDict()
        )
        self._bytes = 0
        self._warm: dict[int, set[str]] = {}  # size -> characters rasterized ahead
        self._max_bytes = max_bytes
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
            # Shrunk in steps of ~6 %: digits differ in width, and without steps nearly
            # every call number would get a size of its own, i.e. a new font whose glyphs
            # are rasterized again (about 1 ms at 1080p, on the way to the screen). With
            # them, a hall's thousands of numbers share about six sizes.
            step = max(size // 16, 1)
            size = max(int(size * max_width / width) // step * step, 4)
        return size

    def warm(self, size: int, chars: str) -> None:
        """Rasterize `chars` at `size` now (the font keeps its glyphs), so that the first
        call drawn at that size does not pay for it."""
        new = "".join(sorted(set(chars) - self._warm.get(size, set())))
        if new:
            self._warm.setdefault(size, set()).update(new)
            self.font(size).render(new, True, (255, 255, 255))

    def is_warm(self, size: int, chars: str) -> bool:
        return set(chars) <= self._warm.get(size, set())

    def render(self, text: str, size: int, color: Color, bg: Color | None = None) -> pygame.Surface:
        """`text` with a transparent background, or opaque on `bg`: on a known plain
        background that is a third of the cost to render and blit."""
        key = (size, text, color, bg)
        surf = self._texts.get(key)
        if surf is None:
            font = self.font(size)
            surf = font.render(text, True, color, bg) if bg else font.render(text, True, color)
            self._texts[key] = surf
            self._bytes += _bytes(surf)
            while self._bytes > self._max_bytes and len(self._texts) > 1:
                self._bytes -= _bytes(self._texts.popitem(last=False)[1])
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
        bg: Color | None = None,
    ) -> pygame.Rect:
        """Draw `text` vertically centred in `rect`; align is left, center or right."""
        surf = self.render(text, size, color, bg)
        r = surf.get_rect()
        r.centery = rect.centery
        if align == "left":
            r.left = rect.left
        elif align == "right":
            r.right = rect.right
        else:
            r.centerx = rect.centerx
        return target.blit(surf, r)


def _bytes(surface: pygame.Surface) -> int:
    return surface.get_pitch() * surface.get_height()

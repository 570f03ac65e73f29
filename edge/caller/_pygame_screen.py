"""pygame adapter: the counter board (edge.screen) per counter, and a line for the officer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pygame

from edge.caller.config import ScreenConfig
from edge.caller.panel import BoardView, Language
from edge.screen import render_counter_board
from edge.screen.theme import word

NOTICE_BG = (14, 44, 94)
NOTICE_FG = (245, 247, 250)
ERROR_BG = (200, 40, 40)
NOTICE_SHARE = 0.16  # of a tile's height, under the board


@dataclass
class PygameScreen:
    """One window (or the whole screen) split into one tile per shown counter."""

    config: ScreenConfig
    counters: list[str]
    language: Language = "id"
    on_key: Callable[[str, bool], None] | None = None  # key name, down; for the simulator
    surface: pygame.Surface | None = None
    frames: int = 0
    _last: dict[str, BoardView] = field(default_factory=dict)
    _font: pygame.font.Font | None = None

    def open(self) -> None:
        pygame.display.init()
        pygame.font.init()
        size = (self.config.width, self.config.height)
        flags = pygame.FULLSCREEN if self.config.mode == "fullscreen" else 0
        self.surface = pygame.display.set_mode(size, flags)
        pygame.display.set_caption("Antrian - loket")
        pygame.mouse.set_visible(self.config.mode != "fullscreen")
        self._font = pygame.font.Font(
            str(self.config.font) if self.config.font else None,
            max(int(self.config.height * NOTICE_SHARE * 0.45), 8),
        )

    def show(self, views: Mapping[str, BoardView]) -> None:
        shown = {c: views[c] for c in self.counters if c in views}
        if self.surface is None or shown == self._last:
            return
        self._last = dict(shown)
        draw_tiles(self.surface, [shown.get(c) for c in self.counters], self.language, self._font)
        pygame.display.flip()
        self.frames += 1

    def pump(self) -> None:
        if self.surface is None:
            return
        # Draining the queue keeps the window responsive; keys feed the simulator.
        for ev in pygame.event.get((pygame.KEYDOWN, pygame.KEYUP)):
            if self.on_key is not None:
                self.on_key(pygame.key.name(ev.key), ev.type == pygame.KEYDOWN)
        pygame.event.pump()

    def close(self) -> None:
        if self.surface is not None:
            pygame.display.quit()
            self.surface = None


def draw_tiles(
    surface: pygame.Surface,
    views: list[BoardView | None],
    language: Language,
    font: pygame.font.Font | None = None,
) -> None:
    """Draw counters side by side: each a counter board with an officer's notice line."""
    w, h = surface.get_size()
    n = max(len(views), 1)
    font = font or pygame.font.Font(None, max(int(h * NOTICE_SHARE * 0.45), 8))
    for i, view in enumerate(views):
        tile = surface.subsurface(pygame.Rect(i * w // n, 0, w // n, h))
        draw_board(tile, view, language, font)


def draw_board(
    tile: pygame.Surface, view: BoardView | None, language: Language, font: pygame.font.Font
) -> None:
    w, h = tile.get_size()
    notice_h = int(h * NOTICE_SHARE)
    board = tile.subsurface(pygame.Rect(0, 0, w, h - notice_h))
    render_counter_board(
        board,
        view.snapshot if view else None,
        offline=view.offline if view else True,
        away=word(view.away, language) if view and view.away else None,
        language=language,
    )
    strip = pygame.Rect(0, h - notice_h, w, notice_h)
    tile.fill(ERROR_BG if view and view.error else NOTICE_BG, strip)
    if view and view.notice:
        text = font.render(view.notice, True, NOTICE_FG)
        if text.get_width() > w - 8:
            scale = (w - 8) / text.get_width()
            text = pygame.transform.smoothscale(
                text, (w - 8, max(int(text.get_height() * scale), 1))
            )
        tile.blit(text, text.get_rect(center=strip.center))

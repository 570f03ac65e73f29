"""The hall board: the latest call in large digits, every counter, queue lengths, clock, ticker.

The board is drawn as regions (header, latest call, each counter, each queue). `update()`
redraws only the regions whose content changed since the last frame and returns their
rects for `pygame.display.update()`: a call then repaints the latest-call panel and a few
cells, about a third of a full 1080p frame, which is what stands between the call's event
and the screen. `render()` draws everything, through the same region code, so that a
partial frame leaves exactly the pixels a full one would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pygame

from antrian.board_state import BoardState
from edge.screen.counter_board import draw_offline_marker
from edge.screen.text import TextPainter
from edge.screen.theme import (
    BACKGROUND,
    DAYS,
    FLASH_BG,
    FLASH_FG,
    MONTHS,
    MUTED,
    NUMBER,
    PANEL,
    TEXT,
    Color,
    Language,
    word,
)

R = pygame.Rect


@dataclass(frozen=True)
class HallLayout:
    header: R
    hall_name: R
    date: R
    clock: R
    indicator: R
    latest: R  # the latest call panel
    latest_title: R
    latest_number: R
    latest_counter: R
    table: R
    queues: R
    ticker: R


def hall_layout(size: tuple[int, int]) -> HallLayout:
    w, h = size
    pad = h // 60
    header_h = h * 11 // 100
    ticker_h = h * 7 // 100
    queues_h = h * 12 // 100
    body_top = header_h + pad
    body_h = h - header_h - ticker_h - queues_h - 3 * pad
    latest_w = w * 55 // 100
    latest = R(pad, body_top, latest_w - pad, body_h)
    title_h = body_h * 15 // 100
    counter_h = body_h * 22 // 100
    return HallLayout(
        header=R(0, 0, w, header_h),
        hall_name=R(pad, 0, w * 58 // 100, header_h),
        date=R(w * 62 // 100, 0, w * 25 // 100, header_h * 55 // 100),
        clock=R(w * 87 // 100, 0, w * 13 // 100 - pad, header_h),
        indicator=R(w * 62 // 100, header_h * 58 // 100, w * 25 // 100, header_h * 35 // 100),
        latest=latest,
        latest_title=R(latest.x, latest.y, latest.w, title_h),
        latest_number=R(latest.x, latest.y + title_h, latest.w, body_h - title_h - counter_h),
        latest_counter=R(latest.x, latest.bottom - counter_h, latest.w, counter_h),
        table=R(latest_w + pad, body_top, w - latest_w - 2 * pad, body_h),
        queues=R(pad, body_top + body_h + pad, w - 2 * pad, queues_h),
        ticker=R(0, h - ticker_h, w, ticker_h),
    )


@dataclass
class HallView:
    """Everything the hall board draws, besides the state: time, blink phase, health."""

    now: datetime
    language: Language = "id"
    hall_name: str | None = None
    flashing: frozenset[int] = frozenset()  # seqs of calls still blinking
    flash_on: bool = False
    away: str | None = None  # why the board may be out of date, when it is
    highlight: int = 3  # how many of the latest calls stay highlighted


def format_date(now: datetime, language: Language) -> str:
    return (
        f"{DAYS[language][now.weekday()]}, {now.day} {MONTHS[language][now.month - 1]} {now.year}"
    )


# What each region shows. A region is redrawn when its spec differs from the one drawn
# last, so a spec holds everything its drawing reads (besides the layout, which a new
# screen size resets).


@dataclass(frozen=True)
class _Header:
    name: str
    date: str
    clock: str
    away: str | None


@dataclass(frozen=True)
class _Latest:
    title: str
    label: str
    counter: str | None
    bg: Color
    fg: Color
    number_fg: Color


@dataclass(frozen=True)
class _Cell:
    """One counter in the table: its slot in the grid and what it shows."""

    slot: tuple[int, int, int, int]
    name: str
    text: str
    text_height: float  # of the cell's height: a number is larger than "paused"
    color: Color
    fg: Color
    bg: Color
    outlined: bool


@dataclass(frozen=True)
class _Queue:
    slot: tuple[int, int, int, int]
    agency: str
    text: str  # "A · 12 menunggu"
    wait: str  # "± 25 menit": the wait a ticket taken now can expect; "" when none


# A region: its id, its rect, its spec, how to draw the spec, and whether that covers the
# whole rect (else the background is laid first). Ids are tuples; a region whose id starts
# with another's lies inside it and is redrawn whenever that one is.
Region = tuple[tuple[Any, ...], R, object, Callable[[pygame.Surface, HallLayout, Any], None], bool]


@dataclass
class HallBoard:
    painter: TextPainter
    running_text: str = ""
    _drawn: dict[tuple[Any, ...], object] = field(default_factory=dict, repr=False)
    _size: tuple[int, int] | None = field(default=None, repr=False)
    _panels: dict[tuple[tuple[int, int], Color], pygame.Surface] = field(
        default_factory=dict, repr=False
    )

    def render(self, surface: pygame.Surface, state: BoardState, view: HallView) -> None:
        """A full frame (the ticker strip is left blank: see render_ticker)."""
        self._drawn.clear()
        if surface.get_size() != self._size:
            self._panels.clear()
        self._size = surface.get_size()
        surface.fill(BACKGROUND)
        self._paint(surface, state, view, clear=False)

    def update(self, surface: pygame.Surface, state: BoardState, view: HallView) -> list[R]:
        """Redraw the regions that changed since the last frame on `surface`; returns their
        rects (empty when nothing changed). The first frame, and one after the size
        changed, is full."""
        if surface.get_size() != self._size:
            self.render(surface, state, view)
            return [surface.get_rect()]
        return self._paint(surface, state, view)

    def _paint(self, surface: pygame.Surface, state: BoardState, view: HallView,
               clear: bool = True) -> list[R]:  # fmt: skip
        lay = hall_layout(surface.get_size())
        drawn: list[R] = []
        clip = surface.get_clip()
        try:
            for rid, rect, spec, draw, opaque in self._regions(lay, state, view):
                if self._drawn.get(rid, _NONE) == spec:
                    continue
                # Whatever lay inside it is painted over: draw it again as well.
                for inner in [k for k in self._drawn if k[: len(rid)] == rid]:
                    del self._drawn[inner]
                self._drawn[rid] = spec
                # Clipped, so that a region drawn alone leaves the same pixels as in a
                # full frame, and nothing outside it changes.
                surface.set_clip(rect)
                if clear and not opaque:
                    surface.fill(BACKGROUND, rect)
                draw(surface, lay, spec)
                drawn.append(rect)
        finally:
            surface.set_clip(clip)
        return drawn

    def _regions(self, lay: HallLayout, state: BoardState, view: HallView) -> Iterator[Region]:
        name = (view.hall_name or state.hall_name or "").upper()
        header = _Header(name, format_date(view.now, view.language), view.now.strftime("%H:%M"),
                         view.away)  # fmt: skip
        yield ("header",), lay.header, header, self._draw_header, True
        yield ("latest",), lay.latest, self._latest_spec(state, view), self._draw_latest, True
        cells = self._cells(lay, state, view)
        yield ("table",), lay.table, tuple(c.slot for c in cells), _nothing, False
        for i, cell in enumerate(cells):
            yield ("table", i), R(cell.slot), cell, self._draw_cell, False
        queues = self._queue_specs(lay, state, view.language)
        yield ("queues",), lay.queues, tuple(q.slot for q in queues), _nothing, False
        for i, q in enumerate(queues):
            yield ("queues", i), R(q.slot), q, self._draw_queue, False

    # -- header ---------------------------------------------------------------------

    def _draw_header(self, surface: pygame.Surface, lay: HallLayout, spec: _Header) -> None:
        p = self.painter
        surface.fill(PANEL, lay.header)
        if spec.name:
            size = p.fit(spec.name, lay.hall_name.height * 0.42, lay.hall_name.width)
            p.draw(surface, spec.name, size, TEXT, lay.hall_name, align="left")
        p.draw(surface, spec.date, p.fit(spec.date, lay.date.height * 0.45, lay.date.width),
               MUTED, lay.date, align="right")  # fmt: skip
        p.draw(surface, spec.clock, p.fit(spec.clock, lay.clock.height * 0.5, lay.clock.width),
               TEXT, lay.clock, align="right")  # fmt: skip
        if spec.away:
            draw_offline_marker(surface, p, lay.indicator, spec.away)

    # -- the latest call --------------------------------------------------------------

    def _latest_spec(self, state: BoardState, view: HallView) -> _Latest:
        latest = state.recent_calls[0] if state.recent_calls else None
        flash = latest is not None and latest.seq in view.flashing and view.flash_on
        bg, fg, number_fg = (FLASH_BG, FLASH_FG, FLASH_FG) if flash else (PANEL, TEXT, NUMBER)
        label = latest.ticket.label if latest and latest.ticket else "-"
        counter = (latest.counter_name or latest.counter or "").upper() if latest else None
        return _Latest(word("latest", view.language), label, counter, bg, fg, number_fg)

    def _draw_latest(self, surface: pygame.Surface, lay: HallLayout, spec: _Latest) -> None:
        p = self.painter
        surface.blit(self._panel(surface, lay.latest.size, spec.bg), lay.latest)
        # The number is opaque on the panel's colour: a third of the cost of a transparent
        # one, and it is the largest thing drawn when a call arrives.
        p.draw(surface, spec.label, self._number_size(lay, spec.label), spec.number_fg,
               lay.latest_number, bg=spec.bg)  # fmt: skip
        p.draw(surface, spec.title, p.fit(spec.title, lay.latest_title.h * 0.45,
               lay.latest_title.w), spec.fg, lay.latest_title)  # fmt: skip
        if spec.counter is not None:
            p.draw(surface, spec.counter, p.fit(spec.counter, lay.latest_counter.h * 0.5,
                   lay.latest_counter.w * 0.92), spec.fg, lay.latest_counter)  # fmt: skip

    def _number_size(self, lay: HallLayout, label: str) -> int:
        return self.painter.fit(label, lay.latest_number.h * 0.78, lay.latest_number.w * 0.92)

    def _panel(
        self, surface: pygame.Surface, size: tuple[int, int], color: Color
    ) -> pygame.Surface:
        """The latest-call panel, rounded corners on the background, drawn once per colour:
        blitting it costs a quarter of drawing it."""
        key = (size, color)
        panel = self._panels.get(key)
        if panel is None:
            panel = pygame.Surface(size, 0, surface)
            panel.fill(BACKGROUND)
            pygame.draw.rect(panel, color, panel.get_rect(), border_radius=size[1] // 30)
            self._panels[key] = panel
        return panel

    def warm(self, size: tuple[int, int], prefixes: Iterable[str]) -> None:
        """Rasterize the glyphs of the call numbers (prefix and three digits) at every size
        they can take, ahead of the first call: a few ms per size at 1080p, otherwise paid
        on that call's way to the screen. Sizing the thousand numbers of a prefix takes
        ~5 ms; sizes already warm cost nothing more."""
        lay = hall_layout(size)
        prefixes = sorted(set(prefixes))
        # Only the glyphs calls use: each costs memory in the font (~0.1 MB at 1080p).
        chars = "".join(prefixes) + "0123456789"
        for s in {self._number_size(lay, f"{c}{n:03d}") for c in prefixes for n in range(1000)}:
            self.painter.warm(s, chars)

    # -- counters -------------------------------------------------------------------

    def _cells(self, lay: HallLayout, state: BoardState, view: HallView) -> list[_Cell]:
        counters = [c for c in state.counters.values() if c.state != "closed"]
        if not counters:
            return []
        columns = 1 if len(counters) <= 10 else 2
        rows = -(-len(counters) // columns)
        col_w = lay.table.w // columns
        row_h = min(lay.table.h // max(rows, 1), lay.table.h // 6)
        hot = {e.counter: e.seq for e in state.recent_calls[: view.highlight]}
        newest_first = {e.counter for e in state.recent_calls[:1]}
        cells = []
        for i, c in enumerate(counters):
            col, row = divmod(i, rows)
            slot = (lay.table.x + col * col_w, lay.table.y + row * row_h, col_w, row_h)
            seq = hot.get(c.counter)
            blinking = seq is not None and seq in view.flashing and view.flash_on
            if c.state == "paused":
                text, color, height = word("paused", view.language), MUTED, 0.3
            else:
                text = c.ticket.label if c.ticket and c.state in ("calling", "serving") else "-"
                color = FLASH_FG if blinking else (NUMBER if c.counter in newest_first else TEXT)
                height = 0.5
            cells.append(_Cell(slot, c.name, text, height, color,
                               fg=FLASH_FG if blinking else TEXT,
                               bg=FLASH_BG if blinking else PANEL,
                               outlined=seq is not None and not blinking))  # fmt: skip
        return cells

    def _draw_cell(self, surface: pygame.Surface, lay: HallLayout, spec: _Cell) -> None:
        p = self.painter
        row_h = spec.slot[3]
        cell = R(spec.slot).inflate(-row_h // 10, -row_h // 10)
        pygame.draw.rect(surface, spec.bg, cell, border_radius=cell.h // 8)
        if spec.outlined:
            pygame.draw.rect(surface, NUMBER, cell, width=max(cell.h // 16, 2),
                             border_radius=cell.h // 8)  # fmt: skip
        name_r = R(cell.x + cell.h // 4, cell.y, cell.w * 55 // 100, cell.h)
        num_r = R(cell.centerx, cell.y, cell.w // 2 - cell.h // 4, cell.h)
        p.draw(surface, spec.name, p.fit(spec.name, cell.h * 0.36, name_r.w), spec.fg, name_r,
               align="left")  # fmt: skip
        size = p.fit(spec.text, cell.h * spec.text_height, num_r.w)
        p.draw(surface, spec.text, size, spec.color, num_r, align="right")

    # -- queues ---------------------------------------------------------------------

    def _queue_specs(self, lay: HallLayout, state: BoardState, language: Language) -> list[_Queue]:
        queues = list(state.queues.values())
        if not queues:
            return []
        cell_w = lay.queues.w // len(queues)
        x, y, h = lay.queues.x, lay.queues.y, lay.queues.h
        per_agency: dict[str, int] = {}
        for q in queues:
            per_agency[q.agency] = per_agency.get(q.agency, 0) + 1
        specs = []
        for i, q in enumerate(queues):
            # Two queues of one agency (Dukcapil A and AK) would read the same: name them.
            title = q.agency if per_agency[q.agency] == 1 else q.name
            text = f"{q.prefix} \u00b7 {q.waiting} {word('waiting', language).lower()}"
            if not q.open:
                wait = word("closed", language)
            elif q.waiting and q.estimated_wait_min is not None and q.estimated_wait_min < 1:
                wait = word("soon", language)  # a counter is free: "± 0 menit" read oddly
            elif q.waiting and q.estimated_wait_high_min is not None:
                lo, hi = q.estimated_wait_low_min or 0, q.estimated_wait_high_min
                wait = f"{lo}-{hi} {word('minutes', language)}"
            elif q.waiting and q.estimated_wait_min is not None:
                wait = f"\u00b1 {q.estimated_wait_min} {word('minutes', language)}"
            else:
                wait = ""
            specs.append(_Queue((x + i * cell_w, y, cell_w, h), title.upper(), text, wait))
        return specs

    def _draw_queue(self, surface: pygame.Surface, lay: HallLayout, spec: _Queue) -> None:
        p = self.painter
        cell = R(spec.slot).inflate(-lay.queues.h // 12, 0)
        title_h = lay.queues.h * 30 // 100
        main_h = lay.queues.h * 38 // 100
        pygame.draw.rect(surface, PANEL, cell, border_radius=cell.h // 10)
        top = R(cell.x, cell.y, cell.w, title_h)
        p.draw(surface, spec.agency, p.fit(spec.agency, title_h * 0.5, cell.w * 0.9), MUTED, top)
        middle = R(cell.x, cell.y + title_h, cell.w, main_h)
        p.draw(surface, spec.text, p.fit(spec.text, main_h * 0.6, cell.w * 0.9), TEXT, middle)
        if spec.wait:
            low = R(cell.x, middle.bottom, cell.w, cell.bottom - middle.bottom)
            p.draw(surface, spec.wait, p.fit(spec.wait, low.h * 0.55, cell.w * 0.9), MUTED, low)

    # -- running text ---------------------------------------------------------------

    def render_ticker(self, surface: pygame.Surface, offset: int) -> R:
        """Draw the running text shifted by `offset` pixels; returns the rect to update."""
        lay = hall_layout(surface.get_size())
        surface.fill(PANEL, lay.ticker)
        if not self.running_text:
            return lay.ticker
        text = self._ticker(lay.ticker.h)
        if text.get_width() <= lay.ticker.w - lay.ticker.h:
            x = lay.ticker.centerx - text.get_width() // 2
        else:
            span = text.get_width() + lay.ticker.w // 3
            x = lay.ticker.right - offset % (span + lay.ticker.w)
        surface.blit(text, (x, lay.ticker.centery - text.get_height() // 2))
        return lay.ticker

    def ticker_scrolls(self, size: tuple[int, int]) -> bool:
        lay = hall_layout(size)
        return bool(self.running_text) and self._ticker(lay.ticker.h).get_width() > (
            lay.ticker.w - lay.ticker.h
        )

    def _ticker(self, height: int) -> pygame.Surface:
        p = self.painter
        return p.render(self.running_text, p.size_for_height(height * 0.45), TEXT)


_NONE = object()  # never equal to a spec: the region was not drawn yet


def _nothing(surface: pygame.Surface, lay: HallLayout, spec: object) -> None:
    """An area that only holds other regions: cleared to the background, nothing else."""

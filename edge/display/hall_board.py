"""The hall board: the latest call in large digits, every counter, queue lengths, clock, ticker.

The board is drawn as regions (header, latest call, each counter, each queue). `update()`
redraws only the regions whose content changed since the last frame and returns their
rects for `pygame.display.update()`: a call then repaints the latest-call panel and a few
cells, about a third of a full 1080p frame, which is what stands between the call's event
and the screen. `render()` draws everything, through the same region code, so that a
partial frame leaves exactly the pixels a full one would.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pygame

from antrian.board_state import BoardState
from edge.display.hall_layout import HallLayout, counter_cell_min_h, hall_layout, queue_cell_min_h
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

PAGE_S = 8.0  # seconds each page of counters or queues stays when they do not all fit

PAGE_WORD = {"id": "Halaman", "en": "Page"}


@dataclass(frozen=True)
class TextBox:
    """A piece of text as drawn: its ink (the pixels its glyphs cover) and glyph height."""

    text: str
    ink: R
    glyph_px: float
    color: Color
    role: str  # what it is: "counter_number", "queue_label", ... ("" for the rest)


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
    name_px: int  # glyph heights: at least the layout's minimums
    number_px: int
    number_w: int  # room kept for the widest label of the hall
    stacked: bool = False  # the name above the number, not beside it


@dataclass(frozen=True)
class _Queue:
    slot: tuple[int, int, int, int]
    title: str  # "A · KTP-EL": the prefix and the queue's short title
    text: str  # "12 MENUNGGU"
    wait: str  # "15-25 menit": the wait a ticket taken now can expect; "" when none
    label_px: int
    small_px: int


@dataclass(frozen=True)
class _Pages:
    text: str  # "Halaman 2/4", "" on a single page
    px: int


# A region: its id, its rect, its spec, how to draw the spec, and whether that covers the
# whole rect (else the background is laid first). Ids are tuples; a region whose id starts
# with another's lies inside it and is redrawn whenever that one is.
Region = tuple[tuple[Any, ...], R, object, Callable[[pygame.Surface, HallLayout, Any], None], bool]


@dataclass
class HallBoard:
    painter: TextPainter
    running_text: str = ""
    # A zone board (one floor, one cluster) shows only these; None: the whole hall.
    counters: frozenset[str] | None = None
    queues: frozenset[str] | None = None
    _drawn: dict[tuple[Any, ...], object] = field(default_factory=dict, repr=False)
    _boxes: dict[tuple[Any, ...], list[TextBox]] = field(default_factory=dict, repr=False)
    _region: tuple[Any, ...] = field(default=(), repr=False)
    _size: tuple[int, int] | None = field(default=None, repr=False)
    _panels: dict[tuple[tuple[int, int], Color], pygame.Surface] = field(
        default_factory=dict, repr=False
    )

    def render(self, surface: pygame.Surface, state: BoardState, view: HallView) -> None:
        """A full frame (the ticker strip is left blank: see render_ticker)."""
        self._drawn.clear()
        self._boxes.clear()
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
                    self._boxes.pop(inner, None)
                self._drawn[rid] = spec
                self._boxes[rid] = []
                self._region = rid
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

    def text_boxes(self) -> list[TextBox]:
        """Every piece of text on the screen now, as drawn (for tests and the self-test)."""
        return [b for boxes in self._boxes.values() for b in boxes]

    def _text(self, surface: pygame.Surface, text: str, size: int, color: Color, rect: R,
              align: str = "center", bg: Color | None = None, role: str = "") -> None:  # fmt: skip
        """Draw through the painter and keep the text's ink box."""
        at = self.painter.draw(surface, text, size, color, rect, align=align, bg=bg)
        ink = self.painter.render(text, size, color, bg).get_bounding_rect().move(at.topleft)
        glyph = size * self.painter.digit_ratio
        box = TextBox(text, ink.clip(rect), glyph, color, role)
        self._boxes.setdefault(self._region, []).append(box)

    def _fit(self, text: str, glyph_px: float, min_px: float, width: float) -> tuple[str, int]:
        """`text` at up to `glyph_px`, shrunk to fit `width` but never under `min_px`:
        what still does not fit is cut at a word, or a letter, with an ellipsis."""
        p = self.painter
        size = p.fit(text, glyph_px, width)
        floor = math.ceil(min_px / p.digit_ratio)
        if size >= floor:
            return text, size
        font = p.font(floor)
        if font.size(text)[0] <= width:
            return text, floor
        cut = text
        while cut and font.size(cut.rstrip() + "\u2026")[0] > width:
            cut = cut[:-1]
        return (cut.rstrip() + "\u2026") if cut else "", floor

    def _regions(self, lay: HallLayout, state: BoardState, view: HallView) -> Iterator[Region]:
        # A fresh board (nothing from central yet, nothing kept) still says where it is.
        name = (view.hall_name or state.hall_name or word("hall", view.language)).upper()
        header = _Header(name, format_date(view.now, view.language), view.now.strftime("%H:%M"),
                         view.away)  # fmt: skip
        yield ("header",), lay.header, header, self._draw_header, True
        yield ("latest",), lay.latest, self._latest_spec(state, view), self._draw_latest, True
        cells, pages = self._cells(lay, state, view)
        yield ("table",), lay.table, tuple(c.slot for c in cells), _nothing, False
        for i, cell in enumerate(cells):
            yield ("table", i), R(cell.slot), cell, self._draw_cell, False
        yield ("table_pages",), lay.table_pages, pages, self._draw_table_pages, False
        queues, qpages = self._queue_specs(lay, state, view)
        yield ("queues",), lay.queues, tuple(q.slot for q in queues), _nothing, False
        for i, q in enumerate(queues):
            yield ("queues", i), R(q.slot), q, self._draw_queue, False
        yield ("queue_pages",), lay.queue_pages, qpages, self._draw_queue_pages, False

    # -- header ---------------------------------------------------------------------

    def _draw_header(self, surface: pygame.Surface, lay: HallLayout, spec: _Header) -> None:
        p = self.painter
        surface.fill(PANEL, lay.header)
        if spec.name:
            name, size = self._fit(spec.name, lay.hall_name.height * 0.42, lay.label_px,
                                   lay.hall_name.width)  # fmt: skip
            self._text(surface, name, size, TEXT, lay.hall_name, align="left")
        date, size = self._fit(spec.date, lay.date.height * 0.45, lay.small_px, lay.date.width)
        self._text(surface, date, size, MUTED, lay.date, align="right")
        self._text(surface, spec.clock, p.fit(spec.clock, lay.clock.height * 0.5,
                   lay.clock.width), TEXT, lay.clock, align="right")  # fmt: skip
        if spec.away:
            draw_offline_marker(surface, p, lay.indicator, spec.away)

    # -- the latest call --------------------------------------------------------------

    def _latest_spec(self, state: BoardState, view: HallView) -> _Latest:
        latest = next(
            (e for e in state.recent_calls if self.counters is None or e.counter in self.counters),
            None,
        )
        flash = latest is not None and latest.seq in view.flashing and view.flash_on
        bg, fg, number_fg = (FLASH_BG, FLASH_FG, FLASH_FG) if flash else (PANEL, TEXT, NUMBER)
        label = latest.ticket.label if latest and latest.ticket else "-"
        counter = (latest.counter_name or latest.counter or "").upper() if latest else None
        if state.seq is None:
            counter = word("waiting_for_central", view.language)
        return _Latest(word("latest", view.language), label, counter, bg, fg, number_fg)

    def _draw_latest(self, surface: pygame.Surface, lay: HallLayout, spec: _Latest) -> None:
        p = self.painter
        surface.blit(self._panel(surface, lay.latest.size, spec.bg), lay.latest)
        # The number is opaque on the panel's colour: a third of the cost of a transparent
        # one, and it is the largest thing drawn when a call arrives.
        self._text(surface, spec.label, self._number_size(lay, spec.label), spec.number_fg,
                   lay.latest_number, bg=spec.bg, role="latest_number")  # fmt: skip
        self._text(surface, spec.title, p.fit(spec.title, lay.latest_title.h * 0.45,
                   lay.latest_title.w), spec.fg, lay.latest_title)  # fmt: skip
        if spec.counter:
            self._text(surface, spec.counter, p.fit(spec.counter, lay.latest_counter.h * 0.5,
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

    def _cells(
        self, lay: HallLayout, state: BoardState, view: HallView
    ) -> tuple[list[_Cell], _Pages]:
        counters = [
            c
            for c in state.counters.values()
            if c.state != "closed" and (self.counters is None or c.counter in self.counters)
        ]
        if not counters:
            return [], _Pages("", lay.label_px)
        p = self.painter
        number_font = p.font(p.size_for_height(lay.number_px))
        prefixes = {q.prefix for q in state.queues.values()} | {"A"}
        number_w = max(number_font.size(f"{prefix}888")[0] for prefix in prefixes)
        name_w = max(p.font(p.size_for_height(lay.label_px)).size(c.name)[0] for c in counters)
        # The number half the inner cell's height, the whole name beside it; or, when
        # that puts more counters on a page, the name above the number.
        side_h = counter_cell_min_h(lay.number_px)
        gap = max(side_h // 8, 6)
        side = _grid(len(counters), lay.table, name_w + number_w + 3 * gap + side_h // 10 + 2,
                     side_h, lay.table.h // 6)  # fmt: skip
        stack_h = round((lay.label_px + lay.number_px) / (0.8 * 0.9))
        stack = _grid(len(counters), lay.table, max(name_w, number_w) + 2 * gap + stack_h // 10 + 2,
                      stack_h, lay.table.h // 5)  # fmt: skip
        stacked = stack[0] * stack[1] > side[0] * side[1] and len(counters) > side[0] * side[1]
        cols, rows, cell_w, cell_h = stack if stacked else side
        page, pages = _page(len(counters), cols * rows, view.now)
        shown = counters[page * cols * rows : (page + 1) * cols * rows]
        hot = {e.counter: e.seq for e in state.recent_calls[: view.highlight]}
        newest_first = {e.counter for e in state.recent_calls[:1]}
        cells = []
        for i, c in enumerate(shown):
            col, row = divmod(i, rows)
            slot = (lay.table.x + col * cell_w, lay.table.y + row * cell_h, cell_w, cell_h)
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
                               outlined=seq is not None and not blinking,
                               name_px=lay.label_px, number_px=lay.number_px,
                               number_w=number_w, stacked=stacked))  # fmt: skip
        return cells, _Pages(_pages_text(page, pages, view.language), lay.label_px)

    def _draw_cell(self, surface: pygame.Surface, lay: HallLayout, spec: _Cell) -> None:
        row_h = spec.slot[3]
        cell = R(spec.slot).inflate(-max(row_h // 10, 2), -max(row_h // 10, 2))
        pygame.draw.rect(surface, spec.bg, cell, border_radius=cell.h // 8)
        if spec.outlined:
            pygame.draw.rect(surface, NUMBER, cell, width=max(cell.h // 16, 2),
                             border_radius=cell.h // 8)  # fmt: skip
        gap = max(row_h // 8, 6)
        if spec.stacked:
            inner = cell.inflate(-2 * gap, -max(cell.h // 10, 2))
            name_h = inner.h * spec.name_px // (spec.name_px + spec.number_px)
            name_r = R(inner.x, inner.y, inner.w, name_h)
            num_r = R(inner.x, name_r.bottom, inner.w, inner.h - name_h)
            name, size = self._fit(spec.name, name_r.h * 0.8, spec.name_px, name_r.w)
            self._text(surface, name, size, spec.fg, name_r, align="left", role="counter_name")
            floor = spec.number_px if spec.text_height >= 0.5 else spec.name_px
            text, size = self._fit(spec.text, num_r.h * 0.8, floor, num_r.w)
            self._text(surface, text, size, spec.color, num_r, align="right", role="counter_number")
            return
        num_w = min(spec.number_w, cell.w - 2 * gap)
        num_r = R(cell.right - gap - num_w, cell.y, num_w, cell.h)
        name_r = R(cell.x + gap, cell.y, max(num_r.x - gap - cell.x - gap, 1), cell.h)
        name, size = self._fit(spec.name, max(cell.h * 0.36, spec.name_px), spec.name_px,
                               name_r.w)  # fmt: skip
        self._text(surface, name, size, spec.fg, name_r, align="left", role="counter_name")
        want = max(cell.h * spec.text_height, spec.number_px if spec.text_height >= 0.5
                   else spec.name_px)  # fmt: skip
        floor = spec.number_px if spec.text_height >= 0.5 else spec.name_px
        text, size = self._fit(spec.text, want, floor, num_r.w)
        self._text(surface, text, size, spec.color, num_r, align="right", role="counter_number")

    def _draw_table_pages(self, surface: pygame.Surface, lay: HallLayout, spec: _Pages) -> None:
        self._draw_pages(surface, lay.table_pages, spec)

    def _draw_queue_pages(self, surface: pygame.Surface, lay: HallLayout, spec: _Pages) -> None:
        self._draw_pages(surface, lay.queue_pages, spec)

    def _draw_pages(self, surface: pygame.Surface, rect: R, spec: _Pages) -> None:
        if spec.text:
            size = self.painter.size_for_height(spec.px)
            self._text(surface, spec.text, size, MUTED, rect, align="right", role="pages")

    # -- queues ---------------------------------------------------------------------

    def _queue_specs(
        self, lay: HallLayout, state: BoardState, view: HallView
    ) -> tuple[list[_Queue], _Pages]:
        language = view.language
        queues = [q for q in state.queues.values() if self.queues is None or q.queue in self.queues]
        if not queues:
            return [], _Pages("", lay.label_px)
        p = self.painter
        label_font = p.font(p.size_for_height(lay.label_px))
        waiting = word("waiting", language).lower()
        # Room for the count and about twelve letters of a title ("Perpanjangan").
        min_w = round(max(label_font.size(f"888 {waiting}")[0],
                          label_font.size("Perpanjangan")[0]) / 0.85)  # fmt: skip
        min_h = queue_cell_min_h(lay.label_px, lay.small_px)
        cols, rows, cell_w, cell_h = _grid(len(queues), lay.queues, min_w, min_h,
                                           max(min_h, lay.queues.h // 2))  # fmt: skip
        page, pages = _page(len(queues), cols * rows, view.now)
        shown = queues[page * cols * rows : (page + 1) * cols * rows]
        per_agency: dict[str, int] = {}
        for q in queues:
            per_agency[q.agency] = per_agency.get(q.agency, 0) + 1
        specs = []
        for i, q in enumerate(shown):
            row, col = divmod(i, cols)
            slot = (lay.queues.x + col * cell_w, lay.queues.y + row * cell_h, cell_w, cell_h)
            # Two queues of one agency (Dukcapil A and AK) would read the same: name them.
            title = q.agency if per_agency[q.agency] == 1 else q.name
            text = f"{q.waiting} {waiting}"
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
            specs.append(_Queue(slot, f"{q.prefix} \u00b7 {title}", text, wait,
                                lay.label_px, lay.small_px))  # fmt: skip
        return specs, _Pages(_pages_text(page, pages, language), lay.label_px)

    def _draw_queue(self, surface: pygame.Surface, lay: HallLayout, spec: _Queue) -> None:
        cell = R(spec.slot).inflate(-max(spec.slot[3] // 20, 2), -max(spec.slot[3] // 20, 2))
        pygame.draw.rect(surface, PANEL, cell, border_radius=cell.h // 10)
        inner = cell.inflate(-max(cell.w // 14, 4), -max(cell.h // 20, 2))
        title_h, main_h = inner.h * 36 // 100, inner.h * 36 // 100
        top = R(inner.x, inner.y, inner.w, title_h)
        title, size = self._fit(spec.title, title_h * 0.8, spec.label_px, inner.w)
        self._text(surface, title, size, MUTED, top, align="left", role="queue_label")
        middle = R(inner.x, top.bottom, inner.w, main_h)
        text, size = self._fit(spec.text, main_h * 0.8, spec.label_px, inner.w)
        self._text(surface, text, size, TEXT, middle, align="left", role="queue_count")
        if spec.wait:
            low = R(inner.x, middle.bottom, inner.w, inner.bottom - middle.bottom)
            wait, size = self._fit(spec.wait, low.h * 0.8, spec.small_px, inner.w)
            self._text(surface, wait, size, MUTED, low, align="left", role="queue_wait")

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


def _grid(n: int, area: R, min_w: int, min_h: int, max_h: int) -> tuple[int, int, int, int]:
    """(columns, rows, cell width, cell height) for `n` cells of at least min_w x min_h in
    `area`: the fewest columns that hold them all, else as many as fit, and pages."""
    cols_max = max(1, area.w // max(min_w, 1))
    rows_max = max(1, area.h // max(min_h, 1))
    if n <= cols_max * rows_max:
        cols = -(-n // rows_max)
        rows = -(-n // cols)
    else:
        cols, rows = cols_max, rows_max
    return cols, rows, area.w // cols, max(min(area.h // rows, max_h), min(min_h, area.h))


def _page(n: int, per_page: int, now: datetime) -> tuple[int, int]:
    """(page shown now, pages): pages turn every PAGE_S, the same on every board."""
    pages = max(1, -(-n // max(per_page, 1)))
    return int(now.timestamp() // PAGE_S) % pages, pages


def _pages_text(page: int, pages: int, language: Language) -> str:
    return f"{PAGE_WORD[language]} {page + 1}/{pages}" if pages > 1 else ""


def _nothing(surface: pygame.Surface, lay: HallLayout, spec: object) -> None:
    """An area that only holds other regions: cleared to the background, nothing else."""

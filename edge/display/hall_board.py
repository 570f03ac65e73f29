"""The hall board: the latest call in large digits, every counter, queue lengths, clock, ticker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pygame

from edge.display._text import TextPainter
from edge.display._theme import (
    BACKGROUND,
    DAYS,
    FLASH_BG,
    FLASH_FG,
    MONTHS,
    MUTED,
    NUMBER,
    PANEL,
    TEXT,
    Language,
    word,
)
from edge.display.board_state import BoardState
from edge.display.counter_board import draw_offline_marker

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


@dataclass
class HallBoard:
    painter: TextPainter
    running_text: str = ""

    def render(self, surface: pygame.Surface, state: BoardState, view: HallView) -> None:
        p = self.painter
        lay = hall_layout(surface.get_size())
        lang = view.language
        surface.fill(BACKGROUND)

        surface.fill(PANEL, lay.header)
        name = (view.hall_name or state.hall_name or "").upper()
        if name:
            size = p.fit(name, lay.hall_name.height * 0.42, lay.hall_name.width)
            p.draw(surface, name, size, TEXT, lay.hall_name, align="left")
        date_text = format_date(view.now, lang)
        p.draw(surface, date_text, p.fit(date_text, lay.date.height * 0.45, lay.date.width),
               MUTED, lay.date, align="right")  # fmt: skip
        clock = view.now.strftime("%H:%M")
        p.draw(surface, clock, p.fit(clock, lay.clock.height * 0.5, lay.clock.width), TEXT,
               lay.clock, align="right")  # fmt: skip
        if view.away:
            draw_offline_marker(surface, p, lay.indicator, view.away)

        self._latest(surface, lay, state, view)
        self._table(surface, lay, state, view)
        self._queues(surface, lay, state, view)

    def _latest(self, surface: pygame.Surface, lay: HallLayout, state: BoardState,
                view: HallView) -> None:  # fmt: skip
        p = self.painter
        latest = state.recent_calls[0] if state.recent_calls else None
        flash = latest is not None and latest.seq in view.flashing and view.flash_on
        bg, fg, number_fg = (FLASH_BG, FLASH_FG, FLASH_FG) if flash else (PANEL, TEXT, NUMBER)
        pygame.draw.rect(surface, bg, lay.latest, border_radius=lay.latest.h // 30)
        title = word("latest", view.language)
        p.draw(surface, title, p.fit(title, lay.latest_title.h * 0.45, lay.latest_title.w), fg,
               lay.latest_title)  # fmt: skip
        label = latest.ticket.label if latest and latest.ticket else "-"
        size = p.fit(label, lay.latest_number.h * 0.78, lay.latest_number.w * 0.92)
        p.draw(surface, label, size, number_fg, lay.latest_number)
        if latest is not None:
            counter = (latest.counter_name or latest.counter or "").upper()
            p.draw(surface, counter, p.fit(counter, lay.latest_counter.h * 0.5,
                   lay.latest_counter.w * 0.92), fg, lay.latest_counter)  # fmt: skip

    def _table(self, surface: pygame.Surface, lay: HallLayout, state: BoardState,
               view: HallView) -> None:  # fmt: skip
        p = self.painter
        counters = [c for c in state.counters.values() if c.state != "closed"]
        if not counters:
            return
        columns = 1 if len(counters) <= 10 else 2
        rows = -(-len(counters) // columns)
        col_w = lay.table.w // columns
        row_h = min(lay.table.h // max(rows, 1), lay.table.h // 6)
        hot = {e.counter: e.seq for e in state.recent_calls[: view.highlight]}
        newest_first = {e.counter for e in state.recent_calls[:1]}
        for i, c in enumerate(counters):
            col, row = divmod(i, rows)
            cell = R(lay.table.x + col * col_w, lay.table.y + row * row_h, col_w, row_h)
            cell.inflate_ip(-row_h // 10, -row_h // 10)
            seq = hot.get(c.counter)
            blinking = seq is not None and seq in view.flashing and view.flash_on
            bg = FLASH_BG if blinking else PANEL
            pygame.draw.rect(surface, bg, cell, border_radius=cell.h // 8)
            if seq is not None and not blinking:
                pygame.draw.rect(surface, NUMBER, cell, width=max(cell.h // 16, 2),
                                 border_radius=cell.h // 8)  # fmt: skip
            fg = FLASH_FG if blinking else TEXT
            name_r = R(cell.x + cell.h // 4, cell.y, cell.w * 55 // 100, cell.h)
            num_r = R(cell.centerx, cell.y, cell.w // 2 - cell.h // 4, cell.h)
            p.draw(surface, c.name, p.fit(c.name, cell.h * 0.36, name_r.w), fg, name_r,
                   align="left")  # fmt: skip
            if c.state == "paused":
                text, color = word("paused", view.language), MUTED
                size = p.fit(text, cell.h * 0.3, num_r.w)
            else:
                text = c.ticket.label if c.ticket and c.state in ("calling", "serving") else "-"
                color = FLASH_FG if blinking else (NUMBER if c.counter in newest_first else TEXT)
                size = p.fit(text, cell.h * 0.5, num_r.w)
            p.draw(surface, text, size, color, num_r, align="right")

    def _queues(self, surface: pygame.Surface, lay: HallLayout, state: BoardState,
                view: HallView) -> None:  # fmt: skip
        p = self.painter
        queues = list(state.queues.values())
        if not queues:
            return
        cell_w = lay.queues.w // len(queues)
        title_h = lay.queues.h * 30 // 100
        for i, q in enumerate(queues):
            cell = R(lay.queues.x + i * cell_w, lay.queues.y, cell_w, lay.queues.h)
            cell.inflate_ip(-lay.queues.h // 12, 0)
            pygame.draw.rect(surface, PANEL, cell, border_radius=cell.h // 10)
            top = R(cell.x, cell.y, cell.w, title_h)
            agency = q.agency.upper()
            p.draw(surface, agency, p.fit(agency, title_h * 0.5, cell.w * 0.9), MUTED, top)
            bottom = R(cell.x, cell.y + title_h, cell.w, cell.h - title_h)
            text = f"{q.prefix}  {q.waiting}"
            p.draw(surface, text, p.fit(text, bottom.h * 0.5, cell.w * 0.9), TEXT, bottom)

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

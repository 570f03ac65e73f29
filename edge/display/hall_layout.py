"""Where the hall board puts things at a given screen size, and its minimum text sizes."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

R = pygame.Rect


# Minimum text sizes, as glyph heights (digits, capitals) in parts of the screen's short
# side (1080 px on a landscape or portrait 1080p screen): read from across a hall.
NUMBER_MIN = 0.04  # a counter's current number
LABEL_MIN = 0.025  # queue labels and waiting counts, counter names, page indicators
TEXT_FLOOR_PX = 18  # nothing smaller at any size (an estimate, a 720p label)


def min_text(size: tuple[int, int], share: float) -> int:
    """Glyph height in px for a minimum given as a share of the short side."""
    return max(TEXT_FLOOR_PX, round(min(size) * share))


def queue_cell_min_h(label_px: int, small_px: int) -> int:
    """A queue's cell: title and count at the label size, the estimate at the floor, each
    line's glyphs 80 % of its share (36, 36, 28 %) of the inner cell."""
    return round(max(label_px / (0.8 * 0.36 * 0.9), small_px / (0.8 * 0.28 * 0.9)))


def counter_cell_min_h(number_px: int) -> int:
    """A counter's cell: its number half the inner cell's height."""
    return round(number_px / (0.5 * 0.9))


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
    table: R  # the counters' grid
    table_pages: R  # "Halaman 1/3" under it, when it pages
    queues: R  # the queues' grid
    queue_pages: R
    ticker: R
    number_px: int  # minimum glyph heights at this size
    label_px: int
    small_px: int


def hall_layout(size: tuple[int, int]) -> HallLayout:
    """Landscape: the latest call on the left (as large as the demo board always had it),
    counters and then queues on the right. Portrait: the latest call on top, then the
    counters, the queues, the ticker."""
    w, h = size
    number_px, label_px = min_text(size, NUMBER_MIN), min_text(size, LABEL_MIN)
    small_px = TEXT_FLOOR_PX
    pad = min(size) // 60
    header_h = min(size) * (11 if w >= h else 18) // 100
    ticker_h = min(size) * 7 // 100
    body_top = header_h + pad
    body_h = h - header_h - ticker_h - 2 * pad
    pages_h = round(label_px * 1.6)
    # Two rows of queues at their minimum size, with their page line.
    queue_row = queue_cell_min_h(label_px, small_px)
    if w >= h:
        band = 2 * queue_row + pages_h
        latest_w = w * 55 // 100
        latest = R(pad, body_top, latest_w - pad, body_h - band - pad)
        table = R(latest_w + pad, body_top, w - latest_w - 2 * pad, latest.h - pages_h)
        table_pages = R(table.x, table.bottom, table.w, pages_h)
        queues = R(pad, latest.bottom + pad, w - 2 * pad, 2 * queue_row)
        queue_pages = R(pad, queues.bottom, queues.w, pages_h)
    else:
        latest = R(pad, body_top, w - 2 * pad, body_h * 28 // 100)
        rest_top = latest.bottom + pad
        rest_h = body_top + body_h - rest_top
        table = R(pad, rest_top, w - 2 * pad, (rest_h - 2 * pages_h - pad) * 55 // 100)
        table_pages = R(pad, table.bottom, table.w, pages_h)
        queues = R(pad, table_pages.bottom + pad, table.w,
                   body_top + body_h - pages_h - table_pages.bottom - pad)  # fmt: skip
        queue_pages = R(pad, queues.bottom, table.w, pages_h)
    title_h = latest.h * 13 // 100
    counter_h = latest.h * 20 // 100
    if w >= h:
        hall_name = R(pad, 0, w * 58 // 100, header_h)
        date = R(w * 62 // 100, 0, w * 25 // 100, header_h * 55 // 100)
        clock = R(w * 87 // 100, 0, w * 13 // 100 - pad, header_h)
        indicator = R(w * 62 // 100, header_h * 58 // 100, w * 25 // 100, header_h * 35 // 100)
    else:
        # Narrow: the hall's name on a line of its own, the date and clock under it.
        half = header_h // 2
        hall_name = R(pad, 0, w - 2 * pad, half)
        date = R(pad, half, w * 45 // 100, half)
        indicator = R(w * 47 // 100, half + half // 8, w * 28 // 100, half * 3 // 4)
        clock = R(w * 76 // 100, half, w * 24 // 100 - pad, half)
    return HallLayout(
        header=R(0, 0, w, header_h),
        hall_name=hall_name,
        date=date,
        clock=clock,
        indicator=indicator,
        latest=latest,
        latest_title=R(latest.x, latest.y, latest.w, title_h),
        latest_number=R(latest.x, latest.y + title_h, latest.w, latest.h - title_h - counter_h),
        latest_counter=R(latest.x, latest.bottom - counter_h, latest.w, counter_h),
        table=table,
        table_pages=table_pages,
        queues=queues,
        queue_pages=queue_pages,
        ticker=R(0, h - ticker_h, w, ticker_h),
        number_px=number_px,
        label_px=label_px,
        small_px=small_px,
    )

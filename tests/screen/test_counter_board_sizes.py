"""The counter board at every screen size a counter may have, with mpp-palembang's longest
names: measured on the frame, the number, the name and the state are large enough, and the
offline marker never lies over the name."""

from __future__ import annotations

from datetime import date
from typing import cast

import pygame
import pytest

from edge.screen import counter_board_layout, render_counter_board
from edge.screen.theme import MUTED, NUMBER, OFFLINE, TEXT, word
from protocol.messages import CounterSnapshot, TicketInfo

SIZES = [(800, 480), (1280, 720), (1920, 1080), (3840, 2160), (1080, 1920)]
NAMES = ["Drive Thru 1", "Loket 38A", "Tim Teknis"]


def _snapshot(name: str, label: str) -> CounterSnapshot:
    ticket = TicketInfo(
        ticket_id="t-1", label=label, queue="samsat-drive-thru", queue_name="Drive Thru",
        agency="Samsat", number=int(label[-3:]), business_day=date(2026, 12, 3),
        priority=False, status="called", issued_at="2026-12-03T02:00:00Z", offline=False,
        people_ahead=0,
    )  # fmt: skip
    return CounterSnapshot(seq=1, counter="c", name=name, state="calling", officer=None,
                           ticket=ticket, queues=["samsat-drive-thru"])  # fmt: skip


def _ink(surface: pygame.Surface, rect: pygame.Rect, color: tuple[int, int, int]) -> pygame.Rect:
    mask = pygame.mask.from_threshold(surface.subsurface(rect), (*color, 255), (40, 40, 40, 255))
    box = pygame.Rect(0, 0, 0, 0)
    for r in cast(list[pygame.Rect], mask.get_bounding_rects()):
        box = r if box.width == 0 else box.union(r)
    return box.move(rect.topleft) if box.width else box


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", NAMES)
def test_counter_board_text_is_large_and_clear_of_the_marker(
    size: tuple[int, int], name: str
) -> None:
    pygame.font.init()
    surface = pygame.Surface(size)
    render_counter_board(surface, _snapshot(name, "CD012"), offline=True,
                         away=word("central_away", "id"))  # fmt: skip
    lay = counter_board_layout(size)
    short = min(size)
    number = _ink(surface, lay.number, NUMBER)
    title = _ink(surface, lay.name, TEXT)
    state = _ink(surface, lay.state, MUTED)
    marker = _ink(surface, lay.indicator, OFFLINE)
    assert number.height >= 0.04 * short * 3  # the board is the number: far above the rule
    assert title.height >= max(18, 0.025 * short), (name, title)
    assert state.height >= max(18, 0.025 * short), state
    assert marker.width > 0
    assert not title.colliderect(marker), f"{name}: {title} under the marker {marker}"

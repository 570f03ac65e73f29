"""The counter board draws the served number large, where its layout says, and marks offline."""

from __future__ import annotations

from typing import cast

import pygame

from edge.screen import counter_board_layout, render_counter_board
from edge.screen.theme import BACKGROUND, NUMBER, OFFLINE, word
from protocol.messages import CounterSnapshot
from tests.tickets import dukcapil_ticket


def _snapshot(label: str | None, state: str = "calling") -> CounterSnapshot:
    ticket = None
    if label:
        ticket = dukcapil_ticket(label)
    return CounterSnapshot.model_validate(
        {
            "seq": 7,
            "counter": "loket-3",
            "name": "Loket 3",
            "state": state,
            "officer": None,
            "ticket": ticket,
            "queues": ["dukcapil"],
        }
    )


def _color_box(
    surface: pygame.Surface, rect: pygame.Rect, color: tuple[int, int, int]
) -> pygame.Rect:
    """Bounding box of the pixels of exactly `color` inside rect (antialiasing excluded)."""
    sub = surface.subsurface(rect)
    mask = pygame.mask.from_threshold(sub, (*color, 255), (1, 1, 1, 255))
    # pygame's stub says Rect; it returns a list of Rects.
    rects = cast(list[pygame.Rect], mask.get_bounding_rects())
    box = pygame.Rect(0, 0, 0, 0)
    for r in rects:
        box = r if box.width == 0 else box.union(r)
    return box


def test_number_fills_the_number_area_at_both_screen_sizes() -> None:
    for size in ((1920, 1080), (1280, 720), (480, 320)):
        surface = pygame.Surface(size)
        render_counter_board(surface, _snapshot("A012"))
        lay = counter_board_layout(size)
        box = _color_box(surface, lay.number, NUMBER)
        # Readable from afar: digits at least a fifth of the screen height.
        assert box.height >= size[1] / 5, (size, box)
        assert box.width > lay.number.width / 2
        # Nothing in the number colour outside its area.
        outside = surface.copy()
        outside.fill(BACKGROUND, lay.number)
        assert _color_box(outside, outside.get_rect(), NUMBER).width == 0


def test_number_changes_with_the_snapshot() -> None:
    a = pygame.Surface((1280, 720))
    b = pygame.Surface((1280, 720))
    render_counter_board(a, _snapshot("A012"))
    render_counter_board(b, _snapshot("A013"))
    lay = counter_board_layout((1280, 720))
    assert pygame.image.tobytes(a.subsurface(lay.number), "RGB") != pygame.image.tobytes(
        b.subsurface(lay.number), "RGB"
    )


def test_idle_counter_and_unknown_state_show_a_dash_not_a_number() -> None:
    lay = counter_board_layout((1280, 720))
    for snap in (None, _snapshot(None, "idle"), _snapshot("A012", "paused")):
        surface = pygame.Surface((1280, 720))
        render_counter_board(surface, snap)
        box = _color_box(surface, lay.number, NUMBER)
        assert 0 < box.height < 720 / 10, snap


def test_offline_marker_only_when_offline() -> None:
    lay = counter_board_layout((1280, 720))
    online = pygame.Surface((1280, 720))
    offline = pygame.Surface((1280, 720))
    render_counter_board(online, _snapshot("A012"))
    render_counter_board(offline, _snapshot("A012"), offline=True)
    assert _color_box(online, lay.indicator, OFFLINE).width == 0
    assert _color_box(offline, lay.indicator, OFFLINE).width > 0


def test_the_marker_says_what_is_gone_in_the_words_every_board_uses() -> None:
    """Network down or only central: the hall board's words (theme), not a word of its own."""
    lay = counter_board_layout((1280, 720))
    network = pygame.Surface((1280, 720))
    central = pygame.Surface((1280, 720))
    render_counter_board(network, _snapshot("A012"), offline=True)
    render_counter_board(central, _snapshot("A012"), offline=True,
                         away=word("central_away", "id"))  # fmt: skip
    assert word("offline", "id") == "jaringan terputus"
    assert word("central_away", "id") == "server pusat tidak terhubung"
    # Each marker is drawn, and they differ: the marker says which one is gone.
    a = _color_box(network, lay.indicator, OFFLINE)
    b = _color_box(central, lay.indicator, OFFLINE)
    assert a.width > 0 and b.width > 0
    grab = pygame.image.tobytes
    assert grab(network.subsurface(lay.indicator), "RGB") != grab(
        central.subsurface(lay.indicator), "RGB"
    )

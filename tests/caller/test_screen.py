"""The counter screen on SDL's dummy driver: checked on the rendered surface."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

import pygame
import pytest

from edge.caller import Led
from edge.caller._pygame_screen import ERROR_BG, NOTICE_SHARE, PygameScreen, draw_tiles
from edge.caller.panel import FAULT, SLOW, BoardView
from protocol import messages as m
from tests.caller.conftest import NEXT, Caller, CentralRunner, Observer, wait_for
from tests.tickets import dukcapil_ticket

NUMBER_COLOUR = (255, 204, 0)  # edge/display's theme colour for the served number


def view(label: str | None, state: m.CounterState = "calling", **kw: object) -> BoardView:
    t = None
    if label is not None:
        t = dukcapil_ticket(label)
    snap = m.CounterSnapshot(
        seq=3,
        counter="loket-1",
        name="Loket 1",
        state=state,
        officer="budi",
        ticket=t,
        queues=["dukcapil"],
    )
    args: dict[str, object] = {"snapshot": snap, "offline": False, "notice": None, "error": False}
    args.update(kw)
    return BoardView(**args)  # type: ignore[arg-type]


def number_box(surface: pygame.Surface) -> pygame.Rect | None:
    """Bounding box of the pixels in the number's colour."""
    mask = pygame.mask.from_threshold(surface, NUMBER_COLOUR, (40, 40, 40, 255))
    # pygame 2.6's stub says Rect; the call returns a list of Rects.
    rects = cast(list[pygame.Rect], mask.get_bounding_rects())
    return rects[0].unionall(rects[1:]) if rects else None


@pytest.fixture
def surface() -> pygame.Surface:
    pygame.font.init()
    return pygame.Surface((800, 480))


def rgb(surface: pygame.Surface, x: int, y: int) -> tuple[int, int, int]:
    c = surface.get_at((x, y))
    return (c.r, c.g, c.b)


def test_the_current_number_is_drawn_large(surface: pygame.Surface) -> None:
    draw_tiles(surface, [view("A012")], "id")
    box = number_box(surface)
    assert box is not None
    # Readable above a desk: the digits take over a third of the screen's height.
    assert box.height >= 0.33 * surface.get_height()
    assert box.width >= 0.4 * surface.get_width()
    first = pygame.image.tobytes(surface, "RGB")
    draw_tiles(surface, [view("A013")], "id")
    assert pygame.image.tobytes(surface, "RGB") != first


def test_no_ticket_shows_no_number(surface: pygame.Surface) -> None:
    draw_tiles(surface, [view(None, "idle")], "id")
    box = number_box(surface)
    # Only the small dash that stands for "nobody called".
    assert box is None or box.height < 0.1 * surface.get_height()


def test_error_notice_strip(surface: pygame.Surface) -> None:
    draw_tiles(surface, [view("A012", notice="Tidak ada antrian menunggu.", error=True)], "id")
    h = surface.get_height()
    assert rgb(surface, 3, h - 3) == ERROR_BG
    draw_tiles(surface, [view("A012")], "id")
    assert rgb(surface, 3, h - 3) != ERROR_BG
    assert NOTICE_SHARE < 0.25  # the number keeps most of the screen


def test_two_counters_side_by_side(surface: pygame.Surface) -> None:
    draw_tiles(surface, [view("A012"), view(None, "paused")], "id")
    left = number_box(surface.subsurface(pygame.Rect(0, 0, 400, 480)))
    right = number_box(surface.subsurface(pygame.Rect(400, 0, 400, 480)))
    # A half-width tile is width-bound: the number fills its width instead.
    assert left is not None and left.width >= 0.8 * 400 and left.right <= 400
    assert right is None or right.height < 0.1 * 480


def test_node_screen_follows_central(
    central_runner: CentralRunner, observer: Observer, make_caller: Callable[..., Caller]
) -> None:
    observer.issue("dukcapil", 1)
    c = make_caller(screen={"mode": "window", "width": 640, "height": 360})
    c.ready()
    screen = c.node.screen
    assert isinstance(screen, PygameScreen)

    def shown() -> pygame.Surface:
        def copy() -> pygame.Surface:
            assert screen.surface is not None
            return screen.surface.copy()

        return c.node.inspect(copy)  # type: ignore[return-value]

    c.press(NEXT)
    wait_for(lambda: (s := c.snapshot()) is not None and s.ticket is not None)
    time.sleep(0.2)
    expected = pygame.Surface((640, 360))
    snap = c.snapshot()
    assert snap is not None and snap.ticket is not None and snap.ticket.label == "A001"
    draw_tiles(expected, [BoardView(snap, offline=False, notice=None, error=False)], "id")
    got = shown()
    assert pygame.image.tobytes(got, "RGB") == pygame.image.tobytes(expected, "RGB")
    box = number_box(got)
    assert box is not None and box.height >= 0.33 * 360

    central_runner.stop()
    c.wait_led(Led.ONLINE, SLOW)
    c.press(NEXT)
    c.wait_led(Led.ERROR, FAULT)
    time.sleep(0.2)
    got = shown()
    assert rgb(got, 3, 357) == ERROR_BG  # the officer sees why nothing happened
    assert number_box(got) is not None  # and the last number stays on screen


def test_simulator_keys_press_the_mock_buttons(
    central_runner: CentralRunner, observer: Observer, make_caller: Callable[..., Caller]
) -> None:
    observer.issue("dukcapil", 1)
    c = make_caller(screen={"mode": "window", "width": 320, "height": 200})
    c.ready()

    def key(name: str, down: bool) -> None:
        kind = pygame.KEYDOWN if down else pygame.KEYUP

        # Posted on the loop thread, where the window lives; pump() reads it there.
        def post() -> None:
            pygame.event.post(pygame.event.Event(kind, key=ord(name)))

        c.node.call_soon(post)

    key("n", True)
    key("n", False)
    called = observer.wait_kind("ticket_called")
    assert called[0].ticket is not None and called[0].ticket.label == "A001"
    assert c.pin(NEXT).state  # released again

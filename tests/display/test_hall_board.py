"""The hall board's partial frames: only what changed is redrawn, and the result is pixel for
pixel the full frame of the same state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pygame
import pytest

from antrian.board_state import BoardState
from edge.display.hall_board import HallBoard, HallView
from edge.display.hall_layout import hall_layout
from edge.screen.text import TextPainter
from tests.display.display_messages import counter, event, hall, queue

SIZE = (1280, 720)
NOW = datetime(2025, 3, 3, 2, 15, tzinfo=UTC)


@pytest.fixture
def painter() -> TextPainter:
    pygame.font.init()
    return TextPainter()


def _state() -> BoardState:
    state = BoardState()
    state.apply_snapshot(
        hall(
            10,
            counters=[counter(f"loket-{i}") for i in range(1, 7)],
            queues=[queue("dukcapil", "A", 5), queue("samsat", "D", 2), queue("bpjs", "B", 0)],
        )
    )
    return state


def _full(painter: TextPainter, state: BoardState, view: HallView) -> pygame.Surface:
    surface = pygame.Surface(SIZE)
    HallBoard(painter).render(surface, state, view)
    return surface


def _same(a: pygame.Surface, b: pygame.Surface) -> bool:
    return pygame.image.tobytes(a, "RGB") == pygame.image.tobytes(b, "RGB")


def _area(rects: list[pygame.Rect]) -> int:
    return sum(r.w * r.h for r in rects)


Step = Callable[[BoardState, HallView], HallView]


def _call(seq: int, label: str, counter_id: str, kind: str = "ticket_called") -> Step:
    def step(state: BoardState, view: HallView) -> HallView:
        state.apply_event(event(seq, kind, label, counter_id))
        return replace(view, flashing=view.flashing | {seq})

    return step


def _event(seq: int, kind: str, label: str | None = None, counter_id: str | None = None) -> Step:
    def step(state: BoardState, view: HallView) -> HallView:
        state.apply_event(event(seq, kind, label, counter_id))
        return view

    return step


def _waits(seq: int, minutes: int) -> Step:
    """Central's hall snapshot with Dukcapil's wait for a ticket taken now."""

    def step(state: BoardState, view: HallView) -> HallView:
        queues = [
            q.model_copy(update={"estimated_wait_min": minutes}) if q.queue == "dukcapil" else q
            for q in state.queues.values()
        ]
        state.apply_snapshot(hall(seq, counters=list(state.counters.values()), queues=queues))
        return view

    return step


def _view(**changes: object) -> Step:
    return lambda state, view: replace(view, **changes)  # type: ignore[arg-type]


# Each step changes something drawn; the board after the partial update must equal a fresh
# full frame of the same state and view.
STEPS: list[tuple[str, Step]] = [
    ("a ticket issued", _event(11, "ticket_issued", "A006")),
    ("the snapshot brings the waits", _waits(12, 25)),
    ("first call, blinking", _call(13, "A001", "loket-2")),
    ("blink phase on", _view(flash_on=True)),
    ("second call elsewhere", _call(14, "D001", "loket-5")),
    ("blink phase off", _view(flash_on=False)),
    ("recall", _call(15, "A001", "loket-2", kind="ticket_recalled")),
    ("blink phase on again", _view(flash_on=True)),
    ("blinking over", _view(flashing=frozenset())),
    ("ticket served", _event(16, "ticket_served", "A001", "loket-2")),
    ("counter paused", _event(17, "counter_paused", None, "loket-3")),
    ("the minute turns", _view(now=NOW + timedelta(minutes=1))),
    ("broker lost", _view(away="jaringan terputus")),
    ("broker back", _view(away=None)),
    ("english", _view(language="en")),
    ("calls 3 and 4 push the first out of the highlight", _call(18, "D002", "loket-6")),
    ("another call", _call(19, "B001", "loket-1")),
    ("day closed", _event(20, "day_closed")),
]


def test_partial_frames_equal_full_frames(painter: TextPainter) -> None:
    state = _state()
    view = HallView(now=NOW, hall_name="MPP Kota Contoh")
    board = HallBoard(painter)
    screen = pygame.Surface(SIZE)
    assert board.update(screen, state, view) == [screen.get_rect()]  # the first is whole
    assert _same(screen, _full(painter, state, view))
    assert board.update(screen, state, view) == []  # nothing changed, nothing drawn

    for what, step in STEPS:
        view = step(state, view)
        before = screen.copy()
        rects = board.update(screen, state, view)
        assert rects, what
        assert _same(screen, _full(painter, state, view)), what
        # Nothing outside the returned rects changed (they are what reaches the screen).
        outside = screen.copy()
        for r in rects:
            outside.blit(before, r, r)
        assert _same(outside, before), what


def test_a_call_redraws_its_panel_and_cells_not_the_board(painter: TextPainter) -> None:
    state = _state()
    view = HallView(now=NOW)
    board = HallBoard(painter)
    screen = pygame.Surface(SIZE)
    board.update(screen, state, view)
    _call(11, "A001", "loket-2")(state, view)
    rects = board.update(screen, state, view)
    lay = hall_layout(SIZE)
    assert lay.latest in rects
    assert not any(r.colliderect(lay.header) for r in rects)
    # The called counter's cell and the queue whose count fell; not the other cells.
    assert sum(1 for r in rects if lay.table.contains(r)) == 1
    assert sum(1 for r in rects if lay.queues.contains(r)) == 1
    assert _area(rects) < SIZE[0] * SIZE[1] / 2


def test_fewer_counters_clear_the_table(painter: TextPainter) -> None:
    state = _state()
    view = HallView(now=NOW)
    board = HallBoard(painter)
    screen = pygame.Surface(SIZE)
    board.update(screen, state, view)
    fewer = hall(20, counters=[counter("loket-1"), counter("loket-2", state="closed")],
                 queues=[queue("dukcapil", "A", 5)])  # fmt: skip
    state.apply_snapshot(fewer)
    assert board.update(screen, state, view)
    assert _same(screen, _full(painter, state, view))


def test_a_new_size_draws_a_full_frame(painter: TextPainter) -> None:
    state = _state()
    view = HallView(now=NOW)
    board = HallBoard(painter)
    board.update(pygame.Surface(SIZE), state, view)
    other = pygame.Surface((1920, 1080))
    assert board.update(other, state, view) == [other.get_rect()]


def test_warm_covers_every_size_a_call_number_takes(painter: TextPainter) -> None:
    lay = hall_layout((1920, 1080))
    glyph_px, width = lay.latest_number.h * 0.78, lay.latest_number.w * 0.92
    HallBoard(painter).warm((1920, 1080), "ADH")
    sizes = set()
    for prefix in "ADH":
        for n in range(1000):
            size = painter.fit(f"{prefix}{n:03d}", glyph_px, width)
            assert painter.is_warm(size, f"{prefix}{n:03d}"), (prefix, n, size)
            sizes.add(size)
    assert not painter.is_warm(max(sizes), "X")  # only the hall's prefixes
    # Sized in steps: a few fonts for three thousand numbers, not one per width.
    assert len(sizes) <= 6, sizes


def test_text_cache_is_bounded_by_bytes() -> None:
    pygame.font.init()
    budget = 4 * 2**20
    painter = TextPainter(max_bytes=budget)
    first = painter.render("A000", 400, (255, 204, 0))
    for n in range(1, 60):  # each ~0.5 MB or more: far beyond the budget
        last = painter.render(f"A{n:03d}", 400, (255, 204, 0))
    assert painter._bytes <= budget
    assert painter.render("A059", 400, (255, 204, 0)) is last  # the newest is kept
    assert painter.render("A000", 400, (255, 204, 0)) is not first  # the oldest went


def test_queue_strip_shows_waiting_and_the_wait_for_a_new_ticket(painter: TextPainter) -> None:
    """Issue 8: the board shows each queue's current wait, from central's hall snapshot
    (QueueSnapshot.estimated_wait_min: the wait of a ticket taken now)."""
    state = _state()
    board = HallBoard(painter)
    lay = hall_layout(SIZE)
    view = HallView(now=NOW, hall_name=None)
    en = HallView(now=NOW, hall_name=None, language="en")

    def specs(v: HallView) -> list[tuple[str, str, str]]:
        return [(q.title, q.text, q.wait) for q in board._queue_specs(lay, state, v)[0]]

    assert specs(view) == [
        ("A \u00b7 Dukcapil", "5 menunggu", ""),
        ("D \u00b7 Samsat", "2 menunggu", ""),
        ("B \u00b7 Bpjs", "0 menunggu", ""),
    ]
    _waits(11, 25)(state, view)
    assert specs(view)[0][1:] == ("5 menunggu", "\u00b1 25 menit")
    assert specs(en)[0][1:] == ("5 waiting", "\u00b1 25 min")
    _waits(12, 0)(state, view)  # a counter is free
    assert specs(view)[0][2] == "segera dilayani"
    # Central's range (issue 17), when it sends one, stands in for the single minute.
    queues = [
        q.model_copy(
            update={
                "estimated_wait_min": 22,
                "estimated_wait_low_min": 15,
                "estimated_wait_high_min": 30,
            }
        )
        if q.queue == "dukcapil"
        else q
        for q in state.queues.values()
    ]
    state.apply_snapshot(hall(13, counters=list(state.counters.values()), queues=queues))
    assert specs(view)[0][2] == "15-30 menit"
    assert specs(en)[0][2] == "15-30 min"

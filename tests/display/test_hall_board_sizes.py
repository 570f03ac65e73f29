"""The hall board at a real hall's size (mpp-palembang: 60 counters, 105 queues) on every
screen it is hung on: text measured on the rendered frame is never smaller than the layout's
minimums, no two pieces of text overlap, counters and queues page, a zone board shows its
zone. The frames are written to tests' tmp folder (PNG) for a person to look at."""

from __future__ import annotations

import itertools
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pygame
import pytest

from antrian.board_state import BoardState
from antrian.devbroker import REPO_ROOT
from central.config import load_catalogue
from central.hall import Hall
from edge.display.hall_board import PAGE_S, HallBoard, HallView, TextBox
from edge.display.hall_layout import LABEL_MIN, NUMBER_MIN, TEXT_FLOOR_PX
from edge.screen.text import TextPainter
from edge.screen.theme import Language
from hall.site import open_all_hours
from protocol import messages as m

SIZES = [(1280, 720), (1920, 1080), (3840, 2160), (1080, 1920)]
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
LABEL = re.compile(r"^[A-Z]{1,2}\d{3}$")


def _busy_hall(catalogue: Path, tickets: int) -> tuple[BoardState, datetime, Hall]:
    """Central's own hall snapshot after a morning: tickets in every queue, every counter
    called once, one on a break."""
    cat = load_catalogue(catalogue)
    at = T0
    hall = Hall(cat, cat.business_day(at))
    rnd = random.Random(5)
    for i in range(tickets):
        at += timedelta(seconds=2)
        req = m.IssueTicket(request_id=f"req-{i:08d}", node_id="k", sent_at=at,
                            queue=rnd.choice(cat.queues).id)  # fmt: skip
        hall.apply(req, at)
    for i, c in enumerate(cat.counters):
        at += timedelta(seconds=5)
        hall.apply(
            m.CallNext(request_id=f"call-{i:08d}", node_id="c", sent_at=at, counter=c.id), at
        )
    pause = m.PauseCounter(request_id="pause-00000001", node_id="c", sent_at=at,
                           counter=cat.counters[2].id)  # fmt: skip
    hall.apply(pause, at)
    state = BoardState()
    state.apply_snapshot(hall.hall_snapshot(at))
    return state, at, hall


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[BoardState, datetime, Hall]:
    src = REPO_ROOT / "firmware_configs" / "mpp-palembang" / "catalogue.yaml"
    return _busy_hall(open_all_hours(src, tmp_path_factory.mktemp("cat")), 900)


@pytest.fixture(scope="module")
def painter() -> TextPainter:
    pygame.font.init()
    return TextPainter()


def _render(board: HallBoard, size: tuple[int, int], state: BoardState, now: datetime,
            shots: Path | None = None) -> tuple[pygame.Surface, list[TextBox]]:  # fmt: skip
    surface = pygame.Surface(size)
    board.render(surface, state, HallView(now=now))
    if shots is not None:
        pygame.image.save(surface, str(shots / f"hall-{size[0]}x{size[1]}.png"))
    return surface, board.text_boxes()


def _ink_height(surface: pygame.Surface, box: TextBox) -> int:
    """The height of the pixels of the text's colour inside its box, read off the frame."""
    region = surface.subsurface(box.ink)
    mask = pygame.mask.from_threshold(region, (*box.color, 255), (60, 60, 60, 255))
    rects: list[pygame.Rect] = mask.get_bounding_rects()  # type: ignore[assignment]
    if not rects:
        return 0
    return max(r.bottom for r in rects) - min(r.top for r in rects)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_text_is_never_under_the_minimums_nor_overlapping(
    size: tuple[int, int], large: tuple[BoardState, datetime, Hall], painter: TextPainter,
    tmp_path: Path,
) -> None:  # fmt: skip
    state, now, _ = large
    surface, boxes = _render(HallBoard(painter), size, state, now, tmp_path)
    short = min(size)
    number_min = max(TEXT_FLOOR_PX, short * NUMBER_MIN)
    label_min = max(TEXT_FLOOR_PX, short * LABEL_MIN)
    roles = {b.role for b in boxes}
    assert {"counter_number", "counter_name", "queue_label", "queue_count", "pages"} <= roles
    for b in boxes:
        # Measured on the frame: capitals and digits at least as tall as the rule says.
        measured = _ink_height(surface, b)
        assert measured > 0, f"{b.text!r} is not on the screen"
        assert b.glyph_px >= TEXT_FLOOR_PX - 0.5, b
        if b.role == "counter_number" and LABEL.match(b.text):
            assert b.glyph_px >= number_min - 0.5, b
            assert measured >= number_min - 2, (b, measured)
        if b.role in ("queue_label", "queue_count", "counter_name", "pages"):
            assert b.glyph_px >= label_min - 0.5, b
            if re.search(r"[A-Z0-9]", b.text):
                assert measured >= label_min - 2, (b, measured)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.ink.colliderect(b.ink), f"{a.text!r} {a.ink} overlaps {b.text!r} {b.ink}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_latest_call_is_as_large_as_on_the_demo_board(
    size: tuple[int, int], large: tuple[BoardState, datetime, Hall], painter: TextPainter
) -> None:
    """The demo board's latest call: 55 % of the width, the body less a 12 % queue strip."""
    state, now, _ = large
    _, boxes = _render(HallBoard(painter), size, state, now)
    latest = next(b for b in boxes if b.role == "latest_number")
    w, h = size
    pad = h // 60
    body_h = h - h * 11 // 100 - h * 7 // 100 - h * 12 // 100 - 3 * pad
    old_number_h = body_h - body_h * 15 // 100 - body_h * 22 // 100
    old = painter.fit(latest.text, old_number_h * 0.78, (w * 55 // 100 - pad) * 0.92)
    # Where both are as wide as the panel allows, they differ by the painter's size steps
    # (~6 %, TextPainter.fit) at most.
    assert latest.glyph_px >= old * painter.digit_ratio * 15 / 16 - 0.5


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_counters_and_queues_page_with_a_visible_indicator(
    size: tuple[int, int], large: tuple[BoardState, datetime, Hall], painter: TextPainter
) -> None:
    state, now, _ = large
    start = datetime.fromtimestamp((now.timestamp() // PAGE_S) * PAGE_S, UTC)
    names: list[str] = []
    queues: list[str] = []
    turned: list[int] = []
    for i in itertools.count():
        _, boxes = _render(HallBoard(painter), size, state, start + timedelta(seconds=i * PAGE_S))
        shown = [b.text for b in boxes if b.role == "pages"]
        assert len(shown) == 2 and all(t.startswith("Halaman ") for t in shown)
        page, count = (int(v) for v in shown[0].removeprefix("Halaman ").split("/"))
        if turned:
            assert page == turned[-1] % count + 1  # the next page, every PAGE_S
        turned.append(page)
        names += [b.text for b in boxes if b.role == "counter_name"]
        queues += [b.text for b in boxes if b.role == "queue_label"]
        pages = max(int(shown[0].split("/")[1]), int(shown[1].split("/")[1]))
        if i + 1 >= pages:
            break
    # Over a full turn every counter shows (its whole name: never cut), on one page each.
    counters = [c.name for c in state.counters.values()]
    assert sorted(set(names)) == sorted(counters)
    assert len({q.split(" \u00b7 ")[0] for q in queues}) == len(state.queues)


def test_the_demo_hall_fits_one_page(painter: TextPainter) -> None:
    demo = REPO_ROOT / "firmware_configs" / "demo" / "catalogue.yaml"
    state, now, _ = _busy_hall(demo, 40)
    for size in SIZES:
        _, boxes = _render(HallBoard(painter), size, state, now)
        assert not [b for b in boxes if b.role == "pages"], size
        assert len([b for b in boxes if b.role == "counter_name"]) == len(state.counters)


def test_a_zone_board_shows_its_counters_and_queues_and_their_latest_call(
    large: tuple[BoardState, datetime, Hall], painter: TextPainter
) -> None:
    state, now, _ = large
    zone = ["loket-1", "loket-2", "drive-thru-1"]
    queues = ["dukcapil-ktp", "samsat-drive-thru"]
    board = HallBoard(painter, counters=frozenset(zone), queues=frozenset(queues))
    _, boxes = _render(board, (1080, 1920), state, now)
    names = {b.text for b in boxes if b.role == "counter_name"}
    assert names == {"Loket 1", "Loket 2", "Drive Thru 1"}
    assert {b.text.split(" \u00b7 ")[0] for b in boxes if b.role == "queue_label"} == {"A", "CD"}
    # The hall's latest call was elsewhere: the zone's own latest call is shown.
    latest = next(b for b in boxes if b.role == "latest_number")
    own = next(e for e in state.recent_calls if e.counter in zone) if any(
        e.counter in zone for e in state.recent_calls) else None  # fmt: skip
    assert latest.text == (own.ticket.label if own and own.ticket else "-")


def test_a_fresh_board_shows_the_hall_and_that_it_waits_for_central(painter: TextPainter) -> None:
    cases: list[tuple[Language, str]] = [
        ("id", "Menunggu data antrian"),
        ("en", "Waiting for queue data"),
    ]
    for language, waiting in cases:
        board = HallBoard(painter)
        surface = pygame.Surface((1920, 1080))
        view = HallView(now=T0, language=language, hall_name="MPP Kota Palembang")
        board.render(surface, BoardState(), view)
        texts = [b.text for b in board.text_boxes()]
        assert "MPP KOTA PALEMBANG" in texts and waiting in texts
        # Without a name in its config either, it still says what it is.
        bare = HallBoard(painter)
        bare.render(surface, BoardState(), HallView(now=T0, language=language))
        names = [b.text for b in bare.text_boxes() if b.ink.y < surface.get_height() // 10]
        assert any("MAL PELAYANAN PUBLIK" in t or "PUBLIC SERVICE MALL" in t for t in names)

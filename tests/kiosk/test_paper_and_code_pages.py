"""Tickets on 58 and 80 mm paper in each code page a kiosk may be set to: the bytes decoded
back read as the text, in the page's own characters or transliterated, never '?'; lines
fit the paper's columns; the preview PNG is as wide as the paper, one cell per column."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from pydantic import ValidationError

from edge.kiosk._escpos import render
from edge.kiosk.config import PrinterSettings
from edge.kiosk.escpos_decode import CODE_PAGES, decode, decode_text
from edge.kiosk.layout import Element, Line, TicketView, plain_text, ticket_layout
from edge.kiosk.preview import HEAD_PX, render_png

WIB = timezone(timedelta(hours=7))
NAME = "Café ±5 menit — “pojok baca”, Ibu Sri Ñoño"
VIEW = TicketView(
    ticket_id="20261203-dukcapil-ktp-0012",
    label="A012",
    hall_name="Mal Pelayanan Publik Kota Palembang",
    agency="Dukcapil",
    queue_name=NAME,
    issued_at=datetime(2026, 12, 3, 9, 0, tzinfo=WIB),
    people_ahead=3,
    estimated_wait_min=12,
)
# What each page prints for NAME: its own é and ± where it has them.
EXPECTED = {
    "CP437": 'Café ±5 menit - "pojok baca", Ibu Sri Ñoño',
    "CP850": 'Café ±5 menit - "pojok baca", Ibu Sri Ñoño',
    "CP858": 'Café ±5 menit - "pojok baca", Ibu Sri Ñoño',
    "CP852": 'Café +/-5 menit - "pojok baca", Ibu Sri Nono',
    "CP1252": "Café ±5 menit — “pojok baca”, Ibu Sri Ñoño",
}
PAPERS = [(58, None, 32), (80, 42, 42), (80, None, 48)]


@pytest.mark.parametrize("code_page", sorted(CODE_PAGES))
@pytest.mark.parametrize(("paper_mm", "columns", "width"), PAPERS)
def test_ticket_bytes_decode_back_in_the_printers_code_page(
    code_page: str, paper_mm: int, columns: int | None, width: int
) -> None:
    settings = PrinterSettings(paper_mm=paper_mm, columns=columns, code_page=code_page)
    assert settings.line_columns == width
    layout = ticket_layout(VIEW, "id", ["Terima kasih — sampai jumpa"], columns=width)
    job = render(layout, width, code_page)
    text = decode_text(job)
    assert "?" not in text
    # The queue's name, wrapped at the paper's width, reads back as the page prints it.
    assert EXPECTED[code_page].replace(" ", "") in text.replace("\n", "").replace(" ", "")
    lines = [e for e in decode(job) if isinstance(e, Line)]
    assert all(len(e.text) * {"normal": 1, "double": 2, "huge": 4}[e.size] <= width for e in lines)
    # The rule runs the paper's full width; 80 mm lines are no longer cut at 32.
    assert "-" * width in text and "-" * (width + 1) not in text
    if width > 32:
        assert "Mal Pelayanan Publik Kota Palembang" in text


def test_unicode_layout_and_its_printed_text_agree_where_the_page_has_everything() -> None:
    layout = ticket_layout(VIEW, "id", [], columns=48)
    printed = [t for t in decode_text(render(layout, 48, "CP1252")).splitlines() if set(t) != {"-"}]
    assert printed == plain_text(layout).splitlines()  # the rules aside


def test_paper_width_and_columns_are_checked() -> None:
    with pytest.raises(ValidationError, match="58 mm paper has 32 columns"):
        PrinterSettings(paper_mm=58, columns=48)
    with pytest.raises(ValidationError, match="42 or 48"):
        PrinterSettings(paper_mm=80, columns=32)


@pytest.mark.parametrize(("paper_mm", "columns"), [(58, 32), (80, 42), (80, 48)])
def test_the_preview_is_the_papers_width_in_a_fixed_pitch(paper_mm: int, columns: int) -> None:
    full = "0123456789" * 5
    layout: list[Element] = [Line(full[:columns], align="left"), Line("l" * columns, align="left"),
                             Line("W" * columns, align="left")]  # fmt: skip
    img = render_png(layout, columns, paper_mm)
    assert img.width == HEAD_PX[paper_mm]
    # Narrow and wide letters take the same room: a full line of either spans the width.
    spans = [_ink_span(img, row) for row in _rows(img)]
    assert len(spans) == 3
    widths = [right - left for left, right in spans]
    assert min(widths) > 0.9 * (img.width - 16) * (columns - 1) / columns
    assert max(widths) <= img.width


def _pixels(img: Image.Image) -> list[list[int]]:
    data = list(img.tobytes())  # one byte per pixel in "L" mode
    return [data[y * img.width : (y + 1) * img.width] for y in range(img.height)]


def _rows(img: Image.Image) -> list[tuple[int, int]]:
    """Bands of rows with ink, top to bottom."""
    inked = [any(v < 128 for v in row) for row in _pixels(img)]
    bands, start = [], None
    for y, ink in enumerate([*inked, False]):
        if ink and start is None:
            start = y
        elif not ink and start is not None:
            bands.append((start, y))
            start = None
    return bands


def _ink_span(img: Image.Image, band: tuple[int, int]) -> tuple[int, int]:
    rows = _pixels(img)[band[0] : band[1]]
    xs = [x for row in rows for x, v in enumerate(row) if v < 128]
    return min(xs), max(xs)

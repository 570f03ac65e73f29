"""A ticket's layout as plain elements, shared by the ESC/POS and the PNG renderers."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from edge.kiosk.texts import Language, long_date, text

Size = Literal["normal", "double", "huge"]
Align = Literal["left", "center"]

# Characters per line on 58 mm paper in font A at normal size; double and huge characters
# are two and four times as wide. The printer itself wraps by character, in mid-word.
COLUMNS = 32
SCALE: dict[Size, int] = {"normal": 1, "double": 2, "huge": 4}


@dataclass(frozen=True)
class Line:
    text: str
    size: Size = "normal"
    align: Align = "center"
    bold: bool = False


@dataclass(frozen=True)
class Qr:
    data: str


@dataclass(frozen=True)
class Rule:
    pass


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Element = Line | Qr | Rule | Feed | Cut


class TicketView(BaseModel):
    """Everything printed on a ticket; stored as JSON in the outbox so a reprint is identical."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ticket_id: str
    label: str
    hall_name: str
    agency: str
    queue_name: str
    issued_at: AwareDatetime  # already in the site's time zone
    priority: bool = False
    offline: bool = False
    people_ahead: int | None = None
    estimated_wait_min: int | None = None
    estimated_wait_range: tuple[int, int] | None = None  # printed instead of the minute
    page_token: str | None = None  # the web node's ticket page (central's issue reply)


def qr_data(ticket_id: str, status_url: str | None, page_token: str | None = None) -> str:
    if status_url and "{token}" in status_url:
        # The web node's page by its unguessable token; an offline ticket has none, so
        # its QR holds only the ticket id, as without a web address.
        return status_url.replace("{token}", page_token) if page_token else ticket_id
    if status_url:
        return (
            status_url.replace("{ticket_id}", ticket_id)
            if "{ticket_id}" in status_url
            else (f"{status_url.rstrip('/')}/{ticket_id}")
        )
    return ticket_id


def ticket_layout(
    view: TicketView,
    language: Language,
    footer: list[str],
    status_url: str | None = None,
    reprint: bool = False,
    columns: int = COLUMNS,
) -> list[Element]:
    """The ticket, in Unicode: the printer's port puts it in its code page."""
    t = view.issued_at
    out: list[Element] = [
        Line(view.hall_name, bold=True),
        Rule(),
        Line(view.agency, size="double", bold=True),
        Line(view.queue_name),
        Feed(),
        Line(text("ticket_number", language)),
        Line(view.label, size="huge", bold=True),
    ]
    if view.priority:
        out.append(Line(text("priority", language), size="double", bold=True))
    if reprint:
        out.append(Line(f"** {text('reprint', language)} **", bold=True))
    out += [
        Feed(),
        Line(f"{text('date', language)}: {long_date(t.year, t.month, t.day, language)}"),
        Line(f"{text('time', language)}: {_clock(t)} {_zone(t)}"),
    ]
    if view.people_ahead is not None:
        out.append(Line(text("people_ahead", language, n=view.people_ahead)))
    if view.estimated_wait_range is not None:
        lo, hi = view.estimated_wait_range
        out.append(Line(text("estimated_wait_range", language, lo=lo, hi=hi)))
    elif view.estimated_wait_min is not None:
        out.append(Line(text("estimated_wait", language, n=view.estimated_wait_min)))
    if view.offline:
        out.append(Line(text("offline", language)))
    out += [
        Feed(),
        Qr(qr_data(view.ticket_id, status_url, view.page_token)),
        Line(view.ticket_id),
        Rule(),
    ]
    out.append(Line(text("keep", language)))
    out += [Line(f) for f in footer]
    out.append(Cut())
    return fit(out, columns)


def slip_layout(
    hall_name: str, queue_name: str, reason: str, language: Language, columns: int = COLUMNS
) -> list[Element]:
    """A short slip that says why no ticket came out."""
    return fit(
        [
            Line(hall_name, bold=True),
            Rule(),
            Line(text("refused", language), size="double", bold=True),
            Line(queue_name),
            Feed(),
            Line(reason, bold=True),
            Cut(),
        ],
        columns,
    )


def fit(elements: list[Element], columns: int = COLUMNS) -> list[Element]:
    """Every line broken between words to fit the paper at its size (a word longer than a
    line is cut); a newline in a text is a break the text chose."""
    out: list[Element] = []
    for e in elements:
        if not isinstance(e, Line):
            out.append(e)
            continue
        width = max(1, columns // SCALE[e.size])
        text = e.text
        if len(text) <= width and text.isprintable() and not text.endswith(" "):
            out.append(e)  # most lines: textwrap costs more than the rest of the ticket
            continue
        parts = [p for chunk in e.text.split("\n") for p in textwrap.wrap(chunk, width) or [""]]
        out += [Line(p, e.size, e.align, e.bold) for p in parts]
    return out


def _clock(t: datetime) -> str:
    return t.strftime("%H:%M")


def _zone(t: datetime) -> str:
    # Citizens read WIB/WITA/WIT, not UTC offsets.
    off = t.utcoffset()
    hours = int(off.total_seconds() // 3600) if off is not None else 0
    return {7: "WIB", 8: "WITA", 9: "WIT"}.get(hours, t.strftime("UTC%z"))


def plain_text(elements: list[Element]) -> str:
    """The layout's words, one line each: what a decoded print should read back as."""
    return "\n".join(e.text for e in elements if isinstance(e, Line))

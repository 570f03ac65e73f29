"""One Dukcapil KTP-el ticket, as the counter screens and the caller's panel are tested with."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from protocol import messages as m

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def dukcapil_ticket(
    label: str = "A001", status: m.TicketStatus = "called", **changes: Any
) -> m.TicketInfo:
    """Ticket `label` (A001: number 1) of 3 March 2025, issued at AT, nobody ahead."""
    fields: dict[str, Any] = {
        "ticket_id": f"t-{label.lower()}",
        "label": label,
        "queue": "dukcapil",
        "queue_name": "KTP-el",
        "agency": "Dukcapil",
        "number": int(label[1:]),
        "business_day": date(2025, 3, 3),
        "priority": False,
        "status": status,
        "issued_at": AT,
        "offline": False,
        "people_ahead": 0,
    }
    return m.TicketInfo(**{**fields, **changes})

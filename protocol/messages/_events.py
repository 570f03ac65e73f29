"""Events: the facts central committed to its ledger, in seq order."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from protocol.messages._base import (
    Ident,
    Instant,
    Message,
    Text,
)
from protocol.messages._replies import TicketInfo

EventKind = Literal[
    "ticket_issued",
    "ticket_replayed",
    "ticket_voided",
    "ticket_called",
    "ticket_recalled",
    "service_started",
    "ticket_served",
    "ticket_no_show",
    "ticket_transferred",
    "ticket_rated",
    "counter_paused",
    "counter_resumed",
    "officer_signed_in",
    "officer_signed_out",
    "day_closed",
    "queue_closed",
    "queue_reopened",
    "quota_changed",
    "ticket_ended",
    "running_text_changed",
    "survey_answered",
]


class Event(Message):
    """A fact central committed to its ledger. `seq` increases by one per event, forever."""

    type: Literal["event"] = "event"
    seq: int = Field(ge=1)
    at: Instant
    kind: EventKind
    business_day: date
    ticket: TicketInfo | None = None
    counter: Ident | None = None
    counter_name: Text | None = None
    officer: Ident | None = None
    from_queue: Ident | None = None
    score: int | None = None
    supervisor: Ident | None = Field(
        default=None, description="The supervisor whose action this is; None for devices."
    )
    queue: Ident | None = Field(default=None, description="queue_closed/_reopened, quota_changed.")
    quota: int | None = Field(default=None, description="quota_changed: None means no cap.")
    text: Text | None = Field(default=None, description="running_text_changed.")
    answers: list[int] | None = Field(
        default=None, description="survey_answered: U1-U9, each 1-4 (PermenPANRB 14/2017)."
    )

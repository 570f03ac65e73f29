"""Replies: central's answer to one request, on reply/{node_id}."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from protocol.messages._base import (
    CounterState,
    Ident,
    Instant,
    Label,
    Message,
    RefusalCode,
    Text,
    TicketStatus,
    TicketToken,
)


class Refusal(Message):
    code: RefusalCode
    text_id: Text = Field(description="Bahasa Indonesia, for citizens and officers.")
    text_en: Text


class TicketInfo(Message):
    ticket_id: Ident
    label: Label = Field(description="What is printed and spoken, e.g. A012.")
    queue: Ident
    queue_name: Text
    agency: Text
    number: int
    business_day: date
    priority: bool
    status: TicketStatus
    issued_at: Instant
    offline: bool = Field(description="Issued by a kiosk from its lease while central was away.")
    people_ahead: int = Field(ge=0)
    estimated_wait_min: int | None = None
    estimated_wait_low_min: int | None = Field(
        default=None,
        ge=0,
        description="With estimated_wait_high_min: the range the wait falls in about 80 % of "
        "the time, in 5-minute steps ('perkiraan 15-25 menit'). None from an older central.",
    )
    estimated_wait_high_min: int | None = Field(default=None, ge=0)
    counter: Ident | None = None
    counter_name: Text | None = None
    officer: Ident | None = None


class LeaseInfo(Message):
    lease_id: Ident
    queue: Ident
    business_day: date
    first: int
    last: int
    prefix: str


class CounterInfo(Message):
    counter: Ident
    name: Text
    state: CounterState
    officer: Ident | None
    ticket: TicketInfo | None
    queues: list[Ident]


class Reply(Message):
    type: Literal["reply"] = "reply"
    request_id: str
    ok: bool
    refusal: Refusal | None = None
    ticket: TicketInfo | None = None
    lease: LeaseInfo | None = None
    counter: CounterInfo | None = None
    page_token: TicketToken | None = Field(
        default=None,
        description="issue_ticket: the ticket page's token; the kiosk prints "
        "{public_url}/t/{page_token} in the QR when the site has a web address.",
    )
    surveyed: bool | None = Field(
        default=None, description="lookup_ticket: the ticket's survey was answered."
    )

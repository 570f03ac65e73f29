"""Retained snapshots of the hall and its counters, a consumer's resync point."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from protocol.messages._base import (
    CounterState,
    Ident,
    Instant,
    Message,
    Text,
)
from protocol.messages._events import Event
from protocol.messages._replies import TicketInfo


class CounterSnapshot(Message):
    """Retained: what one counter serves now."""

    type: Literal["counter_snapshot"] = "counter_snapshot"
    seq: int = Field(ge=0, description="Last event seq reflected in this snapshot.")
    counter: Ident
    name: Text
    state: CounterState
    officer: Ident | None
    ticket: TicketInfo | None
    queues: list[Ident]
    since: Instant | None = None


class QueueSnapshot(Message):
    queue: Ident
    name: Text
    agency: Text
    prefix: str
    open: bool
    waiting: int = Field(ge=0)
    priority_waiting: int = Field(ge=0)
    issued_today: int = Field(ge=0)
    estimated_wait_min: int | None = None
    estimated_wait_low_min: int | None = Field(
        default=None,
        ge=0,
        description="With estimated_wait_high_min: the range the wait falls in about 80 % of "
        "the time, in 5-minute steps ('perkiraan 15-25 menit'). None from an older central.",
    )
    estimated_wait_high_min: int | None = Field(default=None, ge=0)
    oldest_waiting_at: Instant | None = Field(
        default=None, description="Issue time of the longest-waiting ticket; None: nobody waits."
    )
    closed_early: bool = Field(default=False, description="A supervisor closed it for today.")
    quota: int | None = Field(default=None, description="Today's quota; None: no cap.")
    quota_left: int | None = Field(
        default=None, description="Quota minus tickets issued today; None: no cap."
    )
    online_left: int | None = Field(
        default=None,
        ge=0,
        description="Numbers of today's quota central can still issue itself, outside the "
        "kiosks' leased blocks; None: no cap (or an older central). At 0 a kiosk gives back "
        "the unused top of its block for the queue (return_lease).",
    )


class HallSnapshot(Message):
    """Retained: the whole hall. A consumer that sees an event gap renders from this."""

    type: Literal["hall_snapshot"] = "hall_snapshot"
    seq: int = Field(ge=0)
    at: Instant
    business_day: date
    hall_name: Text
    open: bool
    counters: list[CounterSnapshot]
    queues: list[QueueSnapshot]
    recent_calls: list[Event] = Field(
        default_factory=list, description="Latest ticket_called/ticket_recalled, newest first."
    )
    running_text: Text = Field(
        default="", description="Set by a supervisor; empty: each board shows its own."
    )

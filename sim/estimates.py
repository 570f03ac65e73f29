"""The wait estimates of a simulated day in simulated minutes: its event log replayed
through the pure Hall in simulated time.

Central runs on the real clock, so in a run at 300x it prints real minutes (a 30-minute
wait reads 0). Replaying the day's events, each at its simulated time, gives the minutes
and ranges the same model prints when the day passes at its own pace, and what each
ticket then waited: figures an evaluation can use (docs/simulate.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from antrian.catalogue import Catalogue
from central.hall import Hall
from protocol import messages as m

NODE = "sim-replay"

_COUNTER_REQUESTS: dict[str, type[Any]] = {
    "ticket_called": m.CallNext,
    "ticket_recalled": m.Recall,
    "service_started": m.StartService,
    "ticket_served": m.FinishService,
    "ticket_no_show": m.NoShow,
    "counter_paused": m.PauseCounter,
    "counter_resumed": m.ResumeCounter,
    "officer_signed_out": m.SignOut,
}


@dataclass
class Promise:
    """What a ticket was told at issue, and when it was first called (simulated time)."""

    ticket_id: str
    queue: str
    issued_at: datetime
    minutes: int
    low_min: int
    high_min: int
    called_at: datetime | None = None

    @property
    def wait_min(self) -> float | None:
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60


@dataclass
class Replay:
    promises: dict[str, Promise]  # by ticket id, issued online
    mismatched: int  # events the replay did not reproduce (should be 0)


def _request(ev: m.Event) -> m.Request | None:
    base = {"request_id": f"replay-{ev.seq}", "node_id": NODE, "sent_at": ev.at}
    if ev.kind == "ticket_issued" and ev.ticket is not None:
        return m.IssueTicket(**base, queue=ev.ticket.queue, priority=ev.ticket.priority)
    if ev.counter is None:
        return None
    if ev.kind == "officer_signed_in" and ev.officer is not None:
        return m.SignIn(**base, counter=ev.counter, officer=ev.officer)
    if ev.kind == "ticket_transferred" and ev.ticket is not None:
        return m.Transfer(**base, counter=ev.counter, to_queue=ev.ticket.queue)
    kind = _COUNTER_REQUESTS.get(ev.kind)
    return kind(**base, counter=ev.counter) if kind is not None else None


def replay(events: Iterable[m.Event], catalogue: Catalogue, day: date) -> Replay:
    """Apply each event's request to a fresh Hall of `day` at the event's time, in seq
    order. Central's ticket ids carry its own (real) business day, the replay's the
    simulated one: tickets are matched by queue and number."""
    hall = Hall(catalogue, day)
    promises: dict[str, Promise] = {}
    ledger_id: dict[str, str] = {}  # the replay's ticket id -> central's
    mismatched = 0
    for ev in sorted(events, key=lambda e: e.seq):
        req = _request(ev)
        if req is None:
            continue
        out = hall.apply(req, ev.at)
        hall.refresh_pace()  # as central does when idle, between most requests
        if ev.kind == "ticket_issued":
            t = out.reply.ticket
            if t is None or ev.ticket is None or t.number != ev.ticket.number:
                mismatched += 1
                continue
            assert t.estimated_wait_min is not None
            ledger_id[t.ticket_id] = ev.ticket.ticket_id
            promises[ev.ticket.ticket_id] = Promise(
                ev.ticket.ticket_id,
                t.queue,
                ev.at,
                t.estimated_wait_min,
                t.estimated_wait_low_min or 0,
                t.estimated_wait_high_min or 0,
            )
        elif ev.kind == "ticket_called":
            called = out.reply.counter.ticket if out.reply.counter else None
            theirs = ev.ticket.ticket_id if ev.ticket else None
            if called is None or ledger_id.get(called.ticket_id) != theirs:
                mismatched += 1
                continue
            p = promises.get(theirs or "")
            if p is not None and p.called_at is None:
                p.called_at = ev.at
        elif not out.reply.ok:
            mismatched += 1
    return Replay(promises, mismatched)


def figures(promises: Iterable[Promise]) -> dict[str, Any]:
    """The point's mean absolute error and bias (minutes), the share within 5 minutes or
    15 %, and the range's coverage, over the tickets that were called."""
    done = [(p, w) for p in promises if (w := p.wait_min) is not None]
    n = len(done)
    if not n:
        return {"tickets": 0}
    return {
        "tickets": n,
        "mae_min": round(sum(abs(p.minutes - w) for p, w in done) / n, 2),
        "bias_min": round(sum(p.minutes - w for p, w in done) / n, 2),
        "within_5min_or_15pct": round(
            sum(abs(p.minutes - w) <= max(5.0, 0.15 * p.minutes) for p, w in done) / n, 4
        ),
        "range_coverage": round(sum(p.low_min <= w <= p.high_min for p, w in done) / n, 4),
    }

"""A ticket as a row of the tickets table and back."""

from __future__ import annotations

from datetime import date, datetime

from central.records import Ticket

TICKET_COLS = (
    "id, day, origin_queue, queue, number, prefix, priority, status, issued_at, offline, "
    "node_id, request_id, counter, officer, called_at, started_at, finished_at, recalls, "
    "transfers, rating"
)


def ts(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def ticket_row(t: Ticket) -> tuple[object, ...]:
    return (
        t.id,
        t.day.isoformat(),
        t.origin_queue,
        t.queue,
        t.number,
        t.prefix,
        int(t.priority),
        t.status,
        t.issued_at.isoformat(),
        int(t.offline),
        t.node_id,
        t.request_id,
        t.counter,
        t.officer,
        ts(t.called_at),
        ts(t.started_at),
        ts(t.finished_at),
        t.recalls,
        t.transfers,
        t.rating,
    )


def ticket_of_row(row: tuple[object, ...]) -> Ticket:
    (
        tid,
        day,
        oq,
        q,
        num,
        prefix,
        prio,
        status,
        issued,
        offline,
        node,
        rid,
        counter,
        officer,
        called,
        started,
        finished,
        recalls,
        transfers,
        rating,
    ) = row
    issued_at = dt(str(issued))
    assert issued_at is not None
    return Ticket(
        id=str(tid),
        origin_queue=str(oq),
        queue=str(q),
        number=int(num),  # type: ignore[call-overload]
        prefix=str(prefix),
        day=date.fromisoformat(str(day)),
        priority=bool(prio),
        status=status,  # type: ignore[arg-type]
        issued_at=issued_at,
        offline=bool(offline),
        node_id=str(node),
        request_id=rid,  # type: ignore[arg-type]
        counter=counter,  # type: ignore[arg-type]
        officer=officer,  # type: ignore[arg-type]
        called_at=dt(called),  # type: ignore[arg-type]
        started_at=dt(started),  # type: ignore[arg-type]
        finished_at=dt(finished),  # type: ignore[arg-type]
        recalls=int(recalls),  # type: ignore[call-overload]
        transfers=int(transfers),  # type: ignore[call-overload]
        rating=rating,  # type: ignore[arg-type]
    )

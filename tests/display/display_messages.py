"""Builders for the messages display tests feed: tickets, call events, hall snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from protocol import messages as m

DAY = date(2025, 3, 3)
T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def ticket(label: str, queue: str = "dukcapil", status: str = "called", priority: bool = False,
           counter: str | None = None) -> m.TicketInfo:  # fmt: skip
    return m.TicketInfo.model_validate(
        {
            "ticket_id": "t-" + label.lower(),
            "label": label,
            "queue": queue,
            "queue_name": queue.upper(),
            "agency": queue.capitalize(),
            "number": int(label.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
            "business_day": DAY,
            "priority": priority,
            "status": status,
            "issued_at": T0,
            "offline": False,
            "people_ahead": 0,
            "counter": counter,
        }
    )


def event(seq: int, kind: str, label: str | None = None, counter: str | None = None,
          at: datetime | None = None, queue: str = "dukcapil") -> m.Event:  # fmt: skip
    name = f"Loket {counter.rsplit('-', 1)[-1]}" if counter else None
    return m.Event.model_validate(
        {
            "seq": seq,
            "at": at or T0 + timedelta(seconds=seq),
            "kind": kind,
            "business_day": DAY,
            "ticket": ticket(label, queue, counter=counter) if label else None,
            "counter": counter,
            "counter_name": name,
        }
    )


def counter(
    cid: str, label: str | None = None, state: str = "idle", seq: int = 0
) -> m.CounterSnapshot:
    return m.CounterSnapshot.model_validate(
        {
            "seq": seq,
            "counter": cid,
            "name": f"Loket {cid.rsplit('-', 1)[-1]}",
            "state": state,
            "officer": None,
            "ticket": ticket(label, counter=cid) if label else None,
            "queues": ["dukcapil"],
        }
    )


def queue(qid: str, prefix: str, waiting: int) -> m.QueueSnapshot:
    return m.QueueSnapshot(queue=qid, name=qid.upper(), agency=qid.capitalize(), prefix=prefix,
                           open=True, waiting=waiting, priority_waiting=0,
                           issued_today=waiting)  # fmt: skip


def hall(seq: int, counters: list[m.CounterSnapshot] | None = None,
         queues: list[m.QueueSnapshot] | None = None,
         recent: list[m.Event] | None = None) -> m.HallSnapshot:  # fmt: skip
    return m.HallSnapshot(
        seq=seq,
        at=T0,
        business_day=DAY,
        hall_name="MPP Kota Contoh",
        open=True,
        counters=counters if counters is not None else [counter("loket-1"), counter("loket-2")],
        queues=queues if queues is not None else [queue("dukcapil", "A", 5)],
        recent_calls=recent or [],
    )

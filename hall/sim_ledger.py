"""Central's ledger in simulated time: a retimed copy for `antrian report`, and its records
converted for the summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from antrian.catalogue import Catalogue
from central.ledger import LedgerReader, copy_retimed
from hall.sim_clock import SimClock
from protocol import messages as m
from reports import LedgerData
from sim.estimates import figures, replay


def write_simtime_ledger(
    src: Path, dst: Path, clock: SimClock, day: date, catalogue: Catalogue
) -> dict[str, Any]:
    """A copy of central's ledger with ticket and event times in simulated time, for
    `antrian report --ledger`, its tickets' estimates in simulated minutes (central, on
    the real clock, printed real ones: sim.estimates replays the day in simulated time).
    Returns how those estimates fared. Central's own ledger is only read."""

    def ts(value: str) -> str:
        return clock.to_sim(datetime.fromisoformat(value)).isoformat()

    def retimed(text: str) -> dict[str, Any]:
        ev: dict[str, Any] = json.loads(text)
        ev["at"] = ts(ev["at"])
        ev["business_day"] = day.isoformat()
        if ev.get("ticket"):
            ev["ticket"]["issued_at"] = ts(ev["ticket"]["issued_at"])
            ev["ticket"]["business_day"] = day.isoformat()
        return ev

    with LedgerReader(src) as reader:
        events = [m.Event.model_validate(retimed(row.body)) for row in reader.all_events()]
    result = replay(events, catalogue, day)

    def body(text: str) -> str:
        ev = retimed(text)
        p = result.promises.get((ev.get("ticket") or {}).get("ticket_id", ""))
        if ev["kind"] == "ticket_issued" and p is not None:
            ev["ticket"].update(
                estimated_wait_min=p.minutes,
                estimated_wait_low_min=p.low_min,
                estimated_wait_high_min=p.high_min,
            )
        return json.dumps(ev)

    copy_retimed(src, dst, day, ts, body)
    return {**figures(result.promises.values()), "replay_mismatched": result.mismatched}


def to_simulated(data: LedgerData, clock: SimClock, day: date) -> LedgerData:
    """The ledger's records with every time converted to simulated time (waits x speed)."""

    def sim(d: datetime | None) -> datetime | None:
        return clock.to_sim(d) if d is not None else None

    tickets = []
    for t in data.tickets:
        issued = sim(t.issued_at)
        assert issued is not None
        tickets.append(
            replace(
                t,
                day=day,
                issued_at=issued,
                called_at=sim(t.called_at),
                started_at=sim(t.started_at),
                finished_at=sim(t.finished_at),
                first_called_at=sim(t.first_called_at),
                wait_s=t.wait_s * clock.speed if t.wait_s is not None else None,
            )
        )
    transfers = [replace(tr, at=clock.to_sim(tr.at)) for tr in data.transfers]
    return LedgerData(tickets, transfers, data.agency_of_queue)

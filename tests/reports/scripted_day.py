"""A scripted day with known truth: every request applied to a Hall at a chosen moment
and committed with central's Ledger, as central would."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from antrian.catalogue import Catalogue
from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE
from protocol import messages as m

CAT = load_catalogue(DEMO_CATALOGUE)
# The demo hall with a roster of its own for two of the day's three officers: eko, not in
# it, stays a bare code. Set here, not taken from the demo's roster, which may change.
CAT_ROSTER = Catalogue.model_validate(
    {
        **CAT.model_dump(),
        "officers": [
            {"id": "budi", "name": "Budi Santoso", "agency": "dukcapil"},
            {"id": "sari", "name": "Sari Wulandari", "agency": "dukcapil"},
        ],
    }
)
DAY = date(2026, 11, 23)
H08 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 WIB


def at(hh: int, mm: int) -> datetime:
    return H08 + timedelta(hours=hh - 8, minutes=mm)


class Script:
    def __init__(self, path: Path) -> None:
        self.hall = Hall(CAT, DAY)
        self.ledger = Ledger(path)
        self.ids = itertools.count(1)

    def send(self, req_type: type[m.RequestBase], when: datetime, **kw: object) -> m.Reply:
        req = req_type(request_id=f"script-{next(self.ids):04d}", sent_at=when, **kw)
        out = self.hall.apply(req, when)  # type: ignore[arg-type]
        assert out.reply.ok, out.reply.refusal
        self.ledger.commit([(req, out)], self.hall.day, self.hall.seq)  # type: ignore[list-item]
        return out.reply

    def issue(self, queue: str, when: datetime, priority: bool = False) -> None:
        self.send(m.IssueTicket, when, node_id="kiosk-1", queue=queue, priority=priority)

    def desk(
        self, kind: type[m.CounterRequest], counter: str, when: datetime, **kw: object
    ) -> None:
        self.send(kind, when, node_id="caller-1", counter=counter, **kw)

    def rate(self, counter: str, when: datetime, score: int) -> None:
        ticket = next(
            t
            for t in sorted(self.hall.tickets.values(), key=lambda t: t.finished_at or when)
            if t.counter == counter and t.status == "served" and t.finished_at == when
        )
        self.desk(m.RateService, counter, when, ticket_id=ticket.id, score=score)


def write_scripted_day(path: Path, unfinished: bool = False) -> None:
    """The day the known-truth test expects; the comments give each ticket's figures.
    unfinished: two more tickets the day does not finish, one after a transfer from one
    agency to another (the report's sums per agency and queue)."""
    s = Script(path)
    for counter, officer in (("loket-1", "budi"), ("loket-2", "sari"), ("loket-3", "eko")):
        s.desk(m.SignIn, counter, at(7, 55), officer=officer)
    lease = s.send(m.LeaseBlock, at(7, 58), node_id="kiosk-1", queue="dukcapil", size=5).lease
    assert lease is not None
    s.issue("dukcapil", at(8, 0))  # A001: no-show, waited 15
    s.issue("dukcapil", at(8, 5))  # A002: waited 16, served 15 (over the 10-min standard)
    s.issue("dukcapil", at(8, 10), priority=True)  # A003: priority, waited 2, served 8
    s.issue("skck", at(8, 20))  # B001: waited 10, transferred to SIM, waited 45 more
    s.issue("dukcapil", at(9, 10))  # A004: waited 20, served 5
    s.issue("sim", at(9, 15))  # C001: waited 18, served 16 (over the 15-min standard)

    s.desk(m.CallNext, "loket-1", at(8, 12))  # A003 (priority first)
    s.desk(m.StartService, "loket-1", at(8, 13))
    s.desk(m.CallNext, "loket-2", at(8, 15))  # A001
    s.desk(m.NoShow, "loket-2", at(8, 18))
    s.desk(m.FinishService, "loket-1", at(8, 21))
    s.rate("loket-1", at(8, 21), 4)
    s.desk(m.CallNext, "loket-1", at(8, 21))  # A002
    s.desk(m.StartService, "loket-1", at(8, 22))
    s.desk(m.CallNext, "loket-3", at(8, 30))  # B001
    s.desk(m.StartService, "loket-3", at(8, 31))
    s.desk(m.Transfer, "loket-3", at(8, 35), to_queue="sim")
    s.desk(m.FinishService, "loket-1", at(8, 37))
    s.rate("loket-1", at(8, 37), 3)
    s.desk(m.CallNext, "loket-3", at(9, 20))  # B001 again: issued before C001
    s.desk(m.StartService, "loket-3", at(9, 21))
    s.desk(m.CallNext, "loket-2", at(9, 30))  # A004
    s.desk(m.StartService, "loket-2", at(9, 30))
    s.desk(m.FinishService, "loket-3", at(9, 33))  # B001 served 12, within SIM's 15
    s.rate("loket-3", at(9, 33), 2)
    s.desk(m.CallNext, "loket-3", at(9, 33))  # C001
    s.desk(m.StartService, "loket-3", at(9, 34))
    s.desk(m.FinishService, "loket-2", at(9, 35))
    s.rate("loket-2", at(9, 35), 4)
    # A kiosk cut off at 08:50 printed A196 (the top of its lease); it reaches central at 09:38,
    # after A004 (issued later) was called: one overtake.
    s.send(
        m.ReplayTicket,
        at(9, 38),
        node_id="kiosk-1",
        ticket=m.OfflineTicket(
            ticket_id=f"20261123-dukcapil-{lease.first:04d}",
            queue="dukcapil",
            number=lease.first,
            business_day=DAY,
            lease_id=lease.lease_id,
            issued_at=at(8, 50),
        ),
    )
    s.desk(m.CallNext, "loket-2", at(9, 40))  # A196 offline: waited 50
    s.desk(m.StartService, "loket-2", at(9, 41))
    s.desk(m.FinishService, "loket-2", at(9, 49))  # served 8
    s.desk(m.FinishService, "loket-3", at(9, 50))  # C001
    if unfinished:
        s.issue("dukcapil", at(9, 45))  # A005: Dukcapil sends it to SKCK (Polri), waiting
        s.desk(m.CallNext, "loket-1", at(9, 46))
        s.desk(m.StartService, "loket-1", at(9, 47))
        s.desk(m.Transfer, "loket-1", at(9, 48), to_queue="skck")
        s.issue("bpjs", at(9, 50))  # H001: still waiting when the report runs
    s.ledger.close()

"""Plays a simulated Day against the pure Hall: kiosk presses, officers' buttons, ratings.

A discrete-event loop in simulated time. Officers behave as the hall guide asks: sign in
at shift start, call the next ticket when free, press START when the citizen sits down,
FINISH when done, recall once and mark a no-show when nobody comes, pause between shifts.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from central.hall import Hall
from central.records import Outcome
from protocol import messages as m
from sim.day import Citizen, Day, Shift

RECALL_AFTER_S = 60.0
NO_SHOW_AFTER_S = 150.0
NEXT_GAP_S = 15.0  # between finishing one citizen and pressing NEXT
RATE_AFTER_S = 8.0
KIOSK = "sim-kiosk"
CALLER = "sim-caller"


_Simple = (
    m.CallNext
    | m.Recall
    | m.NoShow
    | m.StartService
    | m.FinishService
    | m.PauseCounter
    | m.ResumeCounter
)


@dataclass
class _Desk:
    counter: str
    paused: bool = False
    signed_in: bool = False
    busy: bool = False  # a call is pending or a citizen is at the desk
    pause_when_free: bool = False
    citizen: Citizen | None = None
    leg: int = 1
    pace: float = 1.0  # the officer at the desk: service time / the generated time


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    action: Callable[[datetime], None] = field(compare=False)


class HallDriver:
    """Applies a Day to a Hall. Iterate run() to get every applied (request, outcome)."""

    def __init__(self, hall: Hall, day: Day) -> None:
        self.hall = hall
        self.day = day
        self.desks = {c.id: _Desk(c.id) for c in hall.cat.counters}
        self.citizen_of: dict[str, Citizen] = {}  # ticket id -> citizen
        self.refused: list[tuple[Citizen, m.RefusalCode]] = []
        self._steps: list[_Step] = []
        self._order = itertools.count()
        self._ids = itertools.count(1)
        self._applied: list[tuple[m.Request, Outcome]] = []

    # -- plumbing -------------------------------------------------------------------

    def _at(self, at: datetime, action: Callable[[datetime], None]) -> None:
        heapq.heappush(self._steps, _Step(at, next(self._order), action))

    def _rid(self) -> str:
        return f"sim-{self.day.seed}-{self.day.day:%Y%m%d}-{next(self._ids):06d}"

    def _apply(self, req: m.Request, now: datetime) -> Outcome:
        out = self.hall.apply(req, now)
        self._applied.append((req, out))
        return out

    def _counter_req(self, kind: type[_Simple], desk: _Desk, now: datetime) -> Outcome:
        return self._apply(
            kind(request_id=self._rid(), node_id=CALLER, sent_at=now, counter=desk.counter), now
        )

    def run(self) -> Iterator[tuple[m.Request, Outcome]]:
        """Every request in simulated-time order, each right after the Hall applied it."""
        for shift in self.day.shifts:
            self._at(shift.start, partial(self._shift_start, shift))
            if not self._covered_after(shift):
                continue
            if self._gap_after(shift):
                self._at(shift.end, partial(self._break, shift.counter))
        for citizen in self.day.citizens:
            self._at(citizen.arrives_at, partial(self._arrive, citizen))
        while self._steps:
            step = heapq.heappop(self._steps)
            step.action(step.at)
            yield from self._applied
            self._applied.clear()

    def _covered_after(self, shift: Shift) -> bool:
        return any(s.counter == shift.counter and s.start >= shift.end for s in self.day.shifts)

    def _gap_after(self, shift: Shift) -> bool:
        return not any(
            s.counter == shift.counter and s.start <= shift.end < s.end for s in self.day.shifts
        )

    # -- citizens and officers ------------------------------------------------------

    def _arrive(self, citizen: Citizen, now: datetime) -> None:
        out = self._apply(
            m.IssueTicket(
                request_id=self._rid(),
                node_id=KIOSK,
                sent_at=now,
                queue=citizen.queue,
                priority=citizen.priority,
            ),
            now,
        )
        if out.reply.ticket is None:
            assert out.reply.refusal is not None
            self.refused.append((citizen, out.reply.refusal.code))
            return
        self.citizen_of[out.reply.ticket.ticket_id] = citizen
        self._wake(citizen.queue, now)

    def _wake(self, queue: str, now: datetime) -> None:
        for spec in self.hall.cat.counters:
            desk = self.desks[spec.id]
            if queue in spec.queues and desk.signed_in and not desk.paused and not desk.busy:
                desk.busy = True
                self._at(now, partial(self._call, desk))

    def _shift_start(self, shift: Shift, now: datetime) -> None:
        desk = self.desks[shift.counter]
        self._apply(
            m.SignIn(
                request_id=self._rid(),
                node_id=CALLER,
                sent_at=now,
                counter=shift.counter,
                officer=shift.officer,
            ),
            now,
        )
        desk.signed_in = True
        desk.pace = shift.pace
        desk.pause_when_free = False
        if desk.paused:
            self._counter_req(m.ResumeCounter, desk, now)
            desk.paused = False
        if not desk.busy:
            desk.busy = True
            self._call(desk, now)

    def _break(self, counter: str, now: datetime) -> None:
        desk = self.desks[counter]
        if desk.busy:
            desk.pause_when_free = True
        else:
            self._pause(desk, now)

    def _pause(self, desk: _Desk, now: datetime) -> None:
        self._counter_req(m.PauseCounter, desk, now)
        desk.paused = True
        desk.pause_when_free = False

    def _free(self, desk: _Desk, now: datetime) -> None:
        desk.citizen = None
        if desk.pause_when_free:
            desk.busy = False
            self._pause(desk, now)
        else:
            self._at(now + timedelta(seconds=NEXT_GAP_S), lambda t: self._call(desk, t))

    def _call(self, desk: _Desk, now: datetime) -> None:
        if desk.paused:
            desk.busy = False
            return
        out = self._counter_req(m.CallNext, desk, now)
        info = out.reply.counter.ticket if out.reply.ok and out.reply.counter else None
        if info is None:
            desk.busy = False
            return
        citizen = self.citizen_of[info.ticket_id]
        desk.busy = True
        desk.citizen = citizen
        desk.leg = 1 if info.queue == citizen.queue else 2
        if citizen.shows:
            self._at(now + timedelta(seconds=citizen.walk_s), lambda t: self._start(desk, t))
        else:
            self._at(now + timedelta(seconds=RECALL_AFTER_S), lambda t: self._recall(desk, t))
            self._at(now + timedelta(seconds=NO_SHOW_AFTER_S), lambda t: self._no_show(desk, t))

    def _recall(self, desk: _Desk, now: datetime) -> None:
        self._counter_req(m.Recall, desk, now)

    def _start(self, desk: _Desk, now: datetime) -> None:
        self._counter_req(m.StartService, desk, now)
        citizen = desk.citizen
        assert citizen is not None
        if desk.leg == 1 and citizen.transfer_to:
            took = citizen.service_s * desk.pace
            self._at(now + timedelta(seconds=took), lambda t: self._transfer(desk, t))
            return
        took = (citizen.service_s if desk.leg == 1 else citizen.transfer_service_s) * desk.pace
        self._at(now + timedelta(seconds=took), lambda t: self._finish(desk, t))

    def _finish(self, desk: _Desk, now: datetime) -> None:
        citizen = desk.citizen
        assert citizen is not None
        out = self._counter_req(m.FinishService, desk, now)
        served = next((t for t in out.tickets if t.status == "served"), None)
        if citizen.rating is not None and served is not None:
            score, ticket_id = citizen.rating, served.id
            self._at(
                now + timedelta(seconds=RATE_AFTER_S),
                lambda t: self._rate(desk.counter, ticket_id, score, t),
            )
        self._free(desk, now)

    def _rate(self, counter: str, ticket_id: str, score: int, now: datetime) -> None:
        self._apply(
            m.RateService(
                request_id=self._rid(),
                node_id=CALLER,
                sent_at=now,
                counter=counter,
                ticket_id=ticket_id,
                score=score,
            ),
            now,
        )

    def _transfer(self, desk: _Desk, now: datetime) -> None:
        citizen = desk.citizen
        assert citizen is not None and citizen.transfer_to is not None
        out = self._apply(
            m.Transfer(
                request_id=self._rid(),
                node_id=CALLER,
                sent_at=now,
                counter=desk.counter,
                to_queue=citizen.transfer_to,
            ),
            now,
        )
        if not out.reply.ok:
            # Refused (e.g. the hall has closed): the officer serves the citizen after all.
            self._finish(desk, now)
            return
        self._free(desk, now)
        self._wake(citizen.transfer_to, now)

    def _no_show(self, desk: _Desk, now: datetime) -> None:
        self._counter_req(m.NoShow, desk, now)
        self._free(desk, now)


def play(hall: Hall, day: Day) -> list[tuple[m.Request, Outcome]]:
    """Run a whole day; returns every applied request with its outcome, in order."""
    return list(HallDriver(hall, day).run())

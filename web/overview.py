"""What the supervisors' dashboard shows: counters, queues, devices and alerts, worked out
from central's hall and fleet snapshots as the web node follows them. Pure: no I/O, the
time is given."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from antrian.board_state import BoardState
from protocol import messages as m


class DashboardSettings(BaseModel):
    """The `dashboard` part of the web node's config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    supervisors: Path | None = Field(
        default=None,
        description="The site's supervisors file (antrian provision supervisor); None: "
        "nobody can sign in and the dashboard says so.",
    )
    wait_standard_min: int = Field(
        default=60,
        ge=1,
        le=600,
        description="Alert when a queue's longest wait passes this many minutes.",
    )
    wait_standards: dict[str, int] = Field(
        default_factory=dict, description="Per queue id, in place of wait_standard_min."
    )
    unstaffed_after_min: int = Field(
        default=10,
        ge=1,
        le=240,
        description="Alert when a counter whose queues have citizens waiting has been paused "
        "or idle this long while the hall is open.",
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Mark cookies Secure; None: when public_url is https:// (docs/deploy.md).",
    )


@dataclass(frozen=True)
class CounterRow:
    id: str
    name: str
    state: m.CounterState
    officer: str | None
    ticket: str | None  # label of the ticket called or served
    ticket_status: str | None
    since: datetime | None  # when the state began: paused since, idle since, called at
    minutes: int | None  # in that state for


@dataclass(frozen=True)
class QueueRow:
    id: str
    name: str
    agency: str
    prefix: str
    open: bool
    closed_early: bool
    waiting: int
    priority_waiting: int
    longest_wait_min: int | None
    estimate_min: int | None
    quota: int | None
    quota_left: int | None
    issued_today: int


@dataclass(frozen=True)
class DeviceRow:
    node_id: str
    role: str
    online: bool
    since: datetime
    faults: tuple[str, ...]
    config_version: int | None
    last_error: str | None
    outbox: int | None  # a kiosk's tickets and requests central has not got yet


@dataclass(frozen=True)
class Alert:
    kind: str  # wait_above_standard, counter_unstaffed, device_offline, device_fault
    subject: str  # queue, counter or device id
    minutes: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Overview:
    synced: bool
    hall_open: bool
    counters: list[CounterRow]
    queues: list[QueueRow]
    devices: list[DeviceRow]
    alerts: list[Alert]
    running_text: str


def _minutes(since: datetime | None, now: datetime) -> int | None:
    if since is None:
        return None
    return max(0, int((now - since).total_seconds() // 60))


def overview(
    state: BoardState,
    fleet: m.FleetSnapshot | None,
    now: datetime,
    settings: DashboardSettings,
) -> Overview:
    counters = [
        CounterRow(
            id=c.counter,
            name=c.name,
            state=c.state,
            officer=c.officer,
            ticket=c.ticket.label if c.ticket else None,
            ticket_status=c.ticket.status if c.ticket else None,
            since=c.since,
            minutes=_minutes(c.since, now),
        )
        for c in state.counters.values()
    ]
    queues = [
        QueueRow(
            id=q.queue,
            name=q.name,
            agency=q.agency,
            prefix=q.prefix,
            open=q.open,
            closed_early=q.closed_early,
            waiting=q.waiting,
            priority_waiting=q.priority_waiting,
            longest_wait_min=_minutes(q.oldest_waiting_at, now) if q.waiting else None,
            estimate_min=q.estimated_wait_min,
            quota=q.quota,
            quota_left=q.quota_left,
            issued_today=q.issued_today,
        )
        for q in state.queues.values()
    ]
    devices = [
        DeviceRow(
            node_id=n.node_id,
            role=n.role,
            online=n.online,
            since=n.since,
            faults=tuple(n.faults),
            config_version=n.config_version,
            last_error=n.last_error,
            outbox=n.outbox,
        )
        for n in (fleet.nodes if fleet else [])
    ]
    return Overview(
        synced=state.seq is not None,
        hall_open=state.open,
        counters=counters,
        queues=queues,
        devices=devices,
        alerts=alerts(state, devices, queues, counters, settings),
        running_text=state.running_text,
    )


def alerts(
    state: BoardState,
    devices: list[DeviceRow],
    queues: list[QueueRow],
    counters: list[CounterRow],
    settings: DashboardSettings,
) -> list[Alert]:
    """What needs a supervisor now, most urgent kind first."""
    found: list[Alert] = []
    for q in queues:
        standard = settings.wait_standards.get(q.id, settings.wait_standard_min)
        if q.longest_wait_min is not None and q.longest_wait_min > standard:
            found.append(Alert("wait_above_standard", q.id, q.longest_wait_min, str(standard)))
    if state.open:
        waiting = {q.id for q in queues if q.waiting}
        for c in counters:
            # Paused or idle while citizens wait for it: nobody calls them. (An idle counter
            # with nobody to serve is fine; officer sign-in is optional in many halls.)
            serves = state.counters[c.id].queues
            if (
                c.state in ("paused", "idle")
                and waiting.intersection(serves)
                and c.minutes is not None
                and c.minutes >= settings.unstaffed_after_min
            ):
                found.append(Alert("counter_unstaffed", c.id, c.minutes, c.state))
    for d in devices:
        if d.role == "central":
            continue
        if not d.online:
            found.append(Alert("device_offline", d.node_id, detail=d.role))
        elif d.faults:
            # paper_out and paper_low among them: someone has to bring a roll.
            found.append(Alert("device_fault", d.node_id, detail=", ".join(d.faults)))
    return found


@dataclass(frozen=True)
class Action:
    """A supervisor's action as central published it (its event)."""

    seq: int
    at: datetime
    supervisor: str
    kind: str  # the event's kind
    subject: str  # counter name, queue, ticket label or the running text
    detail: str = ""  # the target queue of a transfer, a new quota


@dataclass
class ActionLog:
    """The latest supervisors' actions seen in central's events since the web node started
    (the ledger's event log holds them all), newest first, each once."""

    size: int = 10
    _actions: deque[Action] = field(default_factory=deque)

    def note(self, ev: m.Event) -> None:
        if ev.supervisor is None or any(a.seq == ev.seq for a in self._actions):
            return
        subject = ev.counter_name or ev.counter or ev.queue or ""
        detail = ""
        if ev.kind in ("ticket_transferred", "ticket_ended") and ev.ticket is not None:
            subject = ev.ticket.label
            detail = ev.ticket.queue_name if ev.kind == "ticket_transferred" else ""
        elif ev.kind == "quota_changed":
            detail = "-" if ev.quota is None else str(ev.quota)
        elif ev.kind == "running_text_changed":
            subject = ev.text or ""
        self._actions.appendleft(Action(ev.seq, ev.at, ev.supervisor, ev.kind, subject, detail))
        while len(self._actions) > self.size:
            self._actions.pop()

    def recent(self) -> list[Action]:
        return sorted(self._actions, key=lambda a: a.seq, reverse=True)

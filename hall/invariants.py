"""What must hold after any run of the hall, checked from what the nodes left on disk:
central's ledger (read-only), each kiosk's outbox and the jobs its printer spooled."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from central.ledger import LedgerReader
from edge.kiosk.escpos_decode import decode
from edge.kiosk.layout import Qr


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


@dataclass(frozen=True)
class LedgerTicket:
    ticket_id: str
    day: str
    queue: str  # the queue that numbered it (a transfer keeps the number)
    number: int
    status: str
    node_id: str
    request_id: str | None


@dataclass(frozen=True)
class KioskTicket:
    ticket_id: str
    origin: str
    queue: str
    number: int
    day: str
    origin_request_id: str | None
    printed: bool
    replayed: bool
    replay_refusal: str | None


@dataclass
class KioskRecord:
    """One kiosk's outbox and spool, as read after the run."""

    node_id: str
    tickets: list[KioskTicket]
    intents: int
    spooled: list[str]  # ticket ids found in spooled print jobs, one per job


@dataclass
class Findings:
    violations: list[Violation] = field(default_factory=list)
    tickets: int = 0  # in central's ledger
    offline: int = 0  # issued by kiosks from a lease
    printed: int = 0
    unprinted: int = 0
    voided: int = 0
    superseded: int = 0  # online tickets whose kiosk gave up and printed offline instead
    calls: int = 0


def _connect_ro(path: Path) -> sqlite3.Connection:
    # mode=ro: the checker must never be the one that changes what it checks.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def read_ledger(path: Path) -> tuple[list[LedgerTicket], list[tuple[int, str, str]]]:
    """Tickets, and events as (seq, kind, body JSON), from central's ledger."""
    with LedgerReader(path) as ledger:
        tickets = [
            LedgerTicket(
                t.id,
                t.day.isoformat(),
                t.origin_queue,
                t.number,
                t.status,
                t.node_id,
                t.request_id,
            )
            for t in ledger.all_tickets()
        ]
        events = [(e.seq, e.kind, e.body) for e in ledger.all_events()]
    return tickets, events


def read_kiosk(node_id: str, outbox: Path, spool_dir: Path) -> KioskRecord:
    tickets: list[KioskTicket] = []
    intents = 0
    if outbox.exists():
        db = _connect_ro(outbox)
        try:
            tickets = [
                KioskTicket(
                    ticket_id=r[0],
                    origin=r[1],
                    queue=r[2],
                    number=int(r[3]),
                    day=r[4],
                    origin_request_id=r[5],
                    printed=r[6] is not None,
                    replayed=r[7] is not None,
                    replay_refusal=r[8],
                )
                for r in db.execute(
                    "SELECT ticket_id, origin, queue, number, business_day, origin_request_id, "
                    "printed_at, replayed_at, replay_refusal FROM tickets"
                )
            ]
            intents = int(db.execute("SELECT COUNT(*) FROM intents").fetchone()[0])
        finally:
            db.close()
    spooled: list[str] = []
    for job in sorted(spool_dir.glob("*.bin")) if spool_dir.exists() else []:
        qrs = [e.data for e in decode(job.read_bytes()) if isinstance(e, Qr)]
        # A refusal slip has no QR; a ticket carries its id in one (status_url unset here).
        if qrs:
            spooled.append(qrs[0].rsplit("/", 1)[-1])
    return KioskRecord(node_id, tickets, intents, spooled)


def check(
    ledger: list[LedgerTicket], events: list[tuple[int, str, str]], kiosks: list[KioskRecord]
) -> Findings:
    """Every rule of the chaos suite (docs/chaos.md) over one run's records."""
    f = Findings(tickets=len(ledger))
    bad = f.violations.append
    by_id = {t.ticket_id: t for t in ledger}
    kiosk_ids = {k.node_id for k in kiosks}
    in_outbox: dict[str, tuple[str, KioskTicket]] = {}
    superseding: dict[str, KioskTicket] = {}  # origin request id -> offline ticket

    # 1. No acknowledged ticket lost: everything a kiosk recorded (and so may have printed)
    #    is in central's ledger after replay, with the same queue, number and day.
    for k in kiosks:
        if k.intents:
            bad(Violation("unresolved_intent", f"{k.node_id}: {k.intents} press(es) unresolved"))
        for kt in k.tickets:
            in_outbox[kt.ticket_id] = (k.node_id, kt)
            f.offline += kt.origin == "offline"
            f.printed += kt.printed
            f.unprinted += not kt.printed
            if kt.origin_request_id:
                superseding[kt.origin_request_id] = kt
            lt = by_id.get(kt.ticket_id)
            if lt is None:
                why = f" (replay refused: {kt.replay_refusal})" if kt.replay_refusal else ""
                bad(Violation("ticket_lost", f"{k.node_id} {kt.ticket_id}{why}"))
            elif (lt.queue, lt.number, lt.day) != (kt.queue, kt.number, kt.day):
                bad(
                    Violation(
                        "ticket_differs",
                        f"{kt.ticket_id}: kiosk {kt.queue} {kt.number} {kt.day}, "
                        f"central {lt.queue} {lt.number} {lt.day}",
                    )
                )
            elif kt.replay_refusal:
                bad(Violation("replay_refused", f"{kt.ticket_id}: {kt.replay_refusal}"))

    # 2. No number issued twice in a queue and day, across central and every kiosk.
    holders: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for t in ledger:
        holders[(t.day, t.queue, t.number)].add(t.ticket_id)
    for _node, kt in in_outbox.values():
        holders[(kt.day, kt.queue, kt.number)].add(kt.ticket_id)
    for (day, queue, number), ids in sorted(holders.items()):
        if len(ids) > 1:
            bad(Violation("number_twice", f"{day} {queue} {number}: {sorted(ids)}"))

    # 3. No ticket called at two counters: a ticket is called again only after a transfer,
    #    and the event log has no hole.
    calls: dict[str, list[str]] = defaultdict(list)
    transfers: dict[str, int] = defaultdict(int)
    issued_seq: dict[str, int] = {}
    replayed_seq: dict[str, int] = {}
    expected = 1
    for seq, kind, body in events:
        if seq != expected:
            bad(Violation("event_gap", f"seq {expected} missing before {seq}"))
        expected = seq + 1
        ev = json.loads(body)
        tid = (ev.get("ticket") or {}).get("ticket_id")
        if tid is None:
            continue
        if kind == "ticket_called":
            calls[tid].append(str(ev.get("counter")))
        elif kind == "ticket_transferred":
            transfers[tid] += 1
        elif kind == "ticket_issued":
            issued_seq[tid] = seq
        elif kind == "ticket_replayed":
            replayed_seq[tid] = seq
    f.calls = sum(len(c) for c in calls.values())
    for tid, counters in sorted(calls.items()):
        if len(counters) > 1 + transfers[tid]:
            bad(Violation("called_twice", f"{tid} called at {counters}"))

    # 4. Every ticket central issued for a kiosk was printed there or is recorded in its
    #    outbox as unprinted. The one allowed exception is documented (docs/kiosk.md): the
    #    kiosk timed out, printed an offline ticket instead, and central had already called
    #    the online one before the replay could void it.
    spooled = {tid for k in kiosks for tid in k.spooled}
    for t in ledger:
        if t.status == "void":
            f.voided += 1
            continue
        if t.node_id not in kiosk_ids or t.ticket_id in in_outbox:
            continue
        sup = superseding.get(t.request_id or "")
        if sup is not None:
            issued, replayed = issued_seq.get(t.ticket_id), replayed_seq.get(sup.ticket_id)
            if issued is not None and replayed is not None and issued < replayed:
                f.superseded += 1
                continue
            bad(
                Violation(
                    "issued_after_replay",
                    f"{t.ticket_id} ({t.status}) issued for request {t.request_id} after "
                    f"{sup.ticket_id} replaced it: nobody holds this ticket",
                )
            )
            continue
        bad(Violation("issued_not_printed", f"{t.node_id} {t.ticket_id} ({t.status})"))
    for tid, (node, kt) in sorted(in_outbox.items()):
        if kt.printed and tid not in spooled:
            bad(Violation("printed_without_job", f"{node} {tid} marked printed, no spooled job"))
    for k in kiosks:
        for tid in k.spooled:
            if tid not in in_outbox or in_outbox[tid][0] != k.node_id:
                bad(Violation("job_not_recorded", f"{k.node_id} printed {tid} without a record"))
    return f

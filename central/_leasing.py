"""Number blocks leased to kiosks, and the tickets they issued from them while central
was away, merged back into the hall."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from antrian.catalogue import Queue
from central.records import MAX_NUMBER, Lease, Outcome, Refused, Ticket
from protocol import messages as m

if TYPE_CHECKING:
    from central.hall import Hall

LEASE_QUOTA_SHARE = 10
MAX_UNUSED_LEASED = 100  # per kiosk and queue without a quota


def online_number(hall: Hall, queue: str, number: int) -> int:
    """The first number from `number` up that no block of today covers. Online numbers
    that met the blocks walk past them (a quota raised today continues above the
    highest number leased), and land in a gap a kiosk gave back."""
    if number < hall.lease_floor[queue]:
        return number
    blocks = sorted(
        (le.first, le.last)
        for le in hall.queue_leases[queue]
        if le.first <= le.last and le.last >= number
    )
    for first, last in blocks:
        if first <= number <= last:
            number = last + 1
    return number


def online_left(hall: Hall, q: Queue) -> int | None:
    """Numbers of today's quota central can still issue itself, outside the kiosks'
    blocks (None: no cap). At 0 kiosks give back the unused tops of their blocks."""
    quota = hall.quota(q)
    if quota is None:
        return None
    cap = min(quota, MAX_NUMBER)
    pool = sum(1 for n in hall.returned[q.id] if n <= cap)
    start = hall.next_number[q.id]
    if start > cap:
        return pool
    leased = sum(
        max(0, min(le.last, cap) - max(le.first, start) + 1) for le in hall.queue_leases[q.id]
    )
    return pool + (cap - start + 1) - leased


def rebuild_returned(hall: Hall) -> None:
    """After loading: numbers below next_number that no ticket and no block holds were
    given back by a kiosk (online numbers below next_number were all issued, except
    those the walk skipped because a block held them then)."""
    for queue, nxt in hall.next_number.items():
        floor = hall.lease_floor[queue]
        if nxt <= floor:
            continue
        held = [(le.first, le.last) for le in hall.queue_leases[queue]]
        taken = hall.taken[queue]
        hall.returned[queue] = {
            n
            for n in range(floor, nxt)
            if n not in taken and not any(f <= n <= la for f, la in held)
        }


def lease(hall: Hall, req: m.LeaseBlock, now: datetime) -> Outcome:
    hall._queue(req.queue)
    q = hall.cat.queue(req.queue)
    assert q is not None
    # Leased numbers come off the quota: a kiosk holds at most a tenth of it unused, so
    # a small quota (30 marriage registrations) is not eaten by kiosks' reserves. A
    # kiosk asking for more than it may hold gets its latest block again.
    quota = hall.quota(q)
    limit = max(1, quota // LEASE_QUOTA_SHARE) if quota is not None else MAX_UNUSED_LEASED
    mine = [le for le in hall.queue_leases[q.id] if le.node_id == req.node_id]
    unused = sum(
        1 for le in mine for n in range(le.first, le.last + 1) if n not in hall.taken[q.id]
    )
    size = min(req.size, limit - unused)
    if size <= 0 and mine:
        latest = max(mine, key=lambda le: le.granted_at)
        return Outcome(
            reply=m.Reply(request_id=req.request_id, ok=True, lease=lease_info(latest, q.prefix))
        )
    last = hall.lease_floor[q.id] - 1
    if quota is not None:
        # A quota lowered today: numbers above it are not handed out any more.
        last = min(last, quota)
    first = max(hall.next_number[q.id], last - size + 1)
    if last < first:
        raise Refused("quota_reached")
    hall.lease_floor[q.id] = first
    lease = Lease(
        id=f"{hall.day:%Y%m%d}-{q.id}-{first:04d}-{last:04d}",
        node_id=req.node_id,
        queue=q.id,
        day=hall.day,
        first=first,
        last=last,
        granted_at=now,
    )
    hall.add_lease(lease)
    info = lease_info(lease, q.prefix)
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, lease=info))
    out.leases.append(lease)
    return out


def return_lease(hall: Hall, req: m.ReturnLease, now: datetime) -> Outcome:
    """A kiosk gives back numbers first_unused..last of its block: the block ends
    below them, and they are issued online. The kiosk recorded first that it never
    issues them; a repeat finds them gone already and changes nothing."""
    lease = hall.leases.get(req.lease_id)
    if lease is None or lease.node_id != req.node_id or lease.queue != req.queue:
        raise Refused(
            "lease_invalid", f"{req.node_id} holds no lease {req.lease_id} of {req.queue} today"
        )
    q = hall.cat.queue(lease.queue)
    assert q is not None
    if req.first_unused > lease.last:
        # Given back already (a repeat), or nothing to give.
        info = lease_info(lease, q.prefix)
        return Outcome(reply=m.Reply(request_id=req.request_id, ok=True, lease=info))
    if req.first_unused < lease.first:
        raise Refused(
            "lease_invalid",
            f"{req.first_unused} is below {req.lease_id}'s first number {lease.first}",
        )
    taken = hall.taken[lease.queue]
    used = [n for n in range(req.first_unused, lease.last + 1) if n in taken]
    if used:
        # The kiosk replayed a number it now says it never issued: keep the block.
        raise Refused("lease_invalid", f"{lease.queue} {used[0]} of {req.lease_id} is issued")
    nxt = hall.next_number[lease.queue]
    hall.returned[lease.queue].update(range(req.first_unused, min(lease.last + 1, nxt)))
    lease.last = req.first_unused - 1
    info = lease_info(lease, q.prefix)
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, lease=info))
    out.leases.append(lease)
    return out


def lease_info(lease: Lease, prefix: str) -> m.LeaseInfo:
    return m.LeaseInfo(
        lease_id=lease.id,
        queue=lease.queue,
        business_day=lease.day,
        first=lease.first,
        last=lease.last,
        prefix=prefix,
    )


def replay(
    hall: Hall, req: m.ReplayTicket, now: datetime, voidable: str | None, lease: Lease | None
) -> Outcome:
    """Merge a ticket a kiosk issued offline. `voidable` is the online ticket that the
    timed-out origin request created, if central applied it; `lease` comes from the
    ledger when it is not today's."""
    ot = req.ticket
    existing = hall.tickets.get(ot.ticket_id)
    if existing is not None:
        return Outcome(
            reply=m.Reply(request_id=req.request_id, ok=True, ticket=hall.ticket_info(existing))
        )
    lease = lease or hall.leases.get(ot.lease_id)
    if (
        lease is None
        or lease.node_id != req.node_id
        or lease.queue != ot.queue
        or lease.day != ot.business_day
        or not lease.first <= ot.number <= lease.last
    ):
        raise Refused("lease_invalid", f"{ot.lease_id} does not cover {ot.queue} {ot.number}")
    q = hall.cat.queue(ot.queue)
    assert q is not None
    if ot.business_day == hall.day and ot.number in hall.taken[ot.queue]:
        raise Refused("duplicate_number", f"{ot.queue} {ot.number}")
    t = Ticket(
        id=ot.ticket_id,
        origin_queue=ot.queue,
        queue=ot.queue,
        number=ot.number,
        prefix=q.prefix,
        day=ot.business_day,
        priority=ot.priority,
        status="waiting" if ot.business_day == hall.day else "expired",
        issued_at=ot.issued_at,
        offline=True,
        node_id=req.node_id,
        request_id=req.request_id,
    )
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    if t.status == "waiting":
        hall._admit(t)
        if voidable is not None:
            v = hall.tickets.get(voidable)
            if v is not None and v.status == "waiting":
                hall.waiting[v.queue].remove(v)
                v.status = "void"
                hall.issued_today[v.origin_queue] -= 1
                out.tickets.append(v)
                out.events.append(hall._event(now, "ticket_voided", ticket=hall.ticket_info(v)))
    info = hall.ticket_info(t)
    out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=info)
    out.tickets.append(t)
    out.events.append(hall._event(now, "ticket_replayed", ticket=info))
    if ot.origin_request_id and voidable is None:
        # The timed-out press never reached central: the offline ticket is its answer,
        # so a delayed copy of it must not issue a second ticket nobody holds.
        out.aliases.append(m.Reply(request_id=ot.origin_request_id, ok=True, ticket=info))
    return out

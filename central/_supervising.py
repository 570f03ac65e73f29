"""Supervisors' actions on the hall, sent through the web node: pause a counter, close a
queue, change a quota, move or end a ticket, set the running text."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from central.records import CounterRuntime, Outcome, Refused, Ticket
from protocol import messages as m

if TYPE_CHECKING:
    from central.hall import Hall


def supervisor_pause(hall: Hall, req: m.SupervisorPauseCounter, now: datetime) -> Outcome:
    return hall._set_paused(req, req.counter, now, True, req.supervisor)


def supervisor_resume(hall: Hall, req: m.SupervisorResumeCounter, now: datetime) -> Outcome:
    return hall._set_paused(req, req.counter, now, False, req.supervisor)


def close_queue(hall: Hall, req: m.CloseQueue, now: datetime) -> Outcome:
    return set_closed(hall, req, req.queue, now, True)


def reopen_queue(hall: Hall, req: m.ReopenQueue, now: datetime) -> Outcome:
    return set_closed(hall, req, req.queue, now, False)


def set_closed(
    hall: Hall, req: m.SupervisorRequest, queue_id: str, now: datetime, closed: bool
) -> Outcome:
    """Closing a closed queue (or reopening an open one) is a no-op, not an error."""
    hall._queue(queue_id)
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    if (queue_id in hall.closed_early) != closed:
        if closed:
            hall.closed_early.add(queue_id)
        else:
            hall.closed_early.discard(queue_id)
        kind: m.EventKind = "queue_closed" if closed else "queue_reopened"
        out.events.append(hall._event(now, kind, queue=queue_id, supervisor=req.supervisor))
        out.supervision = hall.supervision()
    return out


def set_quota(hall: Hall, req: m.SetQuota, now: datetime) -> Outcome:
    hall._queue(req.queue)
    q = hall.cat.queue(req.queue)
    assert q is not None
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    if hall.quota(q) != req.quota:
        if req.quota == q.daily_quota:
            hall.quota_today.pop(q.id, None)
        else:
            hall.quota_today[q.id] = req.quota
        out.events.append(
            hall._event(
                now, "quota_changed", queue=q.id, quota=req.quota, supervisor=req.supervisor
            )
        )
        out.supervision = hall.supervision()
    return out


def active_ticket(hall: Hall, req: m.TicketAction) -> tuple[Ticket, CounterRuntime | None]:
    """A ticket of today still in the hall, and the counter holding it (None: waiting)."""
    if req.ticket_id is not None:
        t = hall.tickets.get(req.ticket_id)
    else:
        # A supervisor types what the citizen holds. Scanning today's tickets is fine
        # for an action a person takes now and then (2,000 tickets: ~0.2 ms).
        label = (req.label or "").strip().upper()
        t = next(
            (x for x in hall.tickets.values() if x.label == label and x.status != "void"),
            None,
        )
    if t is None:
        raise Refused("unknown_ticket", req.ticket_id or req.label)
    if t.status not in ("waiting", "called", "serving"):
        raise Refused("ticket_finished", f"{t.label} is {t.status}")
    if t.status == "waiting" or t.counter is None:
        return t, None
    return t, hall.counters[t.counter]


def transfer_ticket(hall: Hall, req: m.TransferTicket, now: datetime) -> Outcome:
    t, c = active_ticket(hall, req)
    hall._queue(req.to_queue)
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    hall._move(out, now, t, req.to_queue, c, supervisor=req.supervisor)
    out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=hall.ticket_info(t))
    return out


def end_ticket(hall: Hall, req: m.EndTicket, now: datetime) -> Outcome:
    t, c = active_ticket(hall, req)
    if t.status == "waiting":
        hall.waiting[t.queue].remove(t)
    if t.status == "serving":
        t.status = "served"
        t.finished_at = now
        hall._sample(t)
    else:
        # Waiting or called: the citizen is gone, as with a no-show at the counter.
        t.status = "no_show"
        t.finished_at = now
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    out.tickets.append(t)
    hall._leave_counter(out, t, c, now, "ticket_ended", supervisor=req.supervisor)
    out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=hall.ticket_info(t))
    return out


def set_running_text(hall: Hall, req: m.SetRunningText, now: datetime) -> Outcome:
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    text = req.text.strip()
    if text != hall.running_text:
        hall.running_text = text
        out.events.append(
            hall._event(now, "running_text_changed", text=text, supervisor=req.supervisor)
        )
        out.supervision = hall.supervision()
    return out

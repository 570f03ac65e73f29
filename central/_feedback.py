"""Citizens' feedback and questions: a ticket page's lookup, the SKM survey after
service, and the IKM rating at the counter."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from central.records import Outcome, Refused
from protocol import messages as m
from protocol.refusals import refusal

if TYPE_CHECKING:
    from central.hall import Hall


def lookup(hall: Hall, req: m.LookupTicket, ticket_id: str | None) -> m.Reply:
    """A ticket's page asks for it (read-only; the service found it by its token)."""
    t = hall.tickets.get(ticket_id) if ticket_id else None
    if t is None or t.status == "void":
        return m.Reply(request_id=req.request_id, ok=False, refusal=refusal("unknown_ticket"))
    return m.Reply(
        request_id=req.request_id,
        ok=True,
        ticket=hall.ticket_info(t),
        surveyed=t.id in hall.surveyed,
    )


def survey(hall: Hall, req: m.SubmitSurvey, ticket_id: str | None, now: datetime) -> Outcome:
    """A citizen's SKM survey, once per ticket, after service, on the day ithall."""
    try:
        t = hall.tickets.get(ticket_id) if ticket_id else None
        if t is None or t.status == "void":
            raise Refused("unknown_ticket")
        if t.status != "served":
            raise Refused("not_surveyable")
        if t.id in hall.surveyed:
            raise Refused("already_surveyed")
    except Refused as r:
        return Outcome(reply=m.Reply(request_id=req.request_id, ok=False, refusal=r.refusal))
    hall.surveyed.add(t.id)
    spec = hall.cat.counter(t.counter) if t.counter else None
    info = hall.ticket_info(t)
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, ticket=info, surveyed=True))
    out.events.append(
        hall._event(
            now,
            "survey_answered",
            ticket=info,
            counter=t.counter,
            counter_name=spec.name if spec else None,
            officer=t.officer,
            answers=list(req.answers),
        )
    )
    return out


def rate(hall: Hall, req: m.RateService, now: datetime) -> Outcome:
    hall._counter(req.counter)
    t = hall.tickets.get(req.ticket_id)
    if t is None:
        raise Refused("unknown_ticket", req.ticket_id)
    if t.status != "served" or t.counter != req.counter:
        raise Refused("not_rateable")
    if t.rating is not None:
        raise Refused("already_rated")
    t.rating = req.score
    out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
    out.tickets.append(t)
    c = hall.counters[req.counter]
    spec = hall.cat.counter(c.id)
    out.events.append(
        hall._event(
            now,
            "ticket_rated",
            ticket=hall.ticket_info(t),
            counter=c.id,
            counter_name=spec.name if spec else None,
            officer=t.officer,
            score=req.score,
        )
    )
    out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=hall.ticket_info(t))
    return out

"""Citizens' tickets as the web node sees them: central's answer to a lookup by token, kept
current from the events that name the ticket, and refreshed from central when the queue
in front of it moves. A cache of central's answers, not state of its own."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from protocol import messages as m
from web.node import CentralUnavailable, Signal, WebNode

log = logging.getLogger(__name__)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
REFRESH_MIN_S = 1.0  # a watched ticket asks central again at most this often
MAX_WATCHED = 20_000
IDLE_EVICT_S = 600.0
LOOKUPS_IN_FLIGHT = 32
OPEN = ("waiting", "called", "serving")
# Events after which a waiting ticket's place or estimate may have changed.
QUEUE_MOVES = (
    "ticket_issued",
    "ticket_replayed",
    "ticket_voided",
    "ticket_called",
    "ticket_transferred",
    "ticket_ended",
    "ticket_served",
    "ticket_no_show",
    "counter_paused",
    "counter_resumed",
)


class UnknownTicket(LookupError):
    """Central does not know this token (never issued, another day, or made up)."""


@dataclass
class Watch:
    token: str
    info: m.TicketInfo
    surveyed: bool
    changed: Signal = field(default_factory=Signal)
    version: int = 0
    alert: int = 0  # increases with each call or recall of this ticket: the phone rings
    fetched_at: float = 0.0
    seen_at: float = 0.0
    refreshing: bool = False
    stale: bool = False  # changed since the last refresh was started


class RateLimiter:
    """A token bucket per client address: `per_minute` lookups, refilled steadily."""

    def __init__(self, per_minute: int, max_clients: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        ok = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if ok else tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return ok


class Tickets:
    """Watched tickets by token and by ticket id; fed by the node's messages."""

    def __init__(self, node: WebNode) -> None:
        self.node = node
        self.by_token: OrderedDict[str, Watch] = OrderedDict()
        self.by_id: dict[str, Watch] = {}
        self.lookups = 0  # sent to central (tests and benchmarks read this)
        self.bad_forms = 0  # survey forms refused as incomplete or malformed
        self._sem = asyncio.Semaphore(LOOKUPS_IN_FLIGHT)
        node.listeners.append(self._on_message)

    # -- lookups ----------------------------------------------------------------------

    async def get(self, token: str) -> Watch:
        """The ticket with this token: from the cache while it is kept current, else from
        central. Raises UnknownTicket, or CentralUnavailable with nothing cached."""
        if not TOKEN.match(token):
            raise UnknownTicket(token)
        w = self.by_token.get(token)
        now = time.monotonic()
        if w is not None:
            w.seen_at = now
            self.by_token.move_to_end(token)
            if w.stale and not w.refreshing:
                self._refresh_soon(w)
            return w
        reply = await self._lookup(token)
        if not reply.ok or reply.ticket is None:
            raise UnknownTicket(token)
        w = self.by_token.get(token)  # another request for it may have come back first
        if w is None:
            w = Watch(token, reply.ticket, bool(reply.surveyed), fetched_at=now, seen_at=now)
            self._keep(w)
        return w

    async def _lookup(self, token: str) -> m.Reply:
        node = self.node
        async with self._sem:
            self.lookups += 1
            req = m.LookupTicket(
                request_id=node.new_request_id(),
                node_id=node.config.node_id,
                sent_at=node.clock(),
                token=token,
            )
            return await node.request(req)

    def _keep(self, w: Watch) -> None:
        self.by_token[w.token] = w
        self.by_id[w.info.ticket_id] = w
        self._evict()

    def _evict(self) -> None:
        now = time.monotonic()
        while self.by_token:
            token, oldest = next(iter(self.by_token.items()))
            idle = now - oldest.seen_at > IDLE_EVICT_S and not len(oldest.changed)
            if len(self.by_token) <= MAX_WATCHED and not idle:
                break
            del self.by_token[token]
            self.by_id.pop(oldest.info.ticket_id, None)

    def _update(self, w: Watch, info: m.TicketInfo | None = None, **kw: object) -> None:
        if info is not None and info != w.info:
            w.info = info
        for k, v in kw.items():
            setattr(w, k, v)
        w.version += 1
        w.changed.fire()

    # -- refresh ----------------------------------------------------------------------

    def _refresh_soon(self, w: Watch) -> None:
        """Ask central again (coalesced: one lookup in flight per ticket, at most one per
        REFRESH_MIN_S), for what events do not say: the place in the queue, the wait."""
        w.stale = True
        if w.refreshing:
            return
        w.refreshing = True
        asyncio.get_running_loop().create_task(self._refresh(w))

    async def _refresh(self, w: Watch) -> None:
        try:
            while w.stale:
                delay = w.fetched_at + REFRESH_MIN_S - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                w.stale = False
                w.fetched_at = time.monotonic()
                try:
                    reply = await self._lookup(w.token)
                except CentralUnavailable:
                    w.stale = True
                    return  # the next event or page view tries again
                if reply.ok and reply.ticket is not None:
                    if reply.ticket != w.info or bool(reply.surveyed) != w.surveyed:
                        self._update(w, reply.ticket, surveyed=bool(reply.surveyed))
                elif reply.refusal is not None and reply.refusal.code == "unknown_ticket":
                    # Another business day began: central no longer has the ticket.
                    if w.info.status in OPEN:
                        self._update(w, w.info.model_copy(update={"status": "expired"}))
                    return
        finally:
            w.refreshing = False

    # -- events -----------------------------------------------------------------------

    def _on_message(self, topic: str, msg: object) -> None:
        if isinstance(msg, m.Event):
            self._on_event(msg)
        elif isinstance(msg, m.NodeStatus) and msg.node_id == "central" and msg.online:
            for w in self.by_token.values():
                if w.info.status in OPEN and len(w.changed):
                    self._refresh_soon(w)  # what happened while central was away

    def _on_event(self, ev: m.Event) -> None:
        t = ev.ticket
        mine = self.by_id.get(t.ticket_id) if t is not None else None
        if mine is not None and t is not None:
            alert = ev.kind in ("ticket_called", "ticket_recalled")
            info = t.model_copy(update={"people_ahead": 0}) if t.status != "waiting" else t
            self._update(
                mine,
                info,
                alert=mine.alert + 1 if alert else mine.alert,
                surveyed=mine.surveyed or ev.kind == "survey_answered",
            )
            if t.status == "waiting":
                self._refresh_soon(mine)  # transferred: its place in the new queue
        if ev.kind == "day_closed":
            # Central's rule (docs/operations.md): what was open when the day closed expired.
            for w in list(self.by_token.values()):
                if w.info.status in OPEN:
                    self._update(w, w.info.model_copy(update={"status": "expired"}))
            return
        if ev.kind not in QUEUE_MOVES:
            return
        queue = t.queue if t is not None else None
        for w in self.by_token.values():
            if w is mine or w.info.status != "waiting":
                continue
            if queue is not None and w.info.queue != queue and ev.from_queue != w.info.queue:
                continue
            if len(w.changed):
                self._refresh_soon(w)
            else:
                w.stale = True  # a page not open now asks again when it is next viewed

    # -- the survey -------------------------------------------------------------------

    async def submit_survey(self, w: Watch, answers: list[int], request_id: str) -> m.Reply:
        """Send the answers to central (the same request id on a retry: answered once)."""
        node = self.node
        req = m.SubmitSurvey(
            request_id=request_id,
            node_id=node.config.node_id,
            sent_at=node.clock(),
            token=w.token,
            answers=answers,
        )
        reply = await node.request(req)
        if reply.ok or (reply.refusal is not None and reply.refusal.code == "already_surveyed"):
            self._update(w, surveyed=True)
        return reply

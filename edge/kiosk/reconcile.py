"""The kiosk's reconciliation with central, while central is up: requests sent before a
crash asked again, unused leased numbers given back when central's own are used up, offline
tickets handed over oldest first, and a new block of numbers for each queue running low.
The backlog goes in slices, so that a press waits for one request of it at most, not for
all of it."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from antrian.mqtt import new_request_id, now
from edge.kiosk.outbox import Outbox, replay_request_id
from protocol import messages as m

if TYPE_CHECKING:
    from edge.kiosk.node import Kiosk

log = logging.getLogger(__name__)

LEASE_RETRY_S = 30.0  # after a lease refusal (quota), ask again this much later
# A slice ends when a press (or any news) waits, or after this many tickets or this long;
# the next one follows right after what waited.
REPLAY_SLICE = 50
REPLAY_SLICE_S = 0.05


class Reconciler:
    """Runs on the kiosk's worker, between its presses; the kiosk asks and prints for it."""

    def __init__(self, node: Kiosk, outbox: Outbox) -> None:
        self.node = node
        self.outbox = outbox
        self.lease_retry: dict[str, float] = {}
        self.sliced = False  # the last run ended a slice with more of the backlog left

    def run(self) -> int:
        """One slice of the backlog and the lease top-up; returns what is still pending."""
        self.sliced = False
        pending = self._resolve_intents() + self._give_back() + self._replay()
        self._top_up_leases()
        return pending

    def _slice_ends(self, started: float, done: int) -> bool:
        """Between two requests of a backlog: yield to a press that waits, and keep each
        slice short. Each slice does at least one, so that presses never starve it."""
        self.node.loop.came_round()  # a long backlog is progress, not a hang
        if done and (
            self.node.loop.pending()
            or done >= REPLAY_SLICE
            or self.node.monotonic() - started >= REPLAY_SLICE_S
        ):
            self.sliced = True
        return self.sliced

    def _resolve_intents(self) -> int:
        """Requests sent before a crash: ask again with the same id; central answers with
        the ticket it issued (then we print it) or issues it now."""
        left = 0
        started = self.node.monotonic()
        for done, intent in enumerate(self.outbox.intents()):
            if self._slice_ends(started, done):
                return left + 1
            reply = self.node.call(
                m.IssueTicket(
                    request_id=intent.request_id,
                    node_id=self.node.config.node_id,
                    sent_at=now(),
                    queue=intent.queue,
                    priority=intent.priority,
                )
            )
            if reply is None:
                return left + 1
            if reply.ok and reply.ticket is not None:
                self.node.online_reply(intent.request_id, reply, intent.queue)
            else:
                self.outbox.drop_intent(intent.request_id)
        return left

    def _give_back(self) -> int:
        """Central has no number of a queue's quota left outside the blocks (the hall
        snapshot's online_left is 0): give back the unused top of this kiosk's blocks for
        it, so that a citizen at another kiosk is not refused while they sit here. The
        outbox records it first (the kiosk never issues them afterwards); then central is
        told, with a request id derived from the block, until it answers."""
        day = self.node.business_day(now())
        for queue in self.node.quota_used_up(day):
            if self.outbox.remaining(queue, day) > 0:
                for g in self.outbox.give_back(queue, day):
                    log.info("giving back %s from %d (%s)", g.lease_id, g.first_unused, queue)
        for g in self.outbox.given_back():
            reply = self.node.call(
                m.ReturnLease(
                    request_id=g.request_id,
                    node_id=self.node.config.node_id,
                    sent_at=now(),
                    queue=g.queue,
                    lease_id=g.lease_id,
                    first_unused=g.first_unused,
                )
            )
            if reply is None:
                return 1
            if reply.ok:
                log.info("gave back %s from %d", g.lease_id, g.first_unused)
            else:
                # A block of another day (lapsed anyway) or one central does not know as
                # ours: the numbers stay unissued here; central keeps them in the block.
                why = reply.refusal.code if reply.refusal else "refused"
                log.error("central refused the return of %s: %s", g.lease_id, why)
            self.outbox.drop_given_back(g.request_id)
        return 0

    def _replay(self) -> int:
        """Hand offline tickets to central, oldest first, each with a request id derived from
        the ticket id so that a retry is the same request."""
        started = self.node.monotonic()
        for done, stored in enumerate(self.outbox.unreplayed(REPLAY_SLICE + 1)):
            if self._slice_ends(started, done):
                return 1
            reply = self.node.call(
                m.ReplayTicket(
                    request_id=replay_request_id(stored.ticket_id),
                    node_id=self.node.config.node_id,
                    sent_at=now(),
                    ticket=stored.offline_ticket(),
                )
            )
            if reply is None:
                return 1
            refusal = None if reply.ok else (reply.refusal.code if reply.refusal else "refused")
            if refusal:
                # Kept in the outbox with the reason and logged as an error: a technician
                # must look at it (docs/kiosk.md); the printed ticket stays valid for the hall.
                log.error("central refused replay of %s: %s", stored.ticket_id, refusal)
            else:
                log.info("ticket replayed %s %s", stored.view.label, stored.ticket_id)
            self.outbox.mark_replayed(stored.ticket_id, now(), refusal)
        return 0

    def lease_settled(self, queue: str, day: date) -> bool:
        """No lease request due for this queue: enough numbers held, or backing off."""
        return self.outbox.remaining(queue, day) >= max(
            1, self.node.config.lease.low_water
        ) or self.node.monotonic() < self.lease_retry.get(queue, float("-inf"))

    def _top_up_leases(self) -> None:
        """A new block for each of the kiosk's queues running low (backing off after a
        refusal or at central's cap)."""
        day = self.node.business_day(now())
        self.outbox.drop_old_leases(day)
        for button in self.node.config.buttons:
            q = button.queue
            if self.node.monotonic() < self.lease_retry.get(q, float("-inf")):
                continue
            before = self.outbox.remaining(q, day)
            if before >= max(1, self.node.config.lease.low_water):
                continue
            reply = self.node.call(
                m.LeaseBlock(
                    request_id=new_request_id(self.node.config.node_id),
                    node_id=self.node.config.node_id,
                    sent_at=now(),
                    queue=q,
                    size=self.node.config.lease.size,
                )
            )
            if reply is None:
                return
            if reply.ok and reply.lease is not None:
                self.outbox.add_lease(reply.lease)
                if self.outbox.remaining(q, day) <= before:
                    # Central gave back a block we hold: we are at its cap (a tenth of a
                    # small quota). Ask again later, not on every loop.
                    self.lease_retry[q] = self.node.monotonic() + LEASE_RETRY_S
                    continue
                log.info(
                    "lease %s: %s %d..%d",
                    reply.lease.lease_id,
                    q,
                    reply.lease.first,
                    reply.lease.last,
                )
            else:
                self.lease_retry[q] = self.node.monotonic() + LEASE_RETRY_S

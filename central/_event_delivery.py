"""Central's events at least once: each publish tracked until the broker's PUBACK."""

from __future__ import annotations

import logging
from collections import deque

from antrian.mqtt import MqttLink
from central.ledger import Ledger
from protocol import messages as m
from protocol.codec import Encoded

log = logging.getLogger(__name__)


class EventDelivery:
    """Events at least once (issue 13): each event's publish is tracked until the
    broker's PUBACK; the ledger's published marker is the last seq with nothing
    unconfirmed before it, and everything after it is sent again on start and after
    a failed publish or a reconnect."""

    def __init__(self) -> None:
        self.acks: deque[int] = deque()  # PUBACKed message ids, from the network thread
        self._outstanding: dict[int, int] = {}  # message id -> seq, sent and not acked
        self._sent_upto = 0
        self._resend_after: int | None = None
        self.ledger: Ledger
        self.link: MqttLink
        self.topic = ""

    def attach(self, ledger: Ledger, link: MqttLink, topic: str, hall_seq: int) -> None:
        """Start from the ledger's published marker: every event after it goes again."""
        self.ledger, self.link, self.topic = ledger, link, topic
        self._sent_upto = ledger.published_seq
        if ledger.published_seq < hall_seq:
            self._resend_after = ledger.published_seq

    def publish(self, events: list[m.Event], encoded: Encoded) -> None:
        """Publish committed events in seq order, each tracked until its PUBACK. After a
        failure or a reconnect, every event after the published marker goes again first,
        from the ledger (it holds this batch's events too: they are committed)."""
        self.confirm()
        if self._resend_after is not None:
            if not self.link.connected:
                return
            after = self._resend_after
            self._resend_after = None
            log.info("publishing events after seq %d again (not confirmed by the broker)", after)
            while True:
                rows = self.ledger.event_bodies_since(after)
                for seq, body in rows:
                    if not self._publish_event(seq, body):
                        return
                if len(rows) < 1000:
                    return
                after = rows[-1][0]
        for ev in events:
            if not self._publish_event(ev.seq, encoded.of(ev)):
                return

    def _publish_event(self, seq: int, body: bytes) -> bool:
        mid = self.link.publish_mid(self.topic, body)
        if mid is None:
            # Not connected (or refused): this one and all later go again on reconnect.
            self._resend_after = min(seq - 1, self._marker())
            return False
        self._outstanding[mid] = seq
        self._sent_upto = max(self._sent_upto, seq)
        return True

    def _marker(self) -> int:
        """The last seq that the broker confirmed, together with every seq before it."""
        if self._outstanding:
            return min(self._outstanding.values()) - 1
        return self._sent_upto

    def confirm(self) -> None:
        """Take the PUBACKs that arrived; the ledger writes the marker with its next
        transaction (or when idle)."""
        acks = self.acks
        while acks:
            self._outstanding.pop(acks.popleft(), None)
        marker = self._marker()
        if self._resend_after is not None:
            marker = min(marker, self._resend_after)
        self.ledger.published_seq = marker

    def resend_from_marker(self, hall_seq: int) -> None:
        """The connection was lost or a publish failed: what is not confirmed goes again."""
        marker = self._marker()
        if marker < hall_seq:
            self._resend_after = (
                marker if self._resend_after is None else min(marker, self._resend_after)
            )
        # Acks for the old connection's message ids may still come: those ids will be
        # reused, so forget them; their events go again.
        self._outstanding.clear()
        self._sent_upto = min(self._sent_upto, marker)

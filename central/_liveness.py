"""Which nodes announced themselves since central's connection came back (issue 13)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from central.fleet import Fleet
from protocol import messages as m

log = logging.getLogger(__name__)

# After central (re)connects, how long a node listed online has to announce itself (its
# retained birth, or a fresh one after a broker restart) before it is marked offline.
LIVENESS_S = 6.0


class Liveness:
    """The nodes heard from since the connection was last lost, and when to mark the
    others offline."""

    def __init__(self) -> None:
        self._heard: set[str] = set()
        self._due: float | None = None

    def heard(self, node: str) -> None:
        self._heard.add(node)

    def connection_lost(self) -> None:
        self._heard.clear()

    def connected(self) -> None:
        self._due = time.monotonic() + LIVENESS_S

    def silent(self, fleet: Fleet, connected: bool, now: datetime) -> list[m.FleetEntry]:
        """LIVENESS_S after central (re)connected: a node listed online that said nothing
        since the connection was lost is offline. The broker keeps no retained messages
        across its restart, so every node that is really there announces itself again on
        reconnecting; one that died while the broker was down left no will to publish.
        Returns the fleet entries that went offline."""
        due = self._due
        if due is None or time.monotonic() < due or not connected:
            return []
        self._due = None
        offline: list[m.FleetEntry] = []
        for node, entry in list(fleet.nodes.items()):
            if entry.online and node not in self._heard:
                gone = fleet.mark_offline(node, now, "not back after the broker restarted")
                if gone is not None:
                    log.warning("%s did not announce itself after reconnecting: offline", node)
                    offline.append(gone)
        return offline

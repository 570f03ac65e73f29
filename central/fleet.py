"""The node registry, built from births and wills; a will from an older session is stale."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from protocol import messages as m


class Fleet:
    """The hall's devices and central. One-off tools (`antrian status`, provisioning, a
    sign-in) are not devices: their statuses are left out, and so are rows that older
    versions kept for them in the ledger.

    A removed device leaves a tombstone, its last session: its will or a last status of
    that life may still come after the removal and must not bring the row back. A device
    provisioned again under the same id is listed at its first birth: a later session, or
    an earlier one from a Pi set up afresh (a new SD card starts again at session 1)."""

    def __init__(
        self, entries: list[m.FleetEntry] | None = None, removed: dict[str, int] | None = None
    ) -> None:
        self.nodes: dict[str, m.FleetEntry] = {
            e.node_id: e for e in entries or [] if e.role != "tool"
        }
        self.removed: dict[str, int] = dict(removed or {})

    def apply(self, status: m.NodeStatus, now: datetime) -> m.FleetEntry | None:
        """Record a status; returns the changed entry, or None when nothing changed."""
        if status.role == "tool":
            return None
        tomb = self.removed.get(status.node_id)
        if tomb is not None and (
            status.session == tomb or (status.session < tomb and not status.online)
        ):
            return None  # from the life of a device that was removed
        self.removed.pop(status.node_id, None)
        old = self.nodes.get(status.node_id)
        if old is not None and status.session < old.session:
            return None  # a late will (or birth) from a previous session
        if (
            old is not None
            and not status.online
            and old.session == status.session
            and not old.online
        ):
            return None
        since = now
        if old is not None and old.online == status.online and old.session == status.session:
            since = old.since
        last_error = status.detail if status.faults or status.detail else None
        if last_error is None and old is not None:
            last_error = old.last_error
        outbox = status.outbox
        if outbox is None and old is not None and not status.online:
            # A will carries the depth of its connect: the last reported one is better.
            outbox = old.outbox
        entry = m.FleetEntry(
            node_id=status.node_id,
            role=status.role,
            online=status.online,
            since=since,
            session=status.session,
            faults=list(status.faults),
            last_error=last_error,
            config_version=status.config_version,
            outbox=outbox,
        )
        if old == entry:
            return None
        self.nodes[status.node_id] = entry
        return entry

    def mark_offline(self, node_id: str, now: datetime, why: str) -> m.FleetEntry | None:
        """Central's own finding that a node is gone (no will came for it); None when it
        was not listed online."""
        old = self.nodes.get(node_id)
        if old is None or not old.online:
            return None
        entry = old.model_copy(update={"online": False, "since": now, "last_error": why})
        self.nodes[node_id] = entry
        return entry

    def remove(self, node_id: str) -> int | None:
        """Forget a device (`antrian provision remove` cleared its retained status); its
        last session, now its tombstone, or None when it was not listed."""
        entry = self.nodes.pop(node_id, None)
        if entry is None:
            return None
        self.removed[node_id] = entry.session
        return entry.session

    def snapshot(
        self,
        now: datetime,
        errors_total: int,
        not_allowed: dict[str, int] | None = None,
        provisioned: Iterable[str] = (),
    ) -> m.FleetSnapshot:
        return m.FleetSnapshot(
            at=now,
            nodes=sorted(self.nodes.values(), key=lambda e: e.node_id),
            errors_total=errors_total,
            not_allowed=dict(sorted((not_allowed or {}).items())),
            never_seen=sorted(set(provisioned) - set(self.nodes)),
        )

"""Central's authorization: each request checked against the sender's role and assignment,
from the site's device configs (protocol/roles.py holds the table)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from protocol import messages as m
from protocol.roles import CALLER, KIOSK, PERMISSIONS, SIGNIN_TYPES
from protocol.topics import signin_id


@dataclass(frozen=True)
class Grant:
    """One device's assignment, as its config says."""

    role: str
    queues: frozenset[str] = field(default_factory=frozenset)
    priority_queues: frozenset[str] = field(default_factory=frozenset)
    counters: frozenset[str] = field(default_factory=frozenset)


def grant_of(role: str, config: dict[str, Any]) -> Grant:
    """A device's grant from its delivered config (the dict its node validates)."""
    if role == KIOSK:
        buttons = [b for b in config.get("buttons") or [] if isinstance(b, dict)]
        queues = frozenset(str(b.get("queue")) for b in buttons)
        # Priority where the kiosk has a priority button and the queue's button takes it.
        priority = frozenset(
            str(b.get("queue"))
            for b in buttons
            if config.get("priority_button") is not None and b.get("priority_allowed", True)
        )
        return Grant(role, queues=queues, priority_queues=priority)
    if role == CALLER:
        counters = frozenset(
            str(c.get("id")) for c in config.get("counters") or [] if isinstance(c, dict)
        )
        return Grant(role, counters=counters)
    return Grant(role)


class Authorizer:
    """Who may do what, keyed by node id. A node not listed may do nothing."""

    def __init__(self, grants: dict[str, Grant]) -> None:
        self.grants = dict(grants)
        # `antrian caller signin` runs beside a caller under its own node id.
        self._signin = {signin_id(n): g for n, g in self.grants.items() if g.role == CALLER}

    @classmethod
    def from_configs(cls, configs: Iterable[m.DeviceConfig]) -> Authorizer:
        return cls({c.node_id: grant_of(c.role, c.config) for c in configs})

    def check(self, node: str, req: m.Request) -> str | None:
        """None when `node` may send `req`; else why not, for the log and the refusal."""
        kind = req.type
        grant = self.grants.get(node)
        if grant is None and kind in SIGNIN_TYPES:
            grant = self._signin.get(node)
        if grant is None:
            return f"{node} is not a provisioned device of this hall"
        perm = PERMISSIONS.get(kind)
        if perm is None or perm.role != grant.role:
            return f"a {grant.role} may not send {kind}"
        if perm.scope == "queue":
            queue, priority = _queue_of(req)
            if queue not in grant.queues:
                return f"{node} has no button for queue {queue}"
            if priority and queue not in grant.priority_queues:
                return f"{node} offers no priority ticket for queue {queue}"
        elif perm.scope == "counter":
            counter = getattr(req, "counter", None)
            if counter not in grant.counters:
                return f"{node} does not serve counter {counter}"
        return None


def _queue_of(req: m.Request) -> tuple[str | None, bool]:
    if isinstance(req, m.ReplayTicket):
        return req.ticket.queue, req.ticket.priority
    if isinstance(req, m.IssueTicket):
        return req.queue, req.priority
    return getattr(req, "queue", None), False

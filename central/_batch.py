"""One batch of messages that central applies, commits in one transaction, then publishes."""

from __future__ import annotations

from dataclasses import dataclass, field

from central.records import Outcome
from protocol import messages as m
from protocol.codec import Encoded


@dataclass
class Batch:
    applied: list[tuple[m.Request, Outcome]] = field(default_factory=list)
    replies: list[tuple[str, m.Reply]] = field(default_factory=list)
    seen: dict[tuple[str, str], m.Reply] = field(default_factory=dict)  # (node, request id)
    fleet: list[m.FleetEntry] = field(default_factory=list)
    fleet_removed: list[tuple[str, int]] = field(default_factory=list)  # node, last session
    republish: bool = False
    day_closed: Outcome | None = None
    encoded: Encoded = field(default_factory=Encoded)

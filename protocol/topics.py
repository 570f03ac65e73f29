"""Every MQTT topic of a hall, with who publishes it, who reads it and what it carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol import messages as m

ROOT = "antrian/v1"


@dataclass(frozen=True)
class TopicSpec:
    pattern: str  # relative to antrian/v1/{site}/
    publisher: str
    subscribers: str
    retained: bool
    qos: int
    payload: str
    purpose: str
    expiry_s: int | None = None


SPECS: tuple[TopicSpec, ...] = (
    TopicSpec(
        "request/{node_id}",
        "kiosk, caller",
        "central",
        False,
        1,
        "Request",
        "A node's request. Carries an expiry so that a request nobody took in time is "
        "dropped rather than applied late.",
        expiry_s=30,
    ),
    TopicSpec(
        "reply/{node_id}",
        "central",
        "that node",
        False,
        1,
        "Reply",
        "Central's answer to each request, matched by request_id.",
    ),
    TopicSpec(
        "events",
        "central",
        "displays, callers, tools",
        False,
        1,
        "Event",
        "Committed facts with one increasing seq.",
    ),
    TopicSpec(
        "state/hall",
        "central",
        "displays, tools",
        True,
        1,
        "HallSnapshot",
        "The whole hall: counters, queues, recent calls; resync point after a gap.",
    ),
    TopicSpec(
        "state/counter/{counter}",
        "central",
        "callers, counter boards",
        True,
        1,
        "CounterSnapshot",
        "What one counter serves now.",
    ),
    TopicSpec(
        "state/fleet",
        "central",
        "antrian status, technicians",
        True,
        1,
        "FleetSnapshot",
        "Every node central has heard of, online or offline and since when.",
    ),
    TopicSpec(
        "status/{node_id}",
        "every node, central as status/central",
        "central, nodes",
        True,
        1,
        "NodeStatus",
        "Birth (online) on connect, will (offline) from the broker.",
    ),
    TopicSpec(
        "config/{node_id}",
        "central",
        "that node",
        True,
        1,
        "DeviceConfig",
        "The device's config from firmware_configs/, versioned; the node validates it, keeps "
        "the last good one and reports the applied version in its birth.",
    ),
)

PAYLOADS: dict[str, Any] = {
    "Request": m.Request,
    "Reply": m.Reply,
    "Event": m.Event,
    "HallSnapshot": m.HallSnapshot,
    "CounterSnapshot": m.CounterSnapshot,
    "FleetSnapshot": m.FleetSnapshot,
    "NodeStatus": m.NodeStatus,
    "DeviceConfig": m.DeviceConfig,
}

CENTRAL_ID = "central"


def signin_id(caller_id: str) -> str:
    """The node id of `antrian caller signin/signout` for a caller: its own requests and
    replies, apart from the running caller's, and allowed by the caller's broker ACL."""
    return f"{caller_id[:40]}-signin"


class Topics:
    """Topic names for one site. The site id is the second level after antrian/v1."""

    def __init__(self, site: str) -> None:
        if not site or any(c in site for c in "/+#"):
            raise ValueError(f"invalid site id {site!r}: no '/', '+' or '#'")
        self.site = site
        self.base = f"{ROOT}/{site}"

    def request(self, node_id: str) -> str:
        return f"{self.base}/request/{node_id}"

    @property
    def all_requests(self) -> str:
        return f"{self.base}/request/+"

    def reply(self, node_id: str) -> str:
        return f"{self.base}/reply/{node_id}"

    @property
    def events(self) -> str:
        return f"{self.base}/events"

    @property
    def hall(self) -> str:
        return f"{self.base}/state/hall"

    def counter(self, counter_id: str) -> str:
        return f"{self.base}/state/counter/{counter_id}"

    @property
    def fleet(self) -> str:
        return f"{self.base}/state/fleet"

    def status(self, node_id: str) -> str:
        return f"{self.base}/status/{node_id}"

    @property
    def all_status(self) -> str:
        return f"{self.base}/status/+"

    def config(self, node_id: str) -> str:
        return f"{self.base}/config/{node_id}"

    def node_of(self, topic: str) -> str:
        """The last level of a per-node topic (request/{id}, status/{id})."""
        return topic.rsplit("/", 1)[-1]


def spec_model(spec: TopicSpec) -> Any:
    return PAYLOADS[spec.payload]

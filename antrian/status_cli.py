"""`antrian status`: the fleet as central sees it, read from the broker's retained state."""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ConfigDict

from antrian.config import ConfigError, NodeConfig, load_yaml
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from protocol import CENTRAL_ID, ProtocolError, Topics, decode
from protocol import messages as m


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "status",
        help="print every node of the hall: role, online or offline and since when, faults",
        description="Connects to the broker, reads central's retained fleet snapshot and "
        "prints one line per node. Give a node config (for site and broker) or --site/--host/"
        "--port.",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="a node config of the site, for site and broker; on a provisioned site "
        "central's (only central's broker user may read the fleet)",
    )
    p.add_argument("--site", help="site id (default: from --config)")
    p.add_argument("--host", help="broker host")
    p.add_argument("--port", type=int, help="broker port")
    p.add_argument("--wait", type=float, default=2.0, help="seconds to wait for retained state")
    p.set_defaults(func=run)


class _Partial(NodeConfig):
    model_config = ConfigDict(extra="ignore")


def collect(
    broker: BrokerSettings, site: str, wait: float
) -> tuple[m.NodeStatus | None, m.FleetSnapshot | None]:
    topics = Topics(site)
    got: dict[str, bytes] = {}
    # Both are retained: they follow the SUBACKs, in no set order. Leaving at the first one
    # reported a running central as never seen.
    fleet_seen, central_seen = threading.Event(), threading.Event()

    def keep(topic: str, payload: bytes) -> None:
        got[topic] = payload
        (fleet_seen if topic == topics.fleet else central_seen).set()

    link = MqttLink(broker, topics, Identity(f"status-{datetime.now(UTC):%H%M%S%f}", "tool", 1))
    link.subscribe(topics.fleet, keep)
    link.subscribe(topics.status(CENTRAL_ID), keep)
    link.start()
    try:
        if not link.wait_connected(wait):
            why = link.last_error or f"broker {broker.host}:{broker.port} not reachable"
            raise ConnectionError(why)
        deadline = time.monotonic() + wait
        fleet_seen.wait(wait)
        central_seen.wait(max(0.0, deadline - time.monotonic()))
    finally:
        link.stop()
    central = fleet = None
    try:
        if topics.status(CENTRAL_ID) in got:
            central = decode(m.NodeStatus, got[topics.status(CENTRAL_ID)])
        if topics.fleet in got:
            fleet = decode(m.FleetSnapshot, got[topics.fleet])
    except ProtocolError as exc:
        raise ConnectionError(f"unreadable retained state: {exc}") from None
    return central, fleet


def _ago(since: datetime, now: datetime) -> str:
    s = int((now - since).total_seconds())
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def render(central: m.NodeStatus | None, fleet: m.FleetSnapshot | None, now: datetime) -> str:
    lines = []
    if central is None:
        lines.append("central: never seen on this broker (is it running? right site?)")
    else:
        state = "ONLINE" if central.online else "OFFLINE"
        lines.append(f"central: {state} (session {central.session}, {central.software})")
    if fleet is None:
        lines.append(
            "no fleet snapshot received: central has not published one yet, or this broker "
            "user may not read it (on a provisioned site only central's user may: run "
            "`antrian status --config central.yaml` on the central server)"
        )
        return "\n".join(lines)
    head = f"{'node':<20} {'role':<8} {'state':<8} {'since':>9} {'config':>6}"
    lines.append(f"{head}  faults / last error")
    for n in fleet.nodes:
        state = "online" if n.online else "OFFLINE"
        # A kiosk's outbox that does not empty while central is up: a refused replay.
        outbox = [f"outbox {n.outbox}"] if n.outbox else []
        note = ", ".join([*n.faults, *outbox]) or (n.last_error or "")
        # The config version the device runs: after `provision` delivers a new one, every
        # device should show it here.
        version = f"v{n.config_version}" if n.config_version is not None else "-"
        since = _ago(n.since, now)
        lines.append(f"{n.node_id:<20} {n.role:<8} {state:<8} {since:>9} {version:>6}  {note}")
    for node_id in fleet.never_seen:
        never = f"{node_id:<20} {'-':<8} {'NEVER':<8} {'-':>9} {'-':>6}"
        lines.append(f"{never}  provisioned, never seen")
    for node_id, refused in fleet.not_allowed.items():
        lines.append(f"{node_id}: {refused} requests refused: not allowed for its role")
    lines.append(f"{len(fleet.nodes)} nodes; {fleet.errors_total} bad messages since central start")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    broker = BrokerSettings()
    site = args.site
    if args.config:
        try:
            cfg = load_yaml(args.config, _Partial)
        except ConfigError as exc:
            print(exc)
            return 2
        broker, site = cfg.broker, site or cfg.site
    if site is None:
        print("give --config or --site")
        return 2
    update = {k: v for k, v in (("host", args.host), ("port", args.port)) if v}
    broker = broker.model_copy(update=update)
    try:
        central, fleet = collect(broker, site, args.wait)
    except ConnectionError as exc:
        print(f"antrian status: {exc}")
        return 1
    print(render(central, fleet, datetime.now(UTC)))
    # No fleet snapshot: central is down, or this user may not read it; a script must see it.
    return 0 if fleet is not None else 1

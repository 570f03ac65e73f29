"""`antrian status` against a real broker and central: what a technician sees, and what
running it leaves behind (nothing)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from antrian.cli import main
from antrian.devbroker import DevBroker, free_port
from antrian.mqtt import MAX_PAYLOAD_BYTES, BrokerSettings, Identity, MqttLink
from antrian.status_cli import render
from central import Central, load_catalogue
from central.fleet import Fleet
from central.testing import make_config
from protocol import Topics
from protocol import messages as m


def _retained_statuses(port: int) -> set[str]:
    """The node ids with a retained status on the broker."""
    seen: set[str] = set()
    lock = threading.Lock()
    topics = Topics("demo")

    def keep(topic: str, payload: bytes) -> None:
        if payload:
            with lock:
                seen.add(topic.rsplit("/", 1)[-1])

    probe = MqttLink(BrokerSettings(port=port), topics, Identity("probe", "tool", 1))
    probe.subscribe(topics.status("+"), keep)
    probe.start()
    assert probe.wait_connected(5)
    time.sleep(0.3)  # retained messages follow the SUBACK
    probe.stop()
    return seen


def test_status_shows_the_fleet_and_leaves_no_ghost_behind(
    broker: DevBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(broker.port, tmp_path / "central")
    central = Central(config, load_catalogue(config.catalogue))
    central.start()
    try:
        assert central.link.wait_connected(5)
        # Both retained messages in place, as on a running site: the fleet snapshot (first
        # subscribed) comes first, and status used to leave before central's own status.
        assert _retained_statuses(broker.port) == {"central"}
        time.sleep(0.3)
        args = ["status", "--site", "demo", "--port", str(broker.port)]
        for _ in range(3):  # each run used to leave one more OFFLINE "tool" row
            assert main(args) == 0
        out = capsys.readouterr().out
        assert out.count("central: ONLINE") == 3, out
        assert _retained_statuses(broker.port) == {"central"}
        time.sleep(0.2)
        assert all(n.role != "tool" for n in central.fleet.nodes.values())
    finally:
        central.stop()


def test_status_says_why_the_broker_is_not_reachable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()  # nothing listens here
    code = main(["status", "--site", "demo", "--port", str(port), "--wait", "1"])
    assert code == 1
    assert "connection refused" in capsys.readouterr().out


def test_status_says_not_authorized(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broker that wants a password (as a provisioned site's does), asked without one."""
    with DevBroker(extra_config="allow_anonymous false") as b:
        code = main(["status", "--site", "demo", "--port", str(b.port), "--wait", "1"])
    assert code == 1
    out = capsys.readouterr().out
    assert "Not authorized" in out and "password" in out


def test_fleet_leaves_tools_out() -> None:
    now = datetime.now(UTC)
    tool = m.FleetEntry(node_id="status-1", role="tool", online=False, since=now, session=1)
    kiosk = m.FleetEntry(node_id="kiosk-1", role="kiosk", online=True, since=now, session=1)
    fleet = Fleet([tool, kiosk])
    assert set(fleet.nodes) == {"kiosk-1"}
    birth = m.NodeStatus(node_id="provision", role="tool", online=True, session=1, at=now)
    assert fleet.apply(birth, now) is None and "provision" not in fleet.nodes


def test_an_oversized_payload_is_refused_before_the_broker_drops_the_link(
    broker: DevBroker,
) -> None:
    """Mosquitto disconnects a client over max_packet_size, and paho resends a QoS 1
    publish after reconnecting: a loop. The link refuses a payload over its limit (set
    below the broker's, with room for topic and headers) before sending, and stays up."""
    link = MqttLink(BrokerSettings(port=broker.port), Topics("demo"), Identity("big", "tool", 1))
    link.start()
    try:
        assert link.wait_connected(5)
        assert not link.publish("antrian/v1/demo/junk", b"x" * (MAX_PAYLOAD_BYTES + 1))
        assert link.publish("antrian/v1/demo/junk", b"x" * 1000)
        time.sleep(0.3)
        assert link.connected
    finally:
        link.stop()


def test_status_exits_non_zero_without_a_fleet_snapshot(
    broker: DevBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["status", "--site", "demo", "--port", str(broker.port), "--wait", "1"])
    assert code == 1
    assert "no fleet snapshot received" in capsys.readouterr().out


def test_status_lists_devices_never_seen_and_refusals_per_node() -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    entry = m.FleetEntry(node_id="kiosk-1", role="kiosk", online=True, since=at, session=3)
    fleet = m.FleetSnapshot(
        at=at,
        nodes=[entry],
        errors_total=5,
        not_allowed={"kiosk-1": 4},
        never_seen=["caller-loket-2"],
    )
    out = render(None, fleet, at)
    assert "caller-loket-2" in out and "NEVER" in out and "never seen" in out
    assert "kiosk-1: 4 requests refused" in out
    assert "5 bad messages" in out


def test_status_shows_a_kiosks_outbox_beside_its_faults() -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    entry = m.FleetEntry(
        node_id="kiosk-1", role="kiosk", online=True, since=at, session=3,
        faults=["paper_low"], outbox=12,
    )  # fmt: skip
    out = render(None, m.FleetSnapshot(at=at, nodes=[entry], errors_total=0), at)
    assert "paper_low, outbox 12" in out

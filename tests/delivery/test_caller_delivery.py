"""Config delivery into a running caller over a real broker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from antrian.devbroker import DevBroker
from edge.caller import CallerNode
from edge.caller._gpio import GpioPanels
from edge.caller.config import CallerConfig
from tests.caller.conftest import NEXT, wait_for
from tests.delivery.conftest import Publisher


def _config(port: int, state: Path) -> dict[str, Any]:
    return {
        "node_id": "caller-t",
        "site": "demo",
        "broker": {"port": port},
        "state_dir": str(state),
        "pins": "mock",
        "counters": [{"id": "loket-1", "officer": "budi", "buttons": {"next": NEXT}}],
    }


def _start(raw: dict[str, Any]) -> CallerNode:
    cfg = CallerConfig.model_validate(raw)
    node = CallerNode(config=cfg, hardware=GpioPanels(cfg, pin_factory=MockFactory()))
    node.start()
    return node


def test_valid_applied_invalid_rejected_restart_uses_cache(
    broker: DevBroker, central: Publisher, tmp_path: Path
) -> None:
    base = _config(broker.port, tmp_path / "caller")
    central.watch("caller-t")
    node = _start(base)
    try:
        central.wait_birth(lambda b: b.config_version is None)
        delivered = {**base, "language": "en", "request_timeout_s": 4.0, "double_press_s": 0.2}
        delivered["counters"] = [{**base["counters"][0], "officer": "sari"}]
        central.deliver("caller-t", "caller", 1, delivered)
        assert central.wait_birth(lambda b: b.config_version == 1).faults == []
        panel = node.panels["loket-1"]
        wait_for(lambda: node.inspect(lambda: panel.settings.officer) == "sari")
        assert panel.settings.request_timeout_s == 4.0 and panel.settings.double_press_s == 0.2
        assert node._requester is not None and node._requester.expiry_s == 4
        # Live: central is away, and the officer's screen says so in the delivered language.
        assert node.hardware.pin_factory is not None  # type: ignore[attr-defined]
        pin = node.hardware.pin_factory.pin(NEXT)  # type: ignore[attr-defined]
        pin.drive_low()
        pin.drive_high()
        notice = wait_for(lambda: node.inspect(lambda: panel.board(time.monotonic()).notice))
        assert notice == "Central is unreachable. Try again later."
        assert node.inspect(lambda: panel.counts) == {"rejected_central_away": 1}

        bad = {**delivered, "request_timeout_s": 60}  # at most 10 s
        central.deliver("caller-t", "caller", 2, bad)
        birth = central.wait_birth(lambda b: "config_rejected" in b.faults)
        assert birth.config_version == 1 and birth.detail and "request_timeout_s" in birth.detail
        assert node.inspect(lambda: panel.settings.request_timeout_s) == 4.0
    finally:
        node.stop()

    broker.stop()  # restart without a broker: the last good config from the cache
    node = _start(base)
    try:
        assert node.link is not None and not node.link.connected
        assert node.link.identity.config_version == 1
        s = node.panels["loket-1"].settings
        assert (s.officer, s.language, s.request_timeout_s) == ("sari", "en", 4.0)
    finally:
        node.stop()

"""Config delivery into a running display over a real broker."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

from antrian.devbroker import DevBroker
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode
from tests.delivery.conftest import Publisher
from tests.display.conftest import pump


def _config(port: int, tmp_path: Path) -> dict[str, Any]:
    return {
        "node_id": "display-t",
        "site": "demo",
        "broker": {"port": port},
        "state_dir": str(tmp_path / "display"),
        "running_text": "Selamat datang",
        "screen": {"width": 640, "height": 360, "fullscreen": False},
        "voice": {"enabled": False, "clips": str(tmp_path / "no-clips")},
    }


def test_valid_applied_invalid_rejected_restart_uses_cache(
    broker: DevBroker, central: Publisher, tmp_path: Path
) -> None:
    base = _config(broker.port, tmp_path)
    central.watch("display-t")
    node = DisplayNode(DisplayConfig.model_validate(base))
    node.start()
    try:
        assert pump(node, lambda: node.broker_online)
        central.wait_birth(lambda b: b.config_version is None)
        quiet = [{"start": "21:00", "end": "06:00", "volume": 0.1}]
        delivered = {**base, "running_text": "Layanan tutup pukul 15.00", "language": "en",
                     "voice": {**base["voice"], "volume": 0.5, "quiet_hours": quiet}}  # fmt: skip
        pump(node, lambda: False, timeout=0.3)  # settle: no frame is pending
        frames = node.frames
        central.deliver("display-t", "display", 1, delivered)
        assert pump(node, lambda: node.config.running_text == "Layanan tutup pukul 15.00")
        assert central.wait_birth(lambda b: b.config_version == 1).faults == []
        assert node.board is not None and node.board.running_text == "Layanan tutup pukul 15.00"
        assert node.away() == "central server unreachable"  # the board's words in English
        assert node.config.voice.volume_at(time(12, 0)) == 0.5
        assert node.config.voice.volume_at(time(22, 0)) == 0.1
        assert node.frames > frames  # redrawn with the new text

        central.deliver("display-t", "display", 2, {**delivered, "mode": "counter"})
        birth = central.wait_birth(lambda b: "config_rejected" in b.faults)
        assert birth.config_version == 1 and birth.detail and "needs `counter:`" in birth.detail
        pump(node, lambda: False, timeout=0.2)
        assert node.config.mode == "hall" and node.config.voice.volume == 0.5
    finally:
        node.stop()

    broker.stop()  # restart without a broker: the last good config from the cache
    node = DisplayNode(DisplayConfig.model_validate(base))
    node.start()
    try:
        assert node.link is not None and node.link.identity.config_version == 1
        assert node.config.running_text == "Layanan tutup pukul 15.00"
        assert node.config.language == "en" and node.config.voice.volume == 0.5
    finally:
        node.stop()

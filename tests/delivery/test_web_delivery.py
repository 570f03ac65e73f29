"""Config delivery into a running web node over a real broker: live settings at once, the
others named as needing a restart, a bad config refused with the running one kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from antrian.devbroker import DevBroker
from tests.delivery.conftest import Publisher
from tests.web.conftest import WebServer, wait_for, web_config


def _config(port: int, tmp_path: Path) -> dict[str, Any]:
    return web_config(port, tmp_path / "web", hall_name="MPP Uji").model_dump(mode="json")


def test_valid_applied_invalid_rejected_restart_uses_cache(
    broker: DevBroker, central: Publisher, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = _config(broker.port, tmp_path)
    central.watch("web")
    server = WebServer(web_config(broker.port, tmp_path / "web", hall_name="MPP Uji")).start()
    node = server.node
    try:
        central.wait_birth(lambda b: b.config_version is None)
        assert "MPP Uji" in httpx.get(server.url + "/").text
        delivered = {**base, "hall_name": "MPP Kota Jambi", "refresh_s": 45,
                     "listen_port": 9000, "lookups_per_minute": 5}  # fmt: skip
        central.deliver("web", "web", 1, delivered)
        assert central.wait_birth(lambda b: b.config_version == 1).faults == []
        assert wait_for(lambda: node.config.hall_name == "MPP Kota Jambi")
        page = httpx.get(server.url + "/").text
        assert "MPP Kota Jambi" in page and 'content="45' in page  # the meta refresh
        # Bound at start: kept, and the log says they need a restart.
        assert node.config.listen_port == 0 and node.config.lookups_per_minute == 30
        assert "also changes listen_port, lookups_per_minute: these need a restart" in caplog.text

        central.deliver("web", "web", 2, {**delivered, "refresh_s": 1})
        birth = central.wait_birth(lambda b: "config_rejected" in b.faults)
        assert birth.config_version == 1 and birth.detail and "refresh_s" in birth.detail
        assert node.config.refresh_s == 45

        central.deliver("web", "web", 3, {**delivered, "hall_name": "MPP Jambi"})
        birth = central.wait_birth(lambda b: b.config_version == 3)
        assert birth.faults == [] and birth.detail is None
        assert wait_for(lambda: node.config.hall_name == "MPP Jambi")
    finally:
        server.stop()

    broker.stop()  # restart without a broker: the last good config from the cache
    server = WebServer(web_config(broker.port, tmp_path / "web", hall_name="MPP Uji")).start()
    try:
        assert server.node.config.hall_name == "MPP Jambi"
        assert server.node.config.refresh_s == 45
        assert "MPP Jambi" in httpx.get(server.url + "/").text
    finally:
        server.stop()

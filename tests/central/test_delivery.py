"""Central delivers each device's config, retained and versioned, and again when it changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from antrian.devbroker import REPO_ROOT, DevBroker
from central import Central, load_catalogue
from central.testing import make_config
from protocol import Topics, decode
from protocol import messages as m
from provision.delivery import device_configs
from tests.central.test_service import wait_for


def test_configs_delivered_on_connect_and_after_a_change(
    broker: DevBroker, tmp_path: Path, node_factory: Any
) -> None:
    site = tmp_path / "demo"  # the folder is named after the site
    shutil.copytree(REPO_ROOT / "firmware_configs" / "demo", site)
    config = make_config(broker.port, tmp_path / "central", device_configs=site)
    central = Central(config, load_catalogue(config.catalogue), device_configs=device_configs)
    watcher = node_factory("watch-1", "tool")
    topics = Topics("demo")
    got: dict[str, m.DeviceConfig] = {}
    watcher.link.subscribe(
        f"{topics.base}/config/+", lambda t, p: got.__setitem__(t, decode(m.DeviceConfig, p))
    )
    central.start()
    try:
        first = wait_for(lambda: got.get(topics.config("kiosk-1")))
        assert first.version >= 1 and first.config["node_id"] == "kiosk-1"
        assert topics.config("caller-loket-1") in got
        # A technician edits the kiosk's footer: a new version goes out without a restart.
        path = site / "kiosk-1.yaml"
        path.write_text(
            path.read_text().replace("Terima kasih atas kunjungan Anda", "Sampai jumpa")
        )
        central._configs_checked = 0.0  # don't wait out the 5 s check interval
        newer = wait_for(
            lambda: (c := got.get(topics.config("kiosk-1"))) and c.version > first.version and c,
            timeout=5,
        )
        assert "Sampai jumpa" in str(newer.config)
    finally:
        central.stop()

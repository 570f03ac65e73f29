"""Site folders made runnable on one machine: standalone (demo) and layered (mpp-*) sites."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from antrian.devbroker import REPO_ROOT
from central.config import load_catalogue
from hall.cli import site_folder
from hall.site import HallSite

FIRMWARE = REPO_ROOT / "firmware_configs"


def test_a_layered_site_materializes_every_device_with_simulated_hardware(
    tmp_path: Path,
) -> None:
    site = HallSite(FIRMWARE / "mpp-palembang").materialize(tmp_path, 1884, always_open=True)
    assert len(site.kiosks) == 8 and len(site.callers) == 30 and len(site.displays) == 3
    kiosk = yaml.safe_load(site.kiosks[0].read_text())
    assert kiosk["hardware"] == "simulated" and kiosk["printer"]["kind"] == "simulated"
    assert kiosk["broker"]["port"] == 1884 and kiosk["site"] == "mpp-palembang"
    assert kiosk["state_dir"] == str(tmp_path / "state" / kiosk["node_id"])
    caller = yaml.safe_load(site.callers[0].read_text())
    assert caller["pins"] == "mock"
    display = yaml.safe_load(site.displays[0].read_text())
    # The site's installed clip folder does not exist here: the run's shared set instead.
    assert display["voice"]["clips"] == str(REPO_ROOT / "var" / "voice")
    served = {c["id"] for p in site.callers for c in yaml.safe_load(p.read_text())["counters"]}
    assert len(served) == 60


def test_the_demo_opens_a_real_sites_hall_around_the_clock(tmp_path: Path) -> None:
    real = load_catalogue(FIRMWARE / "mpp-palembang" / "catalogue.yaml")
    site = HallSite(FIRMWARE / "mpp-palembang").materialize(tmp_path, 1884, always_open=True)
    opened = load_catalogue(site.catalogue)
    from datetime import UTC, datetime

    sunday_night = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 23:00 WIB
    christmas = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    assert not real.hall_open(sunday_night) and not real.hall_open(christmas)
    assert opened.hall_open(sunday_night) and opened.hall_open(christmas)
    assert [q.id for q in opened.queues] == [q.id for q in real.queues]
    kept = HallSite(FIRMWARE / "mpp-palembang").materialize(tmp_path / "b", 1884)
    assert kept.catalogue == FIRMWARE / "mpp-palembang" / "catalogue.yaml"


@pytest.mark.parametrize("name", ["demo", "mpp-jambi", "mpp-palembang"])
def test_demo_site_names_are_folders_under_firmware_configs(name: str) -> None:
    assert site_folder(name) == FIRMWARE / name


def test_demo_refuses_an_unknown_site(capsys: pytest.CaptureFixture[str]) -> None:
    from antrian.cli import main

    assert main(["demo", "--site", "mpp-atlantis", "--headless", "--seconds", "0"]) == 2
    out = capsys.readouterr().out
    assert "no site 'mpp-atlantis'" in out and "mpp-palembang" in out

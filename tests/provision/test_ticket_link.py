"""A kiosk's QR links the ticket page on the site's web node without the technician copying
the address: provisioning fills status_url from the web node's public_url; an explicit
status_url (also null: no link) is kept."""

from __future__ import annotations

from pathlib import Path

import yaml

from antrian.devbroker import REPO_ROOT
from edge.kiosk.config import KioskConfig
from provision import SiteConfigs
from provision.bundle import delivered_config
from provision.testing import SITE, copy_site

JAMBI_LINK = "https://antrian.mpp.jambikota.go.id/t/{token}"


def _site(tmp_path: Path) -> tuple[SiteConfigs, Path]:
    folder = copy_site(tmp_path) / SITE
    return SiteConfigs(folder), folder


def _status_url(configs: SiteConfigs, node_id: str) -> object:
    cfg, _ = configs.validate(configs.device(node_id))
    assert isinstance(cfg, KioskConfig)
    return cfg.status_url


def test_kiosks_link_the_web_nodes_public_url() -> None:
    configs = SiteConfigs(REPO_ROOT / "firmware_configs" / SITE)
    for kiosk in ("kiosk-lobby", "kiosk-lantai-2"):
        assert _status_url(configs, kiosk) == JAMBI_LINK
        merged = configs.merged(configs.device(kiosk))
        # A wrong address is reported against the file that sets it.
        assert merged.origin_of(("status_url",)) == configs.device("web").path
        assert delivered_config(configs, configs.device(kiosk))["status_url"] == JAMBI_LINK


def test_the_link_follows_the_web_config_and_goes_without_an_address(tmp_path: Path) -> None:
    configs, folder = _site(tmp_path)
    web = folder / "devices" / "web" / "web.yaml"
    web.write_text("public_url: https://antrian.example.go.id/\n")  # trailing slash dropped
    assert _status_url(configs, "kiosk-lobby") == "https://antrian.example.go.id/t/{token}"
    web.write_text("{}\n")  # no public address: tickets carry their id
    assert _status_url(configs, "kiosk-lobby") is None
    web.unlink()  # no web node at all
    assert _status_url(configs, "kiosk-lobby") is None


def test_an_explicit_status_url_is_kept(tmp_path: Path) -> None:
    configs, folder = _site(tmp_path)
    lobby = folder / "devices" / "kiosk" / "kiosk-lobby.yaml"
    lobby.write_text(yaml.safe_dump({"status_url": "https://loket.example.go.id/{token}"}))
    assert _status_url(configs, "kiosk-lobby") == "https://loket.example.go.id/{token}"
    lobby.write_text(yaml.safe_dump({"status_url": None}))  # null: no link on purpose
    assert _status_url(configs, "kiosk-lobby") is None
    assert _status_url(configs, "kiosk-lantai-2") == JAMBI_LINK  # the others still follow


def test_web_nodes_that_disagree_leave_the_kiosks_to_say(tmp_path: Path) -> None:
    configs, folder = _site(tmp_path)
    other = folder / "devices" / "web" / "web-lantai-2.yaml"
    other.write_text("public_url: https://lantai2.example.go.id\n")
    assert _status_url(configs, "kiosk-lobby") is None
    other.write_text("public_url: https://antrian.mpp.jambikota.go.id\n")  # the same: fine
    assert _status_url(configs, "kiosk-lobby") == JAMBI_LINK

"""Provisioned sites for tests and demos: a copy of a site, temp secrets, a secured Mosquitto."""

from __future__ import annotations

import os
import shutil
import signal
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from antrian.devbroker import REPO_ROOT, DevBroker, free_port
from provision import Provisioner, security_config

SITE = "mpp-jambi"


def copy_site(root: Path, site: str = SITE) -> Path:
    """firmware_configs/<site> under root, with the broker names a loopback test dials."""
    dest = root / "configs" / site
    shutil.copytree(REPO_ROOT / "firmware_configs" / site, dest)
    site_yaml = dest / "site.yaml"
    data = yaml.safe_load(site_yaml.read_text())
    data["provision"]["broker_names"] = ["localhost", "127.0.0.1"]
    site_yaml.write_text(yaml.safe_dump(data))
    return root / "configs"


@dataclass
class SecureSite:
    prov: Provisioner
    broker: DevBroker
    tls_port: int
    passwords: dict[str, str] = field(default_factory=dict)

    def reload(self) -> None:
        """What `systemctl reload mosquitto` does: SIGHUP rereads passwords and ACL."""
        proc = self.broker._proc
        assert proc is not None
        os.kill(proc.pid, signal.SIGHUP)

    def add(self, role: str, node_id: str, tmp: Path) -> Path:
        """Provision and unpack the bundle as a technician would on the Pi; returns its folder."""
        tarball = self.prov.add(role, node_id)
        out = tmp / "pi" / node_id
        out.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tar:
            tar.extractall(out, filter="data")
        self.passwords[node_id] = (out / "mqtt-password").read_text().strip()
        return out


def start_secure_broker(prov: Provisioner) -> tuple[DevBroker, int]:
    tls_port = free_port()
    extra = security_config(prov.paths, tls_port=tls_port, tls_bind="127.0.0.1")
    if os.geteuid() == 0:
        # Started as root, Mosquitto drops to its own user and could not read the temp
        # secrets; on a site the files belong to group mosquitto (docs/deploy.md).
        extra += "\nuser root\n"
    return DevBroker(extra_config=extra).start(), tls_port

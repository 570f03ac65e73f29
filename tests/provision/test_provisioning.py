"""The technician's steps of docs/deploy.md without a broker: bundles as they are unpacked,
re-runs, removal, and the errors `add` and `check` give."""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path

import pytest
import yaml

from central.config import load_central_config
from provision import Provisioner
from provision.cli import register
from provision.delivery import device_configs
from provision.testing import SITE, copy_site

INSTALL = "/etc/antrian/"


@pytest.fixture
def prov(tmp_path: Path) -> Provisioner:
    """A fresh copy of mpp-jambi with its CA, nothing provisioned yet."""
    p = Provisioner(SITE, copy_site(tmp_path), tmp_path / "secrets")
    p.create_ca()
    return p


def unpack(tarball: Path, dest: Path) -> Path:
    """`tar -xzf <id>.tar.gz -C /etc/antrian`, with dest standing in for /etc/antrian: the
    paths the bundle names under /etc/antrian/ are pointed into dest."""
    dest.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    config = dest / "config.yaml"
    config.write_text(config.read_text().replace(INSTALL, f"{dest}/"))
    return config


def test_central_bundle_delivers_every_device_config_once_unpacked(
    prov: Provisioner, tmp_path: Path
) -> None:
    config = unpack(prov.add("central", "central"), tmp_path / "etc-antrian")
    cfg, _catalogue = load_central_config(config)  # central's own loader and path rules
    assert cfg.device_configs is not None
    messages, problems = device_configs(cfg.device_configs, tmp_path / "state")
    assert problems == []
    names = {d.node_id for d in prov.configs.devices() if d.role != "central"}
    assert {msg.node_id for msg in messages} == names and len(names) == 6
    # A device file changed and its device re-provisioned: central delivers what the new
    # bundle holds, without a new bundle of its own.
    hall = prov.configs.folder / "devices" / "display" / "display-hall.yaml"
    hall.write_text(hall.read_text() + "blink_s: 4\n")
    bundled = unpack(prov.add("display", "display-hall"), tmp_path / "pi")
    messages, problems = device_configs(cfg.device_configs, tmp_path / "state")
    delivered = next(msg for msg in messages if msg.node_id == "display-hall")
    in_bundle = yaml.safe_load(bundled.read_text().replace(f"{tmp_path / 'pi'}/", INSTALL))
    assert problems == [] and delivered.config == in_bundle and in_bundle["blink_s"] == 4


def bundled_password(prov: Provisioner, node_id: str) -> str:
    return (prov.paths.bundles / node_id / "mqtt-password").read_text().strip()


def test_re_adding_a_device_keeps_its_password_unless_rotated(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prov.add("kiosk", "kiosk-lobby")
    first = bundled_password(prov, "kiosk-lobby")
    assert cli(prov, tmp_path, "add", SITE, "kiosk", "kiosk-lobby") == 0
    assert "password kept" in capsys.readouterr().out
    assert bundled_password(prov, "kiosk-lobby") == first
    assert prov.passwords.check("kiosk-lobby", first)  # the running device still gets in
    assert cli(prov, tmp_path, "add", SITE, "kiosk", "kiosk-lobby", "--new-password") == 0
    assert "NEW password" in capsys.readouterr().out
    rotated = bundled_password(prov, "kiosk-lobby")
    assert rotated != first and prov.passwords.check("kiosk-lobby", rotated)
    # Without the bundle's copy the password cannot be kept: refuse, and change nothing.
    (prov.paths.bundles / "kiosk-lobby" / "mqtt-password").unlink()
    before = prov.paths.passwd.read_text()
    assert cli(prov, tmp_path, "add", SITE, "kiosk", "kiosk-lobby") == 1
    err = capsys.readouterr().err
    assert "already holds a password" in err and "fix:" in err and "--new-password" in err
    assert prov.paths.passwd.read_text() == before


def cli(prov: Provisioner, tmp_path: Path, *argv: str) -> int:
    """`antrian provision ACTION ...` on the test's site folder and secrets."""
    parser = argparse.ArgumentParser(prog="antrian")
    register(parser.add_subparsers(dest="command", required=True))
    roots = ["--configs", str(prov.configs.folder.parent), "--secrets", str(tmp_path / "secrets")]
    args = parser.parse_args(["provision", *roots, *argv])
    result: int = args.func(args)
    return result

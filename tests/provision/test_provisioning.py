"""The technician's steps of docs/deploy.md without a broker: bundles as they are unpacked,
re-runs, removal, and the errors `add` and `check` give."""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path

import pytest
import yaml

from antrian.devbroker import free_port
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
    assert {msg.node_id for msg in messages} == names and len(
        names
    ) == 7  # six Pis and the web node
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
    assert "already holds a password" in err
    assert f"fix: `antrian provision add {SITE} kiosk kiosk-lobby --new-password`" in err
    assert prov.paths.passwd.read_text() == before


def cli(prov: Provisioner, tmp_path: Path, *argv: str) -> int:
    """`antrian provision ACTION ...` on the test's site folder and secrets."""
    parser = argparse.ArgumentParser(prog="antrian")
    register(parser.add_subparsers(dest="command", required=True))
    roots = ["--configs", str(prov.configs.folder.parent), "--secrets", str(tmp_path / "secrets")]
    args = parser.parse_args(["provision", *roots, *argv])
    result: int = args.func(args)
    return result


def test_a_copied_site_with_the_old_catalogue_site_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/deploy.md step 3 done halfway: site.yaml and central.yaml say the new site."""
    root = copy_site(tmp_path)
    folder = root / "mpp-test"
    (root / SITE).rename(folder)
    for name in ("site.yaml", "central.yaml"):
        path = folder / name
        path.write_text(path.read_text().replace(f"site: {SITE}", "site: mpp-test"))
    prov = Provisioner("mpp-test", root, tmp_path / "secrets")
    prov.create_ca()
    assert cli(prov, tmp_path, "check", "mpp-test") == 1
    out = capsys.readouterr()
    assert "every config is valid" not in out.out and "ERR mpp-test/central" in out.out
    assert (
        f"{folder / 'catalogue.yaml'}: site: site 'mpp-jambi' but the file is in the folder "
        "of site 'mpp-test'"
    ) in out.err
    assert "    fix: set site: mpp-test" in out.err
    assert cli(prov, tmp_path, "add", "mpp-test", "central", "central") == 1
    assert "fix: set site: mpp-test" in capsys.readouterr().err
    assert prov.passwords.users() == [] and not prov.paths.bundles.exists()


def test_a_role_file_error_is_reported_once_naming_its_devices(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    role = prov.configs.role_path("kiosk")
    role.write_text(role.read_text().replace("hardware: gpio", "hardware: gpoi"))
    assert cli(prov, tmp_path, "check", SITE) == 1
    err = capsys.readouterr().err
    assert err.count(f"{role}: hardware:") == 1
    assert "\n    devices: kiosk-lantai-2, kiosk-lobby\n    fix: give a valid value" in err
    assert cli(prov, tmp_path, "add", SITE, "kiosk", "kiosk-lobby") == 1
    assert "    devices: kiosk-lobby\n" in capsys.readouterr().err


def test_remove_checks_every_input_before_changing_anything(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prov.add("central", "central")
    prov.add("kiosk", "kiosk-lobby")
    before = {p: p.read_bytes() for p in (prov.paths.passwd, prov.paths.acl)}
    bundle = prov.paths.bundles / "kiosk-lobby.tar.gz"
    missing = str(tmp_path / "nonexistent")
    unreachable = ["--broker-port", str(free_port())]  # nothing listens there
    for argv, words in [
        (["kiosk-lobby", "--password-file", missing], f"no central password at {missing}"),
        (["kiosk-lobby", *unreachable], "could not reach the broker"),
        (["kiosk-lobyy", "--keep-retained"], "has no device 'kiosk-lobyy'"),
        (["central", "--delete-config", "--keep-retained"], "is a standalone file"),
    ]:
        assert cli(prov, tmp_path, "remove", SITE, *argv) == 1, argv
        assert {p: p.read_bytes() for p in before} == before and bundle.exists(), argv
        err = capsys.readouterr().err
        assert words in err and "nothing changed" in err, err
    # Done, it says what it left: the device file, which central would deliver again.
    assert cli(prov, tmp_path, "remove", SITE, "kiosk-lobby", "--keep-retained") == 0
    out = capsys.readouterr().out
    assert "kiosk-lobby: removed password, ACL entry, bundle" in out
    assert "left: its retained status/ and config/ topics" in out
    assert f"after the reload, `antrian provision remove {SITE} kiosk-lobby` clears them" in out
    device = prov.configs.device_path("kiosk", "kiosk-lobby")
    assert f"left: {device}: central publishes its config again" in out
    assert f"`antrian provision remove {SITE} kiosk-lobby --delete-config`" in out
    assert "kiosk-lobby" not in prov.passwords.users() and device.exists()


def test_adding_a_caller_without_its_file_says_which_file_to_write(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(prov, tmp_path, "add", SITE, "caller", "caller-baru") == 1
    err = capsys.readouterr().err
    path = prov.configs.device_path("caller", "caller-baru")
    assert f"{path}: counters: no such file" in err
    assert f"fix: create {path} with `counters:` first" in err
    assert f"then run `antrian provision add {SITE} caller caller-baru` again" in err
    # Its example counter is one no caller serves yet (loket-1, 2 and 9 have one).
    assert "\n          - id: loket-3\n" in err
    assert not path.exists() and prov.passwords.users() == []
    # The example it gives is a valid caller file.
    example = [line[8:] for line in err.splitlines() if line.startswith(" " * 8)]
    path.write_text("\n".join(example) + "\n")
    assert cli(prov, tmp_path, "add", SITE, "caller", "caller-baru") == 0


def test_an_invalid_site_yaml_is_reported_not_a_traceback(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The site's id comes from site.yaml: every action reads it before anything else."""
    site_yaml = prov.configs.site_path
    site_yaml.write_text(site_yaml.read_text() + "bogus: 1\n")
    assert cli(prov, tmp_path, "check", SITE) == 1
    err = capsys.readouterr().err
    assert f"{site_yaml}: bogus: Extra inputs are not permitted\n    fix: remove `bogus`" in err
    assert "1 problem(s): fix them" in err
    for argv in (["add", SITE, "kiosk", "kiosk-lobby"], ["remove", SITE, "kiosk-lobby"]):
        assert cli(prov, tmp_path, *argv) == 1, argv
        assert f"{site_yaml}: bogus:" in capsys.readouterr().err, argv


def secrets_of(prov: Provisioner) -> dict[Path, bytes]:
    """Every file under the site's secrets folder, to tell that a refusal changed nothing."""
    return {p: p.read_bytes() for p in prov.paths.root.rglob("*") if p.is_file()}


def broken_caller(prov: Provisioner) -> tuple[Path, str]:
    """kiosk-lobby and caller-loket-9 provisioned, then a YAML error in the caller's file:
    the ACL lists every provisioned caller's counters, so it cannot be written."""
    for role, node in [("kiosk", "kiosk-lobby"), ("caller", "caller-loket-9")]:
        prov.add(role, node)
    caller = prov.configs.device_path("caller", "caller-loket-9")
    good = caller.read_text()
    caller.write_text(good + "counters: [\n")
    return caller, good


def test_a_broken_device_file_stops_remove_before_any_change(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    caller, good = broken_caller(prov)
    before = secrets_of(prov)
    assert cli(prov, tmp_path, "remove", SITE, "kiosk-lobby", "--keep-retained") == 1
    assert secrets_of(prov) == before
    err = capsys.readouterr().err
    assert f"{caller}: not valid YAML" in err and "nothing changed" in err
    caller.write_text(good)
    assert cli(prov, tmp_path, "remove", SITE, "kiosk-lobby", "--keep-retained") == 0
    assert "user kiosk-lobby" not in prov.paths.acl.read_text()
    assert prov.passwords.users() == ["caller-loket-9"]


def test_a_broken_device_file_stops_add_before_any_change(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    caller, good = broken_caller(prov)
    before = secrets_of(prov)
    assert cli(prov, tmp_path, "add", SITE, "display", "display-hall") == 1
    assert f"{caller}: not valid YAML" in capsys.readouterr().err
    assert secrets_of(prov) == before
    # Mended, add goes through: it does not refuse a half-provisioned display-hall.
    caller.write_text(good)
    assert cli(prov, tmp_path, "add", SITE, "display", "display-hall") == 0
    assert "user display-hall" in prov.paths.acl.read_text()
    assert (prov.paths.bundles / "display-hall.tar.gz").is_file()


def test_central_without_its_catalogue_is_a_problem_and_add_keeps_its_bundle(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prov.add("central", "central")
    catalogue = prov.configs.folder / "catalogue.yaml"
    catalogue.unlink()
    before = secrets_of(prov)
    assert cli(prov, tmp_path, "add", SITE, "central", "central", "--new-password") == 1
    err = capsys.readouterr().err
    problem = f"{prov.configs.folder / 'central.yaml'}: catalogue: no catalogue at {catalogue}"
    assert problem in err
    assert secrets_of(prov) == before  # passwd, bundles/central/mqtt-password, central.tar.gz
    assert cli(prov, tmp_path, "check", SITE) == 1
    out = capsys.readouterr()
    assert problem in out.err and f"ERR {SITE}/central" in out.out


def test_a_stray_file_does_not_make_check_call_every_device_an_orphan(
    prov: Provisioner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prov.add("kiosk", "kiosk-lobby")
    stray = prov.configs.folder / "notes.yaml"
    stray.write_text("todo: label the kiosks\n")
    assert cli(prov, tmp_path, "check", SITE) == 1
    err = capsys.readouterr().err
    assert f"{stray}: cannot tell which role" in err and "1 problem(s)" in err
    assert "no device file defines it" not in err and "provision remove" not in err
    # With the device list whole, a real orphan is still reported.
    stray.unlink()
    prov.configs.device_path("kiosk", "kiosk-lobby").unlink()
    assert cli(prov, tmp_path, "check", SITE) == 1
    err = capsys.readouterr().err
    assert "kiosk-lobby: holds a password but no device file defines it" in err

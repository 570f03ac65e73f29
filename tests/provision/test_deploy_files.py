"""docker-compose.yml and the systemd units name only paths, commands and configs that exist and
are valid (Docker and systemd may be absent where the tests run)."""

from __future__ import annotations

import argparse
import configparser
import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml

from antrian.devbroker import REPO_ROOT
from provision import SiteConfigs

IMAGE_ROOT = "/opt/antrian/"
ROLE_CLI = {
    "central": "central.cli",
    "kiosk": "edge.kiosk.cli",
    "caller": "edge.caller.cli",
    "display": "edge.display.cli",
    "web": "web.cli",
}


def parse_command(argv: list[str]) -> argparse.Namespace:
    """Parse `antrian ARGV` with the role's own subcommand parser."""
    parser = argparse.ArgumentParser(prog="antrian")
    sub = parser.add_subparsers(dest="command", required=True)
    importlib.import_module(ROLE_CLI[argv[0]]).register(sub)
    return parser.parse_args(argv)


def validated_role(config: Path) -> str:
    site = SiteConfigs(config.parent)
    device = site.device(config.stem)
    site.validate(device)
    return device.role


@pytest.fixture(scope="module")
def compose() -> dict[str, object]:
    data = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_broker_central_and_simulated_nodes(compose: dict[str, object]) -> None:
    services = compose["services"]
    assert isinstance(services, dict)
    assert set(services) == {"mosquitto", "central", "kiosk", "caller", "display"}
    broker = services["mosquitto"]
    mount = broker["volumes"][0].split(":")
    conf = REPO_ROOT / mount[0]
    assert conf.resolve() == (REPO_ROOT / "broker" / "mosquitto.conf").resolve()
    assert re.search(r"(?m)^listener 1883$", conf.read_text())
    assert broker["image"].startswith("eclipse-mosquitto:2")


@pytest.mark.parametrize("service", ["central", "kiosk", "caller", "display"])
def test_compose_service_runs_a_valid_config(compose: dict[str, object], service: str) -> None:
    svc = compose["services"][service]  # type: ignore[index]
    build = svc["build"]
    assert (REPO_ROOT / build["context"]).is_dir()
    assert (REPO_ROOT / build["context"] / build["dockerfile"]).is_file()
    args = parse_command(svc["command"])
    assert args.command == service
    assert str(args.config).startswith(IMAGE_ROOT)
    config = REPO_ROOT / str(args.config).removeprefix(IMAGE_ROOT)
    assert validated_role(config) == service
    raw = yaml.safe_load(config.read_text())
    assert raw["broker"]["host"] == "mosquitto"  # the broker service's name


def test_dockerfile_copies_what_exists() -> None:
    dockerfile = (REPO_ROOT / "docker" / "Dockerfile").read_text()
    sources = [
        src
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for src in shlex.split(line)[1:-1]
    ]
    assert "firmware_configs/" in sources and "provision/" in sources
    for src in sources:
        assert (REPO_ROOT / src).exists(), src
    # Every package the project installs is in the image.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    include = re.search(r"include = \[(.*?)\]", pyproject)
    assert include is not None
    for pkg in re.findall(r'"(\w+)\*"', include.group(1)):
        if (REPO_ROOT / pkg).is_dir():
            assert f"{pkg}/" in sources, f"Dockerfile misses {pkg}/"
    assert "-c requirements.lock" in dockerfile


@pytest.mark.parametrize("role", list(ROLE_CLI))
def test_systemd_unit(role: str) -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO_ROOT / "systemd" / f"antrian-{role}.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] == "antrian"
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/opt/antrian/.venv/bin/antrian"
    args = parse_command(argv[1:])
    assert args.command == role
    # The unit reads the config a bundle installs (the web node's beside central's).
    folder = "/etc/antrian/web" if role == "web" else "/etc/antrian"
    assert str(args.config) == f"{folder}/config.yaml"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_watchdog_drop_in() -> None:
    conf = configparser.ConfigParser()
    conf.read(REPO_ROOT / "systemd" / "antrian-watchdog.conf")
    assert conf["Manager"]["RuntimeWatchdogSec"].endswith("s")

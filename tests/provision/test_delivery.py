"""Config delivery: versioned retained configs from central; nodes keep the last good one."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from antrian.delivery import (
    ConfigCache,
    ConfigOutcome,
    ConfigReceiver,
    config_digest,
    follow,
    retain_configs,
)
from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, now
from antrian.storage import AtomicJSONStorage
from edge.display.config import DisplayConfig
from protocol import Topics, decode, encode
from protocol import messages as m
from provision.ca import CaFiles, create_ca
from provision.delivery import device_configs
from provision.passwords import PasswordFile, hash_password, verify_password
from provision.testing import SITE, copy_site

T = Topics(SITE)


def message(config: dict[str, object], version: int, node: str = "display-hall") -> m.DeviceConfig:
    return m.DeviceConfig(
        node_id=node,
        role="display",
        version=version,
        sha256=config_digest(config),
        issued_at=now(),
        config=config,
    )


def test_versions_increase_only_when_a_config_changes(tmp_path: Path) -> None:
    folder = copy_site(tmp_path) / SITE
    first, problems = device_configs(folder, tmp_path / "central")
    assert problems == [] and {c.version for c in first} == {1}
    assert "central" not in {c.node_id for c in first}  # central reads its own file
    again, _ = device_configs(folder, tmp_path / "central")
    assert [c.version for c in again] == [c.version for c in first]
    device = folder / "devices" / "display" / "display-hall.yaml"
    device.write_text(device.read_text() + "blink_s: 4\n")
    changed, _ = device_configs(folder, tmp_path / "central")
    versions = {c.node_id: c.version for c in changed}
    assert versions["display-hall"] == 2 and versions["kiosk-lobby"] == 1
    hall = next(c for c in changed if c.node_id == "display-hall")
    assert hall.config["blink_s"] == 4 and hall.config["broker"]["username"] == "display-hall"
    # An invalid file is reported and its device left out; the rest is still published.
    device.write_text("blink_s: -1\n")
    broken, problems = device_configs(folder, tmp_path / "central")
    assert "display-hall" not in {c.node_id for c in broken} and problems
    assert problems[0].file == device and problems[0].field == "blink_s"


def test_receiver_keeps_the_last_good_config(tmp_path: Path) -> None:
    good = DisplayConfig(node_id="display-hall", site=SITE, state_dir=tmp_path).model_dump(
        mode="json"
    )
    cache = ConfigCache(tmp_path / "config.json")
    rx = ConfigReceiver("display-hall", DisplayConfig, cache)
    assert rx.version is None and rx.current() is None
    out = rx.receive(encode(message(good, 3)))
    assert out.applied and out.version == 3 and isinstance(out.config, DisplayConfig)

    bad = {**good, "mode": "counter"}  # a counter board without its counter
    out = rx.receive(encode(message(bad, 4)))
    assert not out.applied and out.version == 3
    assert out.error is not None and "needs `counter:`" in out.error and "config v4" in out.error
    assert rx.last_error == out.error

    unknown = {**good, "colour": "red"}
    out = rx.receive(encode(message(unknown, 5)))
    assert out.error is not None and "colour" in out.error and "unknown setting" in out.error

    tampered = message(good, 6).model_copy(update={"sha256": "0" * 64})
    assert "sha256" in (rx.receive(encode(tampered)).error or "")
    assert "unreadable" in (rx.receive(b"{not json").error or "")
    assert "not 'display-hall'" in (rx.receive(encode(message(good, 7, "kiosk-lobby"))).error or "")
    older = rx.receive(encode(message({**good, "blink_s": 1}, 2)))
    assert not older.applied and older.error is None  # an old retained copy is ignored quietly
    cache.close()

    # After a restart the node starts from the cached config, version 3.
    rx2 = ConfigReceiver("display-hall", DisplayConfig, ConfigCache(tmp_path / "config.json"))
    assert rx2.version == 3
    assert isinstance(rx2.current(), DisplayConfig)


def test_atomic_storage_leaves_old_or_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"v": 1}}})

    def power_cut(src: object, dst: object) -> None:
        raise OSError("power cut before rename")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        storage.write({"t": {"1": {"v": 2}}})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"t": {"1": {"v": 1}}}
    assert storage.read() == {"t": {"1": {"v": 1}}}
    path.write_text('{"t": {"1"')  # damaged by something else: empty cache, no crash
    assert storage.read() is None


def test_delivery_over_mqtt_reports_version_and_rejection(
    broker: DevBroker, tmp_path: Path
) -> None:
    """Central publishes; a display follows: applied version in its birth, a bad config as a
    fault while the previous one keeps running."""
    folder = copy_site(tmp_path) / SITE
    settings = BrokerSettings(port=broker.port)
    central = MqttLink(settings, T, Identity("central", "central", 1))
    central.start()
    assert central.wait_connected(5)
    statuses: list[m.NodeStatus] = []
    seen = threading.Condition()

    def on_status(topic: str, payload: bytes) -> None:
        with seen:
            statuses.append(decode(m.NodeStatus, payload))
            seen.notify_all()

    central.subscribe(T.status("display-hall"), on_status)
    messages, problems = device_configs(folder, tmp_path / "central")
    assert problems == [] and retain_configs(central, messages)["display-hall"] == 1

    node = MqttLink(settings, T, Identity("display-hall", "display", 1))
    rx = ConfigReceiver("display-hall", DisplayConfig, ConfigCache(tmp_path / "node.json"))
    outcomes: list[ConfigOutcome] = []
    follow(node, rx, outcomes.append)
    node.start()
    assert node.wait_connected(5)
    with seen:
        assert seen.wait_for(lambda: any(s.config_version == 1 for s in statuses), 5)

    hall = folder / "devices" / "display" / "display-hall.yaml"
    hall.write_text(hall.read_text() + "blink_s: 5\n")
    retain_configs(central, device_configs(folder, tmp_path / "central")[0])
    with seen:
        assert seen.wait_for(lambda: any(s.config_version == 2 for s in statuses), 5)
    assert isinstance(outcomes[-1].config, DisplayConfig) and outcomes[-1].config.blink_s == 5

    # Someone publishes a broken config by hand (central itself would refuse to).
    raw = yaml.safe_load(hall.read_text()) or {}
    bad = {**rx.current().model_dump(mode="json"), **raw, "mode": "counter"}  # type: ignore[union-attr]
    central.publish(T.config("display-hall"), encode(message(bad, 3)), retain=True)
    with seen:
        assert seen.wait_for(lambda: "config_rejected" in statuses[-1].faults, 5)
    last = statuses[-1]
    assert last.config_version == 2 and last.detail and "needs `counter:`" in last.detail
    assert rx.version == 2 and rx.current().blink_s == 5  # type: ignore[union-attr]
    node.stop()
    central.stop()


def test_password_hash_matches_mosquitto_passwd(tmp_path: Path) -> None:
    theirs = tmp_path / "passwd"
    theirs.touch()
    subprocess.run(["mosquitto_passwd", "-b", str(theirs), "kiosk-1", "rahasia"], check=True)
    hashed = theirs.read_text().strip().split(":", 1)[1]
    assert verify_password("rahasia", hashed) and not verify_password("salah", hashed)
    ours = hash_password("rahasia", salt=b"0123456789ab")
    assert ours.startswith("$7$101$MDEyMzQ1Njc4OWFi$") and verify_password("rahasia", ours)
    pw = PasswordFile(tmp_path / "ours")
    pw.set("kiosk-1", "rahasia")
    pw.set("kiosk-2", "lain")
    assert pw.check("kiosk-1", "rahasia") and not pw.check("kiosk-1", "lain")
    assert pw.remove("kiosk-1") and pw.users() == ["kiosk-2"]


def test_password_file_and_ca_key_are_private_before_they_are_in_place(
    tmp_path: Path, modes_at_rename: dict[str, int]
) -> None:
    PasswordFile(tmp_path / "passwords").set("kiosk-1", "rahasia")
    create_ca(CaFiles(tmp_path / "ca.key", tmp_path / "ca.crt"), "demo")
    assert modes_at_rename["passwords"] == 0o640 and modes_at_rename["ca.key"] == 0o600

"""Config delivery, central's side: each device's config from the site's files, retained
and versioned (the node's side is antrian.delivery)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from antrian.delivery import config_digest
from antrian.mqtt import MqttLink, now
from antrian.session import atomic_write
from protocol import encode
from protocol import messages as m

from .configs import ConfigInvalid, Problem, SiteConfigs

log = logging.getLogger(__name__)


@dataclass
class VersionBook:
    """node_id -> (sha256, version), kept on disk so that versions only ever increase."""

    path: Path
    _book: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self._book = json.loads(self.path.read_text())
        except FileNotFoundError:
            self._book = {}

    def version_for(self, node_id: str, digest: str) -> int:
        entry = self._book.get(node_id)
        if entry is not None and entry["sha256"] == digest:
            return int(entry["version"])
        version = int(entry["version"]) + 1 if entry else 1
        self._book[node_id] = {"sha256": digest, "version": version}
        atomic_write(self.path, json.dumps(self._book, indent=1, sort_keys=True).encode())
        return version


@dataclass
class PublishReport:
    published: dict[str, int] = field(default_factory=dict)  # node_id -> version
    problems: list[Problem] = field(default_factory=list)


def device_configs(
    site_folder: Path, state_dir: Path
) -> tuple[list[m.DeviceConfig], list[Problem]]:
    """Every valid device config of the site as the message central retains for it.

    An invalid file is reported and skipped: its device keeps the last good config it has.
    """
    from .bundle import delivered_config  # the same config the device's bundle holds

    site = SiteConfigs(site_folder)
    book = VersionBook(Path(state_dir) / "config_versions.json")
    out: list[m.DeviceConfig] = []
    problems: list[Problem] = []
    try:
        devices = site.devices()
    except ConfigInvalid as exc:
        return [], exc.problems
    for device in devices:
        if device.role == "central":
            continue
        try:
            config = delivered_config(site, device)
        except ConfigInvalid as exc:
            problems.extend(exc.problems)
            continue
        digest = config_digest(config)
        out.append(
            m.DeviceConfig(
                node_id=device.node_id,
                role=device.role,
                version=book.version_for(device.node_id, digest),
                sha256=digest,
                issued_at=now(),
                config=config,
            )
        )
    return out, problems


def publish_device_configs(link: MqttLink, site_folder: Path, state_dir: Path) -> PublishReport:
    """Central calls this once connected (and after the files change): retains every device's
    config on config/{node_id}. Invalid files are logged and left out."""
    report = PublishReport()
    messages, report.problems = device_configs(site_folder, state_dir)
    for problem in report.problems:
        log.error("device config not published: %s", problem)
    for msg in messages:
        if link.publish(link.topics.config(msg.node_id), encode(msg), retain=True):
            report.published[msg.node_id] = msg.version
    return report

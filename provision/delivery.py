"""Config delivery from the site's files: each device's config as the versioned message
central retains for it (central retains them and nodes follow them with antrian.delivery)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from antrian.delivery import config_digest
from antrian.mqtt import now
from antrian.session import atomic_write
from protocol import messages as m

from .configs import SiteConfigs
from .problems import ConfigInvalid, Problem

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

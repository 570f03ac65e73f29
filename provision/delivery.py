"""Config delivery: central publishes each device's config retained and versioned; a node
validates it, keeps the last good one and reports its version."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from tinydb import TinyDB

from antrian.config import validate
from antrian.mqtt import MqttLink, now
from antrian.session import atomic_write
from protocol import decode, encode
from protocol import messages as m

from .configs import ConfigInvalid, Problem, SiteConfigs
from .storage import AtomicJSONStorage

log = logging.getLogger(__name__)


def config_digest(config: dict[str, Any]) -> str:
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ----------------------------------------------------------------------------- central side


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


# ----------------------------------------------------------------------------- node side


@dataclass(frozen=True)
class ConfigOutcome:
    """What a node did with one delivered config."""

    applied: bool
    version: int | None
    config: BaseModel | None = None
    error: str | None = None  # for the technician: file-free, names the fields


class ConfigCache:
    """The last good delivered config, in TinyDB on an atomic storage under the node's state."""

    def __init__(self, path: Path) -> None:
        self.db = TinyDB(path, storage=AtomicJSONStorage, indent=1)
        self._table = self.db.table("device_config")

    def last_good(self) -> m.DeviceConfig | None:
        docs = self._table.all()
        if not docs:
            return None
        try:
            return m.DeviceConfig.model_validate(docs[0])
        except ValidationError:
            return None

    def store(self, msg: m.DeviceConfig) -> None:
        # One document; truncate+insert is one storage write each, so replace via update.
        doc = msg.model_dump(mode="json")
        if self._table.all():
            self._table.update(doc, doc_ids=[self._table.all()[0].doc_id])
        else:
            self._table.insert(doc)

    def close(self) -> None:
        self.db.close()


class ConfigReceiver:
    """Validates configs from config/{node_id} with the node's own model and keeps the last good.

    Thread-safe: `receive` may run on paho's thread; nodes usually hand the payload to their
    loop first and call it there.
    """

    FAULT = "config_rejected"

    def __init__(self, node_id: str, model: type[BaseModel], cache: ConfigCache) -> None:
        self.node_id = node_id
        self.model = model
        self.cache = cache
        self._lock = threading.Lock()
        last = cache.last_good()
        self.version: int | None = last.version if last else None
        self.last_error: str | None = None
        self.rejected = 0  # configs refused (junk, wrong node, bad digest, invalid)

    def current(self) -> BaseModel | None:
        """The last good config (e.g. to start with when the bundle's is older)."""
        last = self.cache.last_good()
        if last is None:
            return None
        try:
            return validate(last.config, self.model, f"cached config v{last.version}")
        except ValueError:
            return None

    def receive(self, payload: bytes) -> ConfigOutcome:
        with self._lock:
            outcome = self._receive(payload)
            if outcome.error is not None:
                self.last_error = outcome.error
                self.rejected += 1
                log.error("device config rejected (%d so far): %s", self.rejected, outcome.error)
            elif outcome.applied:
                self.last_error = None
            return outcome

    def _receive(self, payload: bytes) -> ConfigOutcome:
        if not payload:
            # The retained config was cleared (device removed); keep running what we have.
            return ConfigOutcome(False, self.version)
        try:
            msg = decode(m.DeviceConfig, payload)
        except ValueError as exc:
            return ConfigOutcome(False, self.version, error=f"unreadable config message: {exc}")
        if msg.node_id != self.node_id:
            return ConfigOutcome(
                False, self.version, error=f"config for {msg.node_id!r}, not {self.node_id!r}"
            )
        if self.version is not None and msg.version <= self.version:
            return ConfigOutcome(False, self.version)  # a duplicate or an older retained copy
        if config_digest(msg.config) != msg.sha256:
            return ConfigOutcome(
                False, self.version, error=f"config v{msg.version}: sha256 does not match"
            )
        try:
            config = validate(msg.config, self.model, f"config v{msg.version}")
        except ValueError as exc:
            return ConfigOutcome(False, self.version, error=str(exc))
        self.cache.store(msg)
        self.version = msg.version
        return ConfigOutcome(True, msg.version, config=config)


def follow(
    link: MqttLink, receiver: ConfigReceiver, on_outcome: Callable[[ConfigOutcome], None]
) -> None:
    """Wire a receiver to a link: report the applied version in the birth, and a rejected
    config as a fault (with the error in `detail`) while the previous config keeps running."""
    link.identity.config_version = receiver.version

    def handle(topic: str, payload: bytes) -> None:
        outcome = receiver.receive(payload)
        if outcome.applied:
            link.identity.config_version = outcome.version
            if ConfigReceiver.FAULT in link.faults:
                link.faults.remove(ConfigReceiver.FAULT)
            link.detail = None
        elif outcome.error is not None:
            if ConfigReceiver.FAULT not in link.faults:
                link.faults.append(ConfigReceiver.FAULT)
            link.detail = outcome.error[:500]
        if outcome.applied or outcome.error is not None:
            link.publish_status()
        on_outcome(outcome)

    link.subscribe(link.topics.config(receiver.node_id), handle)


def cached_config_version(state_dir: Path) -> int | None:
    """The version of the last good delivered config, if the node ever received one
    (self-tests print it without starting the node)."""
    path = state_dir / "config.json"
    if not path.is_file():
        return None
    cache = ConfigCache(path)
    try:
        last = cache.last_good()
        return last.version if last else None
    finally:
        cache.close()

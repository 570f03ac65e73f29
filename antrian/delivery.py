"""Config delivery: central retains each device's config on config/{node_id}; a node
validates it, keeps the last good one (it survives a restart without a broker) and reports
its version in the birth."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from tinydb import TinyDB

from antrian.config import validate
from antrian.mqtt import MqttLink
from antrian.storage import AtomicJSONStorage
from protocol import decode, encode
from protocol import messages as m

log = logging.getLogger(__name__)


# Every device config of a site as the message central retains, and what is wrong with
# the others (provision.delivery.device_configs reads them from the site's files; central's
# start-up passes it in, so that central does not import the operator's tool).
DeviceConfigSource = Callable[[Path, Path], tuple[list[m.DeviceConfig], Sequence[object]]]


def retain_configs(link: MqttLink, messages: Sequence[m.DeviceConfig]) -> dict[str, int]:
    """Central's side: retain each config on config/{node_id}; node_id -> version sent."""
    published: dict[str, int] = {}
    for msg in messages:
        if link.publish(link.topics.config(msg.node_id), encode(msg), retain=True):
            published[msg.node_id] = msg.version
    return published


def config_digest(config: dict[str, Any]) -> str:
    """The sha256 central sends with a config and the node checks (canonical JSON)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


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


def note_outcome(
    outcome: ConfigOutcome, faults: list[str], detail: str | None
) -> tuple[str | None, bool]:
    """A node's status after one delivered config: a rejected config is a fault (with the
    error as its detail) while the previous config keeps running; an applied one clears
    it. Updates `faults` in place; returns the new detail and whether to publish the
    status again."""
    if outcome.applied:
        if ConfigReceiver.FAULT in faults:
            faults.remove(ConfigReceiver.FAULT)
        return None, True
    if outcome.error is not None:
        if ConfigReceiver.FAULT not in faults:
            faults.append(ConfigReceiver.FAULT)
        return outcome.error[:500], True
    return detail, False


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
        link.detail, republish = note_outcome(outcome, link.faults, link.detail)
        if republish:
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

"""What central publishes after a commit: replies, events, retained snapshots and device
configs."""

from __future__ import annotations

import logging
import time
from collections import Counter as Tally
from collections.abc import Callable
from datetime import datetime

from antrian.delivery import DeviceConfigSource, retain_configs
from antrian.mqtt import MqttLink
from central._batch import Batch
from central._event_delivery import EventDelivery
from central.authz import Authorizer
from central.config import CentralConfig
from central.fleet import Fleet
from central.hall import Hall
from protocol import Topics, encode

log = logging.getLogger(__name__)

CONFIG_CHECK_S = 5.0
FLEET_ERRORS_EVERY_S = 1.0


class Publishing:
    """Central's publishing; Central supplies the state below."""

    config: CentralConfig
    device_configs: DeviceConfigSource | None
    clock: Callable[[], datetime]
    topics: Topics
    link: MqttLink
    hall: Hall
    fleet: Fleet
    authz: Authorizer
    errors: Tally[str]
    not_allowed: Tally[str]
    event_delivery: EventDelivery
    _hall_dirty: bool
    _hall_at: float
    _counters_due: set[str]
    _counters_at: float
    _configs_checked: float
    _configs_stamp: list[tuple[str, int]]
    _fleet_errors: int
    _fleet_at: float

    def _deliver_configs(self, force: bool) -> None:
        """Publish every device's config when connecting and whenever the files change."""
        folder = self.config.device_configs
        if folder is None or self.device_configs is None:
            return
        now_mono = time.monotonic()
        if not force and now_mono - self._configs_checked < CONFIG_CHECK_S:
            return
        self._configs_checked = now_mono
        stamp = sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*.yaml"))
        if not force and stamp == self._configs_stamp:
            return
        messages, problems = self.device_configs(folder, self.config.state_dir)
        for problem in problems:
            log.error("device config not published: %s", problem)
        # A device added, moved or removed is authorized as its config now says.
        self.authz = Authorizer.from_configs(messages)
        published = retain_configs(self.link, messages)
        self._configs_stamp = stamp
        self.errors["invalid_device_config"] += len(problems)
        log.info("delivered %d device configs (%d invalid)", len(published), len(problems))

    def _publish_hall(self) -> None:
        snapshot = self.hall.hall_snapshot(self.clock())
        self.link.publish(self.topics.hall, encode(snapshot), retain=True)
        self._hall_dirty = False
        self._hall_at = time.monotonic()

    def _publish_counters(self) -> None:
        due, self._counters_due = self._counters_due, set()
        for cid in sorted(due):
            if cid in self.hall.counters:
                snapshot = encode(self.hall.counter_snapshot(cid))
                self.link.publish(self.topics.counter(cid), snapshot, retain=True)

    def _publish(self, batch: Batch) -> None:
        link, topics, hall = self.link, self.topics, self.hall
        for node, reply in batch.replies:
            link.publish(topics.reply(node), batch.encoded.of(reply))
        outcomes = [out for _req, out in batch.applied]
        if batch.day_closed is not None:
            outcomes.insert(0, batch.day_closed)
        events = [ev for out in outcomes for ev in out.events]
        self.event_delivery.publish(events, batch.encoded)
        now = self.clock()
        if batch.republish:
            self._counters_due = set(hall.counters)
            self._publish_counters()
        else:
            # A counter's retained snapshot follows its events COUNTERS_DELAY_S later, from
            # the worker: built here it would hold back the reply and the event, which
            # paho writes only after this callback returns (~0.2 ms of a call, measured).
            dirty = {c.id for out in outcomes for c in out.counters}
            dirty |= {ev.counter for ev in events if ev.counter}
            if dirty and not self._counters_due:
                self._counters_at = time.monotonic()
            self._counters_due |= dirty
        if batch.republish:
            self._publish_hall()
            self._deliver_configs(force=True)
        elif events or any(out.leases for out in outcomes):
            # A block granted or given back changes online_left (no event says so).
            # The hall snapshot (~1 ms to build, a wait estimate per queue) is a resync
            # point, not the live feed: consumers follow events. Publishing it only after
            # HALL_IDLE_S without messages, at most every HALL_MIN_INTERVAL_S (or every
            # HALL_MAX_AGE_S under load) keeps it off the request path.
            self._hall_dirty = True
        if batch.fleet or batch.fleet_removed or batch.republish:
            self._publish_fleet(now)
        else:
            self._publish_fleet_if_errors_changed()

    def _publish_fleet_if_errors_changed(self) -> None:
        """errors_total and the not_allowed counts are for technicians: republished when
        they change, at most every FLEET_ERRORS_EVERY_S (a device sending junk in a loop
        must not make central publish the fleet for each message)."""
        if sum(self.errors.values()) == self._fleet_errors:
            return
        if time.monotonic() - self._fleet_at < FLEET_ERRORS_EVERY_S or not self.link.connected:
            return
        self._publish_fleet(self.clock())

    def _publish_fleet(self, now: datetime) -> None:
        provisioned = [n for n, g in self.authz.grants.items() if g.role != "central"]
        snapshot = self.fleet.snapshot(
            now, sum(self.errors.values()), dict(self.not_allowed), provisioned
        )
        self.link.publish(self.topics.fleet, encode(snapshot), retain=True)
        self._fleet_errors = sum(self.errors.values())
        self._fleet_at = time.monotonic()

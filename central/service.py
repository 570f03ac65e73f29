"""Central on the broker: one worker thread applies requests in batches, commits each batch
to the ledger, and only then publishes replies, events and snapshots."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable
from datetime import UTC, datetime

from antrian import __version__, gctune
from antrian.catalogue import Catalogue
from antrian.delivery import DeviceConfigSource
from antrian.mqtt import Identity, MqttLink
from antrian.session import next_session
from central._batch import Batch
from central._event_delivery import EventDelivery
from central._liveness import Liveness
from central._publishing import Publishing
from central._request_handling import RequestHandling
from central.authz import Authorizer
from central.config import CentralConfig
from central.fleet import Fleet
from central.hall import Hall
from central.ledger import Ledger
from central.tokens import TicketTokens, load_secret
from protocol import CENTRAL_ID, Topics
from protocol.codec import clip, request_id_of

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

TOKEN_SECRET_FILE = "ticket-token.key"  # in state_dir: the secret behind ticket page links
HALL_IDLE_S = 0.02
HALL_MIN_INTERVAL_S = 0.5  # consumers follow events; the snapshot is their resync point
HALL_MAX_AGE_S = 2.0
# For a while after central (re)connects, boards come back (each within about a second of
# the broker: antrian.mqtt.RECONNECT_MAX_S) and kiosks replay what they issued offline. A
# board that subscribed after some of those events has a gap that only a snapshot closes,
# and it has 2 s to catch up (docs/chaos.md): so in this window the snapshot follows the
# events as soon as they are out (HALL_IDLE_S quiet), at most every HALL_RESYNC_INTERVAL_S.
# Only when idle: under load the request path builds it no more often than before
# (HALL_MAX_AGE_S; a shorter age there cost the issue p99 measured right after a start).
HALL_RESYNC_S = 5.0
HALL_RESYNC_INTERVAL_S = 0.1
COUNTERS_DELAY_S = 0.002  # after the events: long enough for paho to have written them
CHECKPOINT_IDLE_S = 0.005  # a checkpoint of a few commits takes ~0.1 ms; gaps are longer


def system_clock() -> datetime:
    return datetime.now(UTC)


class _Poisoned(Exception):
    """Handling the message at `index` of a batch failed (a bug): see Central._process."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class Central(RequestHandling, Publishing):
    """The hall's coordinator. The constructor does nothing; start() loads and connects."""

    def __init__(
        self,
        config: CentralConfig,
        catalogue: Catalogue,
        clock: Clock = system_clock,
        device_configs: DeviceConfigSource | None = None,
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.clock = clock
        self.device_configs = device_configs  # read from config.device_configs, if set
        self.topics = Topics(catalogue.site)
        self.errors: Tally[str] = Tally()
        self.ready = threading.Event()
        self.failed = threading.Event()
        self._busy = threading.Lock()
        self._wake = threading.Event()
        self._inbox: queue.Queue[tuple[str, str, bytes]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._hall_dirty = False
        self._counters_due: set[str] = set()
        self._counters_at = 0.0
        self._hall_at = 0.0
        self._resync_until = 0.0  # monotonic: the snapshot follows events closely till then
        self._configs_checked = 0.0
        self._collector = gctune.IdleCollector()
        self._last_activity = 0.0
        self._configs_stamp: list[tuple[str, int]] = []
        self.event_delivery = EventDelivery()
        self._refusals_logged: dict[tuple[str, str], int] = {}
        # Requests refused as not allowed, per sending node: in the fleet snapshot.
        self.not_allowed: Tally[str] = Tally()
        self.authz = Authorizer({})
        self._fleet_errors = 0
        self._fleet_at = 0.0
        self.liveness = Liveness()
        self.hall: Hall
        self.ledger: Ledger
        self.fleet: Fleet
        self.link: MqttLink

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        if self.config.device_configs is not None and self.device_configs is None:
            raise ValueError(
                "config names device_configs but central was given nothing to read them "
                "with: pass device_configs=provision.delivery.device_configs"
            )
        if self.config.authorization and self.config.device_configs is None:
            raise ValueError(
                "authorization needs the site's device configs to know each device's role "
                "and assignment: set device_configs in central's config (or, for a "
                "development hall only, authorization: false)"
            )
        if self.catalogue.site != self.config.site:
            raise ValueError(
                f"config site {self.config.site!r} differs from catalogue site "
                f"{self.catalogue.site!r}; make them the same"
            )
        now = self.clock()
        self.ledger = Ledger(self.config.ledger_path)
        self.hall = self.ledger.load(self.catalogue, self.catalogue.business_day(now))
        self.tokens = TicketTokens(load_secret(self.config.state_dir / TOKEN_SECRET_FILE))
        self._rollover(now, publish=False)
        self.fleet = Fleet(self.ledger.nodes(), self.ledger.removed_nodes())
        if self.config.device_configs is not None and self.device_configs is not None:
            messages, _problems = self.device_configs(
                self.config.device_configs, self.config.state_dir
            )
            self.authz = Authorizer.from_configs(messages)
        session = next_session(self.config.state_dir)
        self.link = MqttLink(
            broker=self.config.broker,
            topics=self.topics,
            identity=Identity(CENTRAL_ID, "central", session, software=f"antrian {__version__}"),
            on_connection=self._on_connection,
            on_published=self.event_delivery.acks.append,
        )
        self.event_delivery.attach(self.ledger, self.link, self.topics.events, self.hall.seq)
        self.link.subscribe(self.topics.all_requests, self._on_request)
        self.link.subscribe(self.topics.all_status, self._on_status)
        self._thread = threading.Thread(target=self._run, name="central-worker", daemon=True)
        self._thread.start()
        self.link.start()
        self.ready.set()

    def healthy(self) -> bool:
        """The worker runs and nothing failed (a broker outage is not central's fault)."""
        return not self.failed.is_set() and self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.link.stop()
        self.ledger.close()

    # -- network thread: process inline when idle, else hand over to the worker --------

    def _on_request(self, topic: str, payload: bytes) -> None:
        self._submit(("request", topic, payload))

    def _on_status(self, topic: str, payload: bytes) -> None:
        self._submit(("status", topic, payload))

    def _on_connection(self, up: bool) -> None:
        if up:
            # Retained state lives only as long as the broker: publish it on every connect.
            self._submit(("republish", "", b""))
        else:
            self._submit(("disconnected", "", b""))

    def _submit(self, item: tuple[str, str, bytes]) -> None:
        """When nothing is pending, apply the message right here on the network thread:
        two thread hand-offs are a third of a request's time in central. Under load the
        worker is busy, messages queue up, and it commits them in batches (group commit).
        Order is kept: this thread is the only producer, and it goes inline only when the
        queue is empty and the worker holds nothing."""
        if self.failed.is_set():
            return
        self._last_activity = time.monotonic()
        if self._busy.acquire(blocking=False):
            try:
                if self._inbox.empty():
                    self._guarded([item])
                    return
                self._inbox.put(item)
            finally:
                self._busy.release()
        else:
            self._inbox.put(item)
        self._wake.set()

    def _guarded(self, items: list[tuple[str, str, bytes]]) -> None:
        try:
            self._process(items)
            if self._hall_dirty and time.monotonic() - self._hall_at > HALL_MAX_AGE_S:
                self._publish_hall()
        except Exception:
            # The in-memory hall may now differ from the ledger: stop answering, and let
            # the supervisor restart central, which rebuilds from the ledger.
            log.exception("central failed; stopping so that a restart rebuilds from the ledger")
            self.failed.set()
            self._stop.set()

    # -- worker -----------------------------------------------------------------------

    def _hall_interval(self, mono: float) -> float:
        return HALL_RESYNC_INTERVAL_S if mono < self._resync_until else HALL_MIN_INTERVAL_S

    def _run(self) -> None:
        while not self._stop.is_set():
            # While the hall snapshot is stale or the WAL holds pages to checkpoint, wake
            # soon to do that work when idle.
            if self._counters_due:
                timeout = COUNTERS_DELAY_S
            elif self.ledger.commits_since_checkpoint:
                timeout = CHECKPOINT_IDLE_S
            elif self.ledger.compaction_due:
                timeout = HALL_IDLE_S
            elif self._hall_dirty or time.monotonic() < self._resync_until:
                # After a reconnect a request applied on the network thread does not wake
                # this one: poll, so that its snapshot follows within HALL_IDLE_S or so.
                timeout = HALL_IDLE_S
            else:
                timeout = 0.5
            woken = self._wake.wait(timeout=timeout)
            with self._busy:
                self._wake.clear()
                due_for = time.monotonic() - self._counters_at
                if self._counters_due and due_for >= COUNTERS_DELAY_S:
                    self._publish_counters()
                items: list[tuple[str, str, bytes]] = []
                while len(items) < self.config.batch_max:
                    try:
                        items.append(self._inbox.get_nowait())
                    except queue.Empty:
                        break
                if items:
                    self._guarded(items)
                    if not self._inbox.empty():
                        self._wake.set()
                elif not woken:
                    # Only when no message came for HALL_IDLE_S: building the snapshot
                    # holds the GIL for up to a millisecond.
                    mono = time.monotonic()
                    quiet = mono - self._last_activity
                    self.event_delivery.confirm()
                    if quiet >= HALL_IDLE_S:
                        try:
                            self.ledger.save_published()
                        except sqlite3.Error as exc:
                            log.error("could not record the published marker: %s", exc)
                    if self.ledger.commits_since_checkpoint and quiet >= CHECKPOINT_IDLE_S:
                        try:
                            self.ledger.checkpoint()
                        except sqlite3.Error as exc:
                            # Commits stay durable in the WAL; the next idle spell retries.
                            log.error("WAL checkpoint failed (check the disk): %s", exc)
                    idle = quiet >= HALL_IDLE_S
                    if idle and self.ledger.compaction_due:
                        try:
                            # A few ms per call; the next idle spell does the next rows.
                            self.ledger.compact(limit=50)
                        except sqlite3.Error as exc:
                            log.error("ledger compaction failed (check the disk): %s", exc)
                    if idle:
                        self._collector.collect()
                        # The wait estimate's rescan of today's tickets after counters
                        # changed, and the oldest estimate of the hall snapshot, done here
                        # rather than inside the next request.
                        self.hall.refresh_pace()
                        if self.hall.refresh_estimates(self.clock()):
                            self._hall_dirty = True
                    spaced = mono - self._hall_at >= self._hall_interval(mono)
                    if self._hall_dirty and idle and spaced:
                        self._publish_hall()
                    self._publish_fleet_if_errors_changed()
                    self._tick()

    def _tick(self) -> None:
        if self.link.connected:
            self._deliver_configs(force=False)
        batch = Batch()
        rolled = self._rollover(self.clock(), publish=True, batch=batch)
        batch.fleet += self.liveness.silent(self.fleet, self.link.connected, self.clock())
        if batch.fleet:
            self.ledger.commit([], self.hall.day, self.hall.seq, batch.fleet)
        if rolled or batch.fleet:
            self._publish(batch)

    def _rollover(self, now: datetime, publish: bool, batch: Batch | None = None) -> bool:
        today = self.catalogue.business_day(now)
        if today <= self.hall.day:
            return False
        log.info("business day %s closed; opening %s", self.hall.day, today)
        out = self.hall.close_day(now, today)
        self.ledger.commit_outcome(out, self.hall.day, self.hall.seq)
        if batch is not None:
            batch.day_closed = out
            batch.republish = True
        return True

    def _process(self, items: list[tuple[str, str, bytes]]) -> None:
        now = self.clock()
        batch = Batch()
        self._rollover(now, publish=True, batch=batch)
        day_closed = batch.day_closed
        poisoned: list[tuple[str, str, bytes]] = []
        while True:
            try:
                for index, (kind, topic, payload) in enumerate(items):
                    self._handle(batch, kind, topic, payload, now, index)
                break
            except _Poisoned as p:
                # No input may stop central (issue 13): this one message failed half-way, so
                # the hall and fleet in memory may be half-changed. Nothing of this batch is
                # committed yet: rebuild both from the ledger and apply the batch again
                # without it. Its sender gets a refusal; the others get their replies.
                poisoned.append(items[p.index])
                items = items[: p.index] + items[p.index + 1 :]
                self.hall = self.ledger.load(self.catalogue, self.hall.day)
                self.fleet = Fleet(self.ledger.nodes(), self.ledger.removed_nodes())
                batch = Batch(day_closed=day_closed, republish=day_closed is not None)
        batch.fleet += self.liveness.silent(self.fleet, self.link.connected, now)
        for kind, topic, payload in poisoned:
            if kind == "request":
                self._refuse(
                    batch,
                    self.topics.node_of(topic),
                    request_id_of(payload) or "",
                    "invalid_request",
                    "central could not apply this request (a bug, logged); do not send it again",
                )
        if batch.applied or batch.fleet or batch.fleet_removed:
            self.ledger.commit(
                batch.applied,
                self.hall.day,
                self.hall.seq,
                batch.fleet,
                batch.encoded,
                batch.fleet_removed,
            )
        try:
            self._publish(batch)
        except Exception:
            # Committed already: the ledger is right. Events go again from the marker.
            self.errors["internal_error"] += 1
            log.exception("publishing a committed batch failed; its events go again")
            self.event_delivery.resend_from_marker(self.hall.seq)

    def _handle(
        self, batch: Batch, kind: str, topic: str, payload: bytes, now: datetime, index: int
    ) -> None:
        try:
            if kind == "request":
                self._handle_request(batch, topic, payload, now)
            elif kind == "status":
                self._handle_status(batch, topic, payload, now)
            elif kind == "disconnected":
                # Events not yet acknowledged may be lost with the connection.
                self.event_delivery.confirm()
                self.event_delivery.resend_from_marker(self.hall.seq)
                self.liveness.connection_lost()
            else:
                # Connected: what the last connection left unconfirmed was marked for
                # sending again when it was lost; events merely in flight now are not
                # (sending them again would only make duplicates).
                batch.republish = True
                self._resync_until = time.monotonic() + HALL_RESYNC_S
                self.event_delivery.confirm()
                self.liveness.connected()
        except sqlite3.Error:
            raise  # the ledger, not the message: stop, and let a restart rebuild
        except Exception as exc:
            self.errors["internal_error"] += 1
            log.exception(
                "central failed on a %s on %s (%d bytes); refused, and serving on",
                kind,
                clip(topic, 120),
                len(payload),
            )
            raise _Poisoned(index) from exc

"""Central on the broker: one worker thread applies requests in batches, commits each batch
to the ledger, and only then publishes replies, events and snapshots."""

from __future__ import annotations

import logging
import queue
import re
import sqlite3
import threading
import time
from collections import Counter as Tally
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from antrian import __version__, gctune
from antrian.catalogue import Catalogue
from antrian.delivery import DeviceConfigSource, retain_configs
from antrian.mqtt import Identity, MqttLink
from antrian.session import next_session
from central.authz import Authorizer
from central.config import CentralConfig
from central.fleet import Fleet
from central.hall import Hall, Outcome
from central.ledger import Ledger
from central.tokens import TicketTokens, load_secret
from protocol import CENTRAL_ID, ProtocolError, Topics, decode, decode_request, encode
from protocol import messages as m
from protocol.codec import STATUS_MAX_BYTES, Encoded, clip, request_id_of
from protocol.refusals import refusal

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

TOKEN_SECRET_FILE = "ticket-token.key"  # in state_dir: the secret behind ticket page links
CONFIG_CHECK_S = 5.0
HALL_IDLE_S = 0.02
HALL_MIN_INTERVAL_S = 0.5  # consumers follow events; the snapshot is their resync point
HALL_MAX_AGE_S = 2.0
COUNTERS_DELAY_S = 0.002  # after the events: long enough for paho to have written them
CHECKPOINT_IDLE_S = 0.005  # a checkpoint of a few commits takes ~0.1 ms; gaps are longer
REFUSAL_LOG_EVERY = 1000
FLEET_ERRORS_EVERY_S = 1.0
# A device's session counter grows by one per start; more than this at once is not a
# restart (issue 13: a status with session 2^64 made the real device's births stale).
MAX_SESSION_JUMP = 1000
# After central (re)connects, how long a node listed online has to announce itself (its
# retained birth, or a fresh one after a broker restart) before it is marked offline.
LIVENESS_S = 6.0
_NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")  # protocol.messages.Ident


def system_clock() -> datetime:
    return datetime.now(UTC)


class _Poisoned(Exception):
    """Handling the message at `index` of a batch failed (a bug): see Central._process."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


@dataclass
class _Batch:
    applied: list[tuple[m.Request, Outcome]] = field(default_factory=list)
    replies: list[tuple[str, m.Reply]] = field(default_factory=list)
    seen: dict[tuple[str, str], m.Reply] = field(default_factory=dict)  # (node, request id)
    fleet: list[m.FleetEntry] = field(default_factory=list)
    fleet_removed: list[tuple[str, int]] = field(default_factory=list)  # node, last session
    republish: bool = False
    day_closed: Outcome | None = None
    encoded: Encoded = field(default_factory=Encoded)


class Central:
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
        self._configs_checked = 0.0
        self._collector = gctune.IdleCollector()
        self._last_activity = 0.0
        self._configs_stamp: list[tuple[str, int]] = []
        # Events at least once (issue 13): each event's publish is tracked until the
        # broker's PUBACK; the ledger's published marker is the last seq with nothing
        # unconfirmed before it, and everything after it is sent again on start and after
        # a failed publish or a reconnect.
        self._acks: deque[int] = deque()  # PUBACKed message ids, from the network thread
        self._outstanding: dict[int, int] = {}  # message id -> seq, sent and not acked
        self._sent_upto = 0
        self._resend_after: int | None = None
        self._refusals_logged: dict[tuple[str, str], int] = {}
        # Requests refused as not allowed, per sending node: in the fleet snapshot.
        self.not_allowed: Tally[str] = Tally()
        self.authz = Authorizer({})
        self._fleet_errors = 0
        self._fleet_at = 0.0
        # Liveness (issue 13): the nodes heard from since the connection was last lost, and
        # when to mark the others offline.
        self._heard: set[str] = set()
        self._liveness_due: float | None = None
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
        self._sent_upto = self.ledger.published_seq
        if self.ledger.published_seq < self.hall.seq:
            self._resend_after = self.ledger.published_seq
        session = next_session(self.config.state_dir)
        self.link = MqttLink(
            broker=self.config.broker,
            topics=self.topics,
            identity=Identity(CENTRAL_ID, "central", session, software=f"antrian {__version__}"),
            on_connection=self._on_connection,
            on_published=self._acks.append,
        )
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
            else:
                timeout = HALL_IDLE_S if self._hall_dirty else 0.5
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
                    self._confirm_published()
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
                    spaced = mono - self._hall_at >= HALL_MIN_INTERVAL_S
                    if self._hall_dirty and idle and spaced:
                        self._publish_hall()
                    self._publish_fleet_if_errors_changed()
                    self._tick()

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

    def _tick(self) -> None:
        if self.link.connected:
            self._deliver_configs(force=False)
        batch = _Batch()
        rolled = self._rollover(self.clock(), publish=True, batch=batch)
        self._check_liveness(batch, self.clock())
        if batch.fleet:
            self.ledger.commit([], self.hall.day, self.hall.seq, batch.fleet)
        if rolled or batch.fleet:
            self._publish(batch)

    def _check_liveness(self, batch: _Batch, now: datetime) -> None:
        """LIVENESS_S after central (re)connected: a node listed online that said nothing
        since the connection was lost is offline. The broker keeps no retained messages
        across its restart, so every node that is really there announces itself again on
        reconnecting; one that died while the broker was down left no will to publish."""
        due = self._liveness_due
        if due is None or time.monotonic() < due or not self.link.connected:
            return
        self._liveness_due = None
        for node, entry in list(self.fleet.nodes.items()):
            if entry.online and node not in self._heard:
                gone = self.fleet.mark_offline(node, now, "not back after the broker restarted")
                if gone is not None:
                    log.warning("%s did not announce itself after reconnecting: offline", node)
                    batch.fleet.append(gone)

    def _rollover(self, now: datetime, publish: bool, batch: _Batch | None = None) -> bool:
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
        batch = _Batch()
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
                batch = _Batch(day_closed=day_closed, republish=day_closed is not None)
        self._check_liveness(batch, now)
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
            self._resend_from_marker()

    def _handle(
        self, batch: _Batch, kind: str, topic: str, payload: bytes, now: datetime, index: int
    ) -> None:
        try:
            if kind == "request":
                self._handle_request(batch, topic, payload, now)
            elif kind == "status":
                self._handle_status(batch, topic, payload, now)
            elif kind == "disconnected":
                # Events not yet acknowledged may be lost with the connection.
                self._confirm_published()
                self._resend_from_marker()
                self._heard.clear()
            else:
                # Connected: what the last connection left unconfirmed was marked for
                # sending again when it was lost; events merely in flight now are not
                # (sending them again would only make duplicates).
                batch.republish = True
                self._confirm_published()
                self._liveness_due = time.monotonic() + LIVENESS_S
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

    def _refuse(
        self, batch: _Batch, node: str, request_id: str, code: m.RefusalCode, detail: str
    ) -> None:
        self.errors[code] += 1
        self._log_refusal(node, code, request_id, detail)
        batch.replies.append(
            (node, m.Reply(request_id=request_id, ok=False, refusal=refusal(code, detail)))
        )

    def _log_refusal(
        self, node: str, code: str, request_id: str, detail: str, kind: str = ""
    ) -> None:
        """The first refusal per node, code and request kind at WARNING, then every
        REFUSAL_LOG_EVERY-th: a device sending garbage in a loop must not fill the journal."""
        key = (node, f"{code}:{kind}")
        n = self._refusals_logged.get(key, 0) + 1
        if len(self._refusals_logged) < 10_000 or key in self._refusals_logged:
            self._refusals_logged[key] = n
        if n == 1 or n % REFUSAL_LOG_EVERY == 0:
            more = f" ({n} so far)" if n > 1 else ""
            log.warning(
                "refused %s %r from %s: %s: %s%s",
                "status" if kind == "status" else "request",
                clip(request_id, 64),
                node,
                code,
                detail,
                more,
            )

    def _handle_request(self, batch: _Batch, topic: str, payload: bytes, now: datetime) -> None:
        node = self.topics.node_of(topic)
        if not _NODE_ID.match(node):
            # No reply: its topic would carry the bad id. The broker's ACL keeps devices
            # to their own request/{id}; this is a tool or a misconfigured broker.
            self.errors["invalid_topic"] += 1
            log.warning("request on %s ignored: not a valid node id", clip(topic, 120))
            return
        try:
            req = decode_request(payload)
        except ProtocolError as exc:
            self._refuse(batch, node, exc.request_id or "", exc.code, exc.detail)
            return
        if req.node_id != node:
            self._refuse(
                batch,
                node,
                req.request_id,
                "invalid_request",
                f"node_id {req.node_id!r} does not match topic node {node!r}",
            )
            return
        # Request ids are scoped to the node that sent them: the same id from another node
        # is another request, and a stored reply only ever goes back to its own node.
        duplicate = batch.seen.get((node, req.request_id)) or self.ledger.stored_reply(
            node, req.request_id
        )
        if duplicate is not None:
            batch.replies.append((node, duplicate))
            return
        if self.config.authorization:
            why = self.authz.check(node, req)
            if why is not None:
                self.errors["not_allowed"] += 1
                self.not_allowed[node] += 1
                self._log_refusal(node, "not_allowed", req.request_id, why, req.type)
                batch.replies.append(
                    (
                        node,
                        m.Reply(
                            request_id=req.request_id,
                            ok=False,
                            refusal=refusal("not_allowed", why),
                        ),
                    )
                )
                return
        max_age = self.config.max_request_age_s
        if max_age and req.sent_at < now - timedelta(seconds=max_age):
            self._refuse(
                batch,
                node,
                req.request_id,
                "stale_request",
                f"sent {req.sent_at.isoformat()}, older than {max_age}s",
            )
            return
        if max_age and req.sent_at > now + timedelta(seconds=max_age):
            self._refuse(
                batch,
                node,
                req.request_id,
                "invalid_request",
                f"sent_at {req.sent_at.isoformat()} is more than {max_age}s ahead of central's "
                "clock; check the device's time (NTP)",
            )
            return
        voidable = lease = None
        if isinstance(req, m.ReplayTicket):
            origin = req.ticket.origin_request_id
            if origin:
                same_batch = batch.seen.get((node, origin))
                voidable = (
                    same_batch.ticket.ticket_id
                    if same_batch is not None and same_batch.ticket is not None
                    else self.ledger.ticket_of_request(node, origin)
                )
            if req.ticket.lease_id not in self.hall.leases:
                lease = self.ledger.lease(req.ticket.lease_id)
        token_ticket = None
        if isinstance(req, m.LookupTicket | m.SubmitSurvey):
            token_ticket = self.tokens.find(self.hall, req.token)
        if isinstance(req, m.LookupTicket):
            # Read-only: answered now, nothing stored (a ticket page asks often).
            batch.replies.append((node, self.hall.lookup(req, token_ticket)))
            return
        out = self.hall.apply(req, now, voidable, lease, token_ticket)
        if out.reply.refusal is not None:
            self.errors[out.reply.refusal.code] += 1
        elif isinstance(req, m.IssueTicket) and out.reply.ticket is not None:
            # The kiosk prints the ticket page's link from this; events never carry it.
            token = self.tokens.token(out.reply.ticket.ticket_id)
            out.reply = out.reply.model_copy(update={"page_token": token})
        batch.applied.append((req, out))
        batch.seen[(node, req.request_id)] = out.reply
        for alias in out.aliases:
            batch.seen[(node, alias.request_id)] = alias
        batch.replies.append((node, out.reply))

    def _handle_status(self, batch: _Batch, topic: str, payload: bytes, now: datetime) -> None:
        if not payload:
            # A cleared retained status: `antrian provision remove` took the device out of
            # the hall, so it leaves the fleet list too (else it showed OFFLINE for good).
            node = topic.rsplit("/", 1)[-1]
            session = self.fleet.remove(node)
            if session is not None:
                # One batch may hold this node's birth too: the ledger keeps the last word.
                batch.fleet = [e for e in batch.fleet if e.node_id != node]
                batch.fleet_removed.append((node, session))
                log.info("%s removed from the fleet (its status was cleared)", node)
            return
        try:
            status = decode(m.NodeStatus, payload, STATUS_MAX_BYTES)
        except ProtocolError as exc:
            self.errors["invalid_status"] += 1
            log.warning("malformed status on %s ignored: %s", clip(topic, 120), exc.detail)
            return
        node = self.topics.node_of(topic)
        if status.node_id != node:
            # A device may only speak for itself (the ACL gives it its own status topic):
            # a payload naming another node made phantom rows and poisoned real ones.
            self._ignore_status(node, "status_spoofed", f"names {status.node_id!r}")
            return
        if node == CENTRAL_ID:
            return
        self._heard.add(node)
        grant = self.authz.grants.get(node)
        if grant is not None and status.role not in (grant.role, "tool"):
            self._ignore_status(node, "status_wrong_role", f"says {status.role}, is {grant.role}")
            return
        old = self.fleet.nodes.get(node)
        if old is not None and status.session > old.session + MAX_SESSION_JUMP:
            # A session far ahead would make every later birth of the real device look
            # stale. A device re-provisioned (remove, add) starts over from its tombstone.
            self._ignore_status(
                node, "status_session_jump", f"session {status.session} after {old.session}"
            )
            return
        entry = self.fleet.apply(status, now)
        if entry is not None:
            batch.fleet_removed = [r for r in batch.fleet_removed if r[0] != entry.node_id]
            batch.fleet.append(entry)

    def _ignore_status(self, node: str, code: str, detail: str) -> None:
        self.errors[code] += 1
        self._log_refusal(node, code, "", detail, "status")

    # -- publishing (after commit) -------------------------------------------------------

    def _publish_events(self, events: list[m.Event], encoded: Encoded) -> None:
        """Publish committed events in seq order, each tracked until its PUBACK. After a
        failure or a reconnect, every event after the published marker goes again first,
        from the ledger (it holds this batch's events too: they are committed)."""
        self._confirm_published()
        if self._resend_after is not None:
            if not self.link.connected:
                return
            after = self._resend_after
            self._resend_after = None
            log.info("publishing events after seq %d again (not confirmed by the broker)", after)
            while True:
                rows = self.ledger.event_bodies_since(after)
                for seq, body in rows:
                    if not self._publish_event(seq, body):
                        return
                if len(rows) < 1000:
                    return
                after = rows[-1][0]
        for ev in events:
            if not self._publish_event(ev.seq, encoded.of(ev)):
                return

    def _publish_event(self, seq: int, body: bytes) -> bool:
        mid = self.link.publish_mid(self.topics.events, body)
        if mid is None:
            # Not connected (or refused): this one and all later go again on reconnect.
            self._resend_after = min(seq - 1, self._marker())
            return False
        self._outstanding[mid] = seq
        self._sent_upto = max(self._sent_upto, seq)
        return True

    def _marker(self) -> int:
        """The last seq that the broker confirmed, together with every seq before it."""
        if self._outstanding:
            return min(self._outstanding.values()) - 1
        return self._sent_upto

    def _confirm_published(self) -> None:
        """Take the PUBACKs that arrived; the ledger writes the marker with its next
        transaction (or when idle)."""
        acks = self._acks
        while acks:
            self._outstanding.pop(acks.popleft(), None)
        marker = self._marker()
        if self._resend_after is not None:
            marker = min(marker, self._resend_after)
        self.ledger.published_seq = marker

    def _resend_from_marker(self) -> None:
        marker = self._marker()
        if marker < self.hall.seq:
            self._resend_after = (
                marker if self._resend_after is None else min(marker, self._resend_after)
            )
        # Acks for the old connection's message ids may still come: those ids will be
        # reused, so forget them; their events go again.
        self._outstanding.clear()
        self._sent_upto = min(self._sent_upto, marker)

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

    def _publish(self, batch: _Batch) -> None:
        link, topics, hall = self.link, self.topics, self.hall
        for node, reply in batch.replies:
            link.publish(topics.reply(node), batch.encoded.of(reply))
        outcomes = [out for _req, out in batch.applied]
        if batch.day_closed is not None:
            outcomes.insert(0, batch.day_closed)
        events = [ev for out in outcomes for ev in out.events]
        self._publish_events(events, batch.encoded)
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
        elif events:
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

"""The web node's MQTT side (aiomqtt): follows the hall like a display, asks central like a node.

It keeps no queue state of its own: the hall comes from central's retained snapshots and
its events (gap rule and de-duplication by seq, as on a hall board), a ticket from
central's answer to a lookup. A restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from antrian.board_state import BoardState, Update
from antrian.delivery import ConfigOutcome, ConfigReceiver, note_outcome
from antrian.mqtt import MAX_PAYLOAD_BYTES, BrokerSettings, new_request_id
from antrian.runtime import bound_differ, live, start_config
from antrian.session import next_session
from protocol import Topics, decode, encode
from protocol import messages as m
from web.config import WebConfig

log = logging.getLogger(__name__)

SOFTWARE = "antrian-web/0.1"
RESYNC_MIN_INTERVAL_S = 1.0
REQUEST_EXPIRY_S = 30
# What a delivered config (config/web) changes at once: each is read when a page is made
# or a request sent. The others (listen address, proxy, broker, lookup limit, dashboard)
# are bound when the node starts and need a restart.
LIVE_SETTINGS = (
    "hall_name", "public_url", "timezone", "refresh_s", "request_timeout_s", "max_live_clients",
)  # fmt: skip
IDENTITY = ("node_id", "site", "broker", "state_dir")


class Signal:
    """Wakes every live page waiting on it. Each listener is an asyncio.Event, so a burst
    of changes wakes a slow client once and it renders the newest state (nothing queues
    up per client; 1,000 clients cost one set() each)."""

    def __init__(self) -> None:
        self._listeners: set[asyncio.Event] = set()

    def fire(self) -> None:
        for ev in self._listeners:
            ev.set()

    @contextlib.contextmanager
    def listen(self) -> Iterator[asyncio.Event]:
        ev = asyncio.Event()
        self._listeners.add(ev)
        try:
            yield ev
        finally:
            self._listeners.discard(ev)

    def __len__(self) -> int:
        return len(self._listeners)


class CentralUnavailable(RuntimeError):
    """No answer from central (broker or central away); the page says so."""


@dataclass
class WebNode:
    """start() from a running event loop, stop() to leave (with an offline status)."""

    config: WebConfig
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    state: BoardState = field(default_factory=BoardState)
    broker_online: bool = False
    central_online: bool = False
    malformed: int = 0
    changed: Signal = field(default_factory=Signal)  # the hall or the away banner changed
    fleet: m.FleetSnapshot | None = None  # central's device list, for the dashboard
    version: int = 0  # increases with every change of what the hall page shows
    # Every message handled, after the state took it: tickets' watchers hook in here.
    listeners: list[Callable[[str, object], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.topics = Topics(self.config.site)
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[m.Reply]] = {}
        self._central_session = 0
        self._last_resync = -RESYNC_MIN_INTERVAL_S
        self._stopping = False
        self.session = 0
        self.config_receiver: ConfigReceiver | None = None
        self.faults: list[str] = []
        self.detail: str | None = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        self.session = next_session(self.config.state_dir)
        if self.config_receiver is None:
            # The last good delivered config first (no broker needed), then config/web.
            self.config_receiver = start_config(
                type(self.config), self.config.node_id, self.config.state_dir, self.apply_config
            )
        self._task = asyncio.get_running_loop().create_task(self._run(), name="web-mqtt")

    async def stop(self) -> None:
        self._stopping = True
        client = self._client
        if client is not None and self.broker_online:
            with contextlib.suppress(aiomqtt.MqttError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    client.publish(self._status_topic, self._status(False), qos=1, retain=True),
                    2,
                )
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.config_receiver is not None:
            self.config_receiver.cache.close()
            self.config_receiver = None

    def apply_config(self, new: WebConfig, version: int | None) -> None:
        """Take the live settings of a delivered config; name the others, which need a
        restart (and the site's new web.yaml installed, docs/deploy.md)."""
        differ = bound_differ(self.config, new, (*IDENTITY, *LIVE_SETTINGS))
        self.config = live(self.config, new, LIVE_SETTINGS)
        log.info("config v%s applied", version)
        if differ:
            log.warning(
                "config v%s also changes %s: these need a restart of the web node with "
                "the site's new web.yaml (docs/deploy.md)",
                version,
                ", ".join(differ),
            )
        self._changed()  # pages show the new hall name, refresh, ...

    def away(self) -> str | None:
        """'broker' or 'central' when the hall shown may be out of date, else None."""
        if not self.broker_online:
            return "broker"
        if not self.central_online:
            return "central"
        return None

    # -- the link -------------------------------------------------------------------

    @property
    def _status_topic(self) -> str:
        return self.topics.status(self.config.node_id)

    def _status(self, online: bool) -> bytes:
        return encode(
            m.NodeStatus(
                node_id=self.config.node_id,
                role="web",
                online=online,
                session=max(self.session, 1),
                at=self.clock(),
                software=SOFTWARE,
                config_version=rx.version if (rx := self.config_receiver) else None,
                faults=list(self.faults),
                detail=self.detail,
            )
        )

    def _client_for(self, b: BrokerSettings) -> aiomqtt.Client:
        password = b.password
        if b.password_file:
            with open(b.password_file) as fh:
                password = fh.read().strip()
        tls = None
        if b.tls_ca:
            tls = aiomqtt.TLSParameters(ca_certs=b.tls_ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        return aiomqtt.Client(
            b.host,
            b.port,
            identifier=f"{self.config.node_id}-{new_request_id('w')[-8:]}",
            username=b.username,
            password=password,
            protocol=aiomqtt.ProtocolVersion.V5,
            keepalive=b.keepalive_s,
            will=aiomqtt.Will(self._status_topic, self._status(False), qos=1, retain=True),
            tls_params=tls,
            # Without TCP_NODELAY a QoS 1 round trip waits 40+ ms on delayed ACKs
            # (design.md §3); aiomqtt does not set it.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )

    async def _run(self) -> None:
        b = self.config.broker
        delay = b.reconnect_min_s
        while not self._stopping:
            try:
                async with self._client_for(b) as client:
                    self._client = client
                    t = self.topics
                    await client.subscribe(
                        [
                            (t.reply(self.config.node_id), 1),
                            (t.status("central"), 1),
                            (t.events, 1),
                            (t.hall, 1),
                            (t.counter("+"), 1),
                            (t.fleet, 1),
                            (t.config(self.config.node_id), 1),
                        ]
                    )
                    await client.publish(self._status_topic, self._status(True), qos=1, retain=True)
                    self._set_broker(True)
                    delay = b.reconnect_min_s
                    log.info("connected to %s:%s", b.host, b.port)
                    async for msg in client.messages:
                        payload = msg.payload if isinstance(msg.payload, bytes) else b""
                        self.handle(str(msg.topic), payload)
            except aiomqtt.MqttError as exc:
                if not self._stopping:
                    log.warning("broker %s:%s: %s; retrying in %.1fs", b.host, b.port, exc, delay)
            finally:
                self._client = None
                self._set_broker(False)
            if self._stopping:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, b.reconnect_max_s)

    def _set_broker(self, up: bool) -> None:
        if up == self.broker_online:
            return
        self.broker_online = up
        if not up:
            self.central_online = False
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(CentralUnavailable("lost the broker"))
            self._pending.clear()
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self.changed.fire()

    # -- incoming -------------------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> None:
        """One message from the broker (public for tests that feed messages directly)."""
        t = self.topics
        try:
            msg: object = None
            if topic == t.events:
                ev = decode(m.Event, payload)
                msg = ev
                self._apply(self.state.apply_event(ev))
            elif topic == t.hall:
                snap = decode(m.HallSnapshot, payload)
                msg = snap
                self._apply(self.state.apply_snapshot(snap))
            elif topic.startswith(t.counter("")):
                if not payload:
                    return  # a cleared retained snapshot (counter removed)
                cs = decode(m.CounterSnapshot, payload)
                msg = cs
                self._counter_snapshot(cs)
            elif topic == t.fleet:
                if not payload:
                    return
                msg = self.fleet = decode(m.FleetSnapshot, payload)
                self._changed()
            elif topic == t.status("central"):
                if not payload:
                    return
                st = decode(m.NodeStatus, payload)
                msg = st
                # A will from an older session than the last birth is stale.
                if st.session >= self._central_session:
                    self._central_session = st.session
                    if st.online != self.central_online:
                        self.central_online = st.online
                        self._changed()
            elif topic == t.config(self.config.node_id):
                self._delivered(payload)
                return
            elif topic == t.reply(self.config.node_id):
                reply = decode(m.Reply, payload)
                fut = self._pending.pop(reply.request_id, None)
                if fut is not None and not fut.done():
                    fut.set_result(reply)
                return
            else:
                return
        except ValueError as exc:
            self.malformed += 1
            if self.malformed <= 10 or self.malformed % 100 == 0:
                log.warning("malformed message on %s ignored (%d so far): %s", topic,
                            self.malformed, exc)  # fmt: skip
            return
        for listener in self.listeners:
            try:
                listener(topic, msg)
            except Exception:  # one page's bug must not stop the hall feed
                log.exception("listener failed on %s", topic)

    def _delivered(self, payload: bytes) -> None:
        """A config from config/web: applied, or refused with the running one kept (the
        fault and its reason go into the node's status, as on every node)."""
        if self.config_receiver is None:
            return
        outcome: ConfigOutcome = self.config_receiver.receive(payload)
        if outcome.applied and isinstance(outcome.config, type(self.config)):
            self.apply_config(outcome.config, outcome.version)
        self.detail, republish = note_outcome(outcome, self.faults, self.detail)
        client = self._client
        if republish and client is not None:
            status = self._status(True)
            asyncio.get_running_loop().create_task(
                client.publish(self._status_topic, status, qos=1, retain=True)
            )

    def _apply(self, update: Update) -> None:
        if update.changed or update.calls:
            self._changed()
        if update.resync and self._client is not None:
            mono = time.monotonic()
            if mono - self._last_resync >= RESYNC_MIN_INTERVAL_S:
                # Subscribing again makes the broker send the retained snapshot again.
                self._last_resync = mono
                log.info("event gap after seq %s: resyncing from the hall snapshot",
                         self.state.seq)  # fmt: skip
                client = self._client
                asyncio.get_running_loop().create_task(client.subscribe(self.topics.hall, qos=1))

    def _counter_snapshot(self, cs: m.CounterSnapshot) -> None:
        """A counter's retained snapshot comes right after its events; the hall snapshot
        only when the hall is idle. Take it unless the board already shows a later seq
        for that counter."""
        known = self.state.counters.get(cs.counter)
        if known is not None and known.seq > cs.seq:
            return
        if self.state.seq is None:
            return  # no hall yet: the hall snapshot brings every counter
        if known != cs:
            self.state.counters[cs.counter] = cs
            self._changed()

    # -- requests -------------------------------------------------------------------

    async def request(self, req: m.RequestBase, timeout: float | None = None) -> m.Reply:
        """Send a request to central and wait for its reply. Raises CentralUnavailable;
        the caller may send the same request (same id) again: central answers once."""
        client = self._client
        if client is None or not self.broker_online:
            raise CentralUnavailable("no connection to the broker")
        data = encode(req)
        if len(data) > MAX_PAYLOAD_BYTES:
            raise ValueError("request too large")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[m.Reply] = loop.create_future()
        self._pending[req.request_id] = fut
        try:
            # An expiry, like every node's request: one nobody took in time is dropped.
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.MessageExpiryInterval = REQUEST_EXPIRY_S
            await client.publish(
                self.topics.request(self.config.node_id), data, qos=1, properties=props
            )
            return await asyncio.wait_for(fut, timeout or self.config.request_timeout_s)
        except (TimeoutError, aiomqtt.MqttError) as exc:
            raise CentralUnavailable(f"no reply from central: {exc or 'timeout'}") from None
        finally:
            self._pending.pop(req.request_id, None)

    def new_request_id(self) -> str:
        return new_request_id(self.config.node_id)

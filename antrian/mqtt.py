"""The one place that touches paho-mqtt: MQTT 5, TCP_NODELAY, reconnect, birth and will."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import BaseModel, ConfigDict, Field

from protocol import Topics, decode, encode
from protocol import messages as m

log = logging.getLogger(__name__)

ROUTES_MAX = 1024
# The broker's max_packet_size (broker/mosquitto.conf) less room for topic and headers.
MAX_PAYLOAD_BYTES = 256 * 1024
# A broker that stays away is logged again at most this often (the reconnect loop retries
# every few seconds; one line a minute is enough for journalctl).
FAILURE_LOG_EVERY_S = 60.0

Handler = Callable[[str, bytes], object]
RECONNECT_MAX_S = 1.0  # the default cap of the reconnect backoff (BrokerSettings)


class BrokerSettings(BaseModel):
    """How a node reaches the hall's broker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    password_file: str | None = Field(
        default=None, description="File holding the password (provisioned bundles use this)."
    )
    tls_ca: str | None = Field(default=None, description="CA certificate; enables TLS.")
    keepalive_s: int = Field(default=15, ge=5, le=600)
    reconnect_min_s: float = Field(default=0.2, gt=0, le=10)
    # The backoff doubles only while attempts fail: after a few broker restarts in a row a
    # 10 s cap left a hall board unconnected 3-6 s after the broker and central were back
    # (issue 13, chaos seed 91148), against the 2 s a board has to catch up. One broker on
    # the hall's LAN and a few dozen devices: a refused connect a second each costs nothing.
    reconnect_max_s: float = Field(
        default=RECONNECT_MAX_S,
        gt=0,
        le=300,
        description="Longest wait between connection attempts; keep it at or under 1 s "
        "for displays (a board catches up within 2 s of the broker's return).",
    )


@dataclass
class Identity:
    """Who this connection is: used for the client id, the will and the birth."""

    node_id: str
    role: m.Role
    session: int
    software: str = ""
    config_version: int | None = None


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class MqttLink:
    """A connection to the broker that stays up: reconnects with backoff, resubscribes,
    announces a birth on every connect and leaves a will for the broker to publish.

    Handlers run on paho's network thread; nodes hand messages to their own loop.
    """

    broker: BrokerSettings
    topics: Topics
    identity: Identity
    on_connection: Callable[[bool], None] | None = None
    # Called on the network thread with the message id of each QoS 1 publish the broker
    # acknowledged (PUBACK): how central knows an event really left (issue 13).
    on_published: Callable[[int], None] | None = None
    faults: list[str] = field(default_factory=list)
    detail: str | None = None
    outbox: int | None = None  # a kiosk's outbox depth, reported in its status
    _subs: dict[str, tuple[int, list[Handler]]] = field(default_factory=dict)
    # topic -> its handlers: a node sees the same few topics all day; matching each one
    # against every filter again cost more than the rest of the dispatch.
    _routes: dict[str, list[Handler]] = field(default_factory=dict)
    _session: threading.Event = field(default_factory=threading.Event)  # may publish
    _connected: threading.Event = field(default_factory=threading.Event)  # and subscribed
    _unacked: set[int] = field(default_factory=set)  # SUBSCRIBEs of this connection
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _client: paho.Client | None = None
    _stopping: bool = False
    # Why the last connection attempt failed ("connection refused", "Not authorized", a
    # TLS error), None once connected: what `antrian status` tells a technician.
    last_error: str | None = None
    _failure_logged: tuple[str, float] | None = None

    # -- lifecycle ------------------------------------------------------------------

    @property
    def announces(self) -> bool:
        """Devices and central publish a retained birth and leave a will; a one-off tool
        (`antrian status`, provisioning, a sign-in) does not: its retained offline status
        stayed in the fleet list for good after every run."""
        return self.identity.role != "tool"

    def start(self) -> None:
        # 128 random bits: another device cannot guess it to take this connection over (the
        # ACL keeps $SYS, where the broker logs client ids, from devices; docs/deploy.md).
        client_id = f"{self.identity.node_id}-{uuid.uuid4().hex}"
        c = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5,
        )
        b = self.broker
        if b.username:
            password = b.password
            if b.password_file:
                with open(b.password_file) as fh:
                    password = fh.read().strip()
            c.username_pw_set(b.username, password)
        if b.tls_ca:
            c.tls_set(ca_certs=b.tls_ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        c.reconnect_delay_set(b.reconnect_min_s, b.reconnect_max_s)  # type: ignore[arg-type]
        if self.announces:
            c.will_set(
                self.topics.status(self.identity.node_id),
                encode(self.status(online=False)),
                qos=1,
                retain=True,
            )
        c.on_socket_open = self._on_socket_open
        c.on_connect = self._on_connect
        c.on_connect_fail = self._on_connect_fail
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_subscribe = self._on_subscribe
        if self.on_published is not None:
            c.on_publish = self._on_publish
        self._client = c
        self._stopping = False
        c.connect_async(b.host, b.port, keepalive=b.keepalive_s, clean_start=True)
        c.loop_start()

    def stop(self) -> None:
        """Clean shutdown: an offline status (the broker drops the will), then disconnect."""
        c = self._client
        if c is None:
            return
        self._stopping = True
        if self._session.is_set() and self.announces:
            info = c.publish(
                self.topics.status(self.identity.node_id),
                encode(self.status(online=False)),
                qos=1,
                retain=True,
            )
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2)
        c.disconnect()
        c.loop_stop()
        self._client = None
        self._session.clear()
        self._connected.clear()

    def wait_connected(self, timeout: float) -> bool:
        """Connected and subscribed: the broker acknowledged every subscription, so a
        message sent to this node from now on reaches it."""
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        """The session is up: publishing works (subscription acks may still be on the way;
        retained messages that arrive first may already need to answer)."""
        return self._session.is_set()

    # -- status -----------------------------------------------------------------------

    def status(self, online: bool) -> m.NodeStatus:
        i = self.identity
        return m.NodeStatus(
            node_id=i.node_id,
            role=i.role,
            online=online,
            session=i.session,
            at=_now(),
            software=i.software,
            config_version=i.config_version,
            faults=list(self.faults),
            detail=self.detail,
            outbox=self.outbox,
        )

    def publish_status(self) -> None:
        """Re-announce the birth, e.g. after a fault appeared or cleared."""
        if self.connected and self.announces:
            self.publish(
                self.topics.status(self.identity.node_id), encode(self.status(True)), retain=True
            )

    # -- pub/sub ----------------------------------------------------------------------

    def subscribe(self, topic_filter: str, handler: Handler, qos: int = 1) -> None:
        """Add a handler; several handlers may share one filter. Subscribing again with the
        same handler adds nothing but makes the broker resend the retained message (how a
        display resyncs from the hall snapshot)."""
        with self._lock:
            _qos, handlers = self._subs.get(topic_filter, (qos, []))
            if handler not in handlers:
                handlers = [*handlers, handler]
            self._subs[topic_filter] = (max(qos, _qos), handlers)
            self._routes.clear()
        if self._client is not None and self.connected:
            self._client.subscribe(topic_filter, qos=qos)

    def publish(
        self,
        topic: str,
        payload: bytes,
        qos: int = 1,
        retain: bool = False,
        expiry_s: int | None = None,
    ) -> bool:
        """Queue a publish; False when there is no connection (nothing is queued then)."""
        return self.publish_mid(topic, payload, qos, retain, expiry_s) is not None

    def publish_mid(
        self,
        topic: str,
        payload: bytes,
        qos: int = 1,
        retain: bool = False,
        expiry_s: int | None = None,
    ) -> int | None:
        """Queue a publish; its message id (on_published reports its PUBACK), or None when
        nothing was queued."""
        c = self._client
        if c is None or not self.connected:
            return None
        if len(payload) > MAX_PAYLOAD_BYTES:
            log.error(
                "not publishing %d bytes on %s: over the broker's limit of %d (a bug; report it)",
                len(payload),
                topic,
                MAX_PAYLOAD_BYTES,
            )
            return None
        props = None
        if expiry_s is not None:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.MessageExpiryInterval = expiry_s
        info = c.publish(topic, payload, qos=qos, retain=retain, properties=props)
        return info.mid if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS else None

    # -- paho callbacks (network thread) -------------------------------------------------

    def _on_socket_open(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        # Without TCP_NODELAY a QoS 1 round trip waits 40+ ms on delayed ACKs (design.md §3).
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            log.warning("could not set TCP_NODELAY on the MQTT socket")

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            hint = ""
            if reason.value in (0x86, 0x87):  # bad user name or password, not authorized
                hint = " (check the username and password_file of this device's config)"
            self._failed(f"broker refused the connection: {reason}{hint}")
            return
        self.last_error = None
        self._failure_logged = None
        with self._lock:
            subs = list(self._subs.items())
            self._unacked = set()
            for topic_filter, (qos, _handler) in subs:
                _rc, mid = client.subscribe(topic_filter, qos=qos)
                if mid is not None:
                    self._unacked.add(mid)
            waiting = bool(self._unacked)
        # After the SUBSCRIBEs: the broker handles one client's packets in order, so a
        # request published from now on has its reply subscription in place first.
        self._session.set()
        if self.announces:
            client.publish(
                self.topics.status(self.identity.node_id),
                encode(self.status(online=True)),
                qos=1,
                retain=True,
            )
        if not waiting:
            self._up()

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        # paho calls this inside its `except OSError`: the exception is the reason.
        exc = sys.exc_info()[1]
        b = self.broker
        if isinstance(exc, ssl.SSLError):
            why = f"TLS failed: {exc} (check tls_ca; the broker's certificate must name {b.host})"
        elif isinstance(exc, socket.gaierror):
            why = f"cannot resolve {b.host}: {exc} (check broker.host)"
        elif isinstance(exc, ConnectionRefusedError):
            why = "connection refused (is Mosquitto running, on this port?)"
        else:
            why = f"cannot connect: {exc or 'unknown error'}"
        self._failed(f"broker {b.host}:{b.port}: {why}")

    def _failed(self, why: str) -> None:
        """Remember why, and log it: at once when the reason is new, then once a minute."""
        self.last_error = why
        t = time.monotonic()
        last = self._failure_logged
        if last is None or last[0] != why or t - last[1] >= FAILURE_LOG_EVERY_S:
            self._failure_logged = (why, t)
            log.warning("%s; retrying", why)

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if self.on_published is not None and not reason.is_failure:
            self.on_published(mid)

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        with self._lock:
            if mid not in self._unacked:
                return  # a later subscribe() while connected
            self._unacked.discard(mid)
            done = not self._unacked
        for rc in reason_codes:
            if rc.is_failure:
                log.warning("broker refused a subscription: %s (check its ACL)", rc)
        if done:
            self._up()

    def _up(self) -> None:
        """Every subscription acknowledged: wait_connected() returns and on_connection
        runs (a test or a node that waits for this, then asks, never loses a message)."""
        self._connected.set()
        log.info("connected to %s:%s", self.broker.host, self.broker.port)
        if self.on_connection:
            self.on_connection(True)

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        was = self._connected.is_set()
        self._session.clear()
        self._connected.clear()
        if was:
            level = logging.INFO if self._stopping else logging.WARNING
            log.log(level, "disconnected from broker: %s", reason)
            if self.on_connection:
                self.on_connection(False)

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        handlers = self._routes.get(msg.topic)
        if handlers is None:
            with self._lock:
                handlers = [
                    h
                    for f, (_q, hs) in self._subs.items()
                    if paho.topic_matches_sub(f, msg.topic)
                    for h in hs
                ]
                if len(self._routes) > ROUTES_MAX:  # topics with ids in them keep coming
                    self._routes.clear()
                self._routes[msg.topic] = handlers
        for handler in handlers:
            try:
                handler(msg.topic, bytes(msg.payload))
            except Exception:  # a handler bug must not kill the network thread
                log.exception("handler for %s failed", msg.topic)


class RequestTimeout(TimeoutError):
    pass


@dataclass
class Requester:
    """Request/reply over a link: publishes to request/{node}, matches reply/{node} by id."""

    link: MqttLink
    expiry_s: int = 30
    _pending: dict[str, Future[m.Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    malformed: int = 0

    def __post_init__(self) -> None:
        self.link.subscribe(self.link.topics.reply(self.link.identity.node_id), self._on_reply)

    def _on_reply(self, topic: str, payload: bytes) -> None:
        try:
            reply = decode(m.Reply, payload)
        except ValueError as exc:
            self.malformed += 1
            log.warning("malformed reply ignored: %s", exc)
            return
        with self._lock:
            fut = self._pending.pop(reply.request_id, None)
        if fut is not None and not fut.done():
            fut.set_result(reply)

    def send(self, request: m.RequestBase) -> Future[m.Reply]:
        """Publish the request; the future resolves with central's reply (or never)."""
        fut: Future[m.Reply] = Future()
        with self._lock:
            self._pending[request.request_id] = fut
        ok = self.link.publish(
            self.link.topics.request(self.link.identity.node_id),
            encode(request),
            expiry_s=self.expiry_s,
        )
        if not ok:
            with self._lock:
                self._pending.pop(request.request_id, None)
            fut.set_exception(RequestTimeout("not connected to the broker"))
        return fut

    def call(
        self,
        request: m.RequestBase,
        timeout: float,
        meanwhile: Callable[[], object] | None = None,
    ) -> m.Reply:
        """Send and wait. Raises RequestTimeout; the caller may retry with the same id.
        `meanwhile` runs after sending, while the request is on its way."""
        fut = self.send(request)
        if meanwhile is not None:
            try:
                meanwhile()
            except Exception:  # the request is out: its reply must still be waited for
                log.exception("work while waiting for %s failed", request.request_id)
        try:
            return fut.result(timeout)
        except RequestTimeout:
            raise
        except TimeoutError:
            with self._lock:
                self._pending.pop(request.request_id, None)
            raise RequestTimeout(f"no reply to {request.request_id} in {timeout}s") from None


def new_request_id(node_id: str) -> str:
    """Unique across restarts without coordination: node id plus a random part."""
    return f"{node_id[:24]}.{uuid.uuid4().hex[:24]}"


def now() -> datetime:
    return _now()

"""Central away: the kiosk issues from its leases, keeps an outbox, and replays it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import edge.kiosk.node as kiosk_node
from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.config import CentralConfig
from central.testing import CentralProcess, make_config
from protocol import Topics
from protocol import messages as m

from .conftest import Rig


def _press_spaced(rig: Rig, key: str) -> None:
    """One citizen after another: the next presses once this ticket is out and the repeat
    guard after it is over (a fixed pause assumed the ticket out within 60 ms; under load
    it took 85 and the next press fell in the guard, rightly dropped)."""
    rig.press(key)
    rig.kiosk.loop.inspect(lambda: None, timeout=5)  # the worker has taken the press
    time.sleep(rig.config.press.repeat_guard_s + 0.03)


def test_outage_twenty_presses_reconcile(
    broker: DevBroker,
    tmp_path: Path,
    rig_factory: Callable[..., Rig],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kiosk_node, "OUTBOX_REPORT_S", 0.5)
    config = make_config(broker.port, tmp_path / "central")
    catalogue = load_catalogue(config.catalogue)
    central = Central(config, catalogue)
    central.start()
    rig = rig_factory(press={"bounce_ms": 5, "repeat_guard_s": 0.05, "priority_window_s": 5})
    assert rig.wait_for(rig.kiosk.central_up)
    rig.wait_leases()
    central.stop()  # a clean stop publishes central offline
    assert rig.wait_for(lambda: not rig.kiosk.central_up() and rig.led("offline"))

    keys = ["dukcapil", "skck", "sim"] * 7
    for key in keys[:20]:
        _press_spaced(rig, key)
    jobs = rig.wait_jobs(20)
    assert len(jobs) == 20
    assert all("Dicetak saat luring (offline)" in t for t in rig.texts())
    box = rig.outbox()
    assert len(box.unreplayed()) == 20
    # The depth goes out in the kiosk's status (for the dashboard), rate-limited.
    assert rig.wait_for(lambda: rig.kiosk.link.outbox == 20, 3)

    central = Central(config, catalogue)
    central.start()
    try:
        assert rig.wait_for(lambda: box.unreplayed() == [], 10), "outbox not replayed"
        node_id = rig.config.node_id
        assert rig.wait_for(lambda: central.fleet.nodes[node_id].outbox == 0, 3)
        tickets = sorted(central.hall.tickets.values(), key=lambda t: t.issued_at)
        assert len(tickets) == 20
        assert all(t.offline and t.status == "waiting" for t in tickets)
        printed = [t.splitlines()[5] for t in rig.texts()]
        assert [t.label for t in tickets] == printed  # central's order is the issue order
        assert len({(t.queue, t.number) for t in tickets}) == 20
        for q in ("dukcapil", "skck", "sim"):
            numbers = [t.number for t in tickets if t.queue == q]
            assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
        assert rig.wait_for(lambda: not rig.led("offline"))
        # Back online, the next press is central's again and follows the leased block.
        _press_spaced(rig, "dukcapil")
        rig.wait_jobs(21)
        assert "luring" not in rig.texts()[20]
    finally:
        box.close()
        central.stop()


@contextmanager
def hung_central(
    broker: DevBroker, tmp_path: Path, rig_factory: Callable[..., Rig]
) -> Iterator[tuple[CentralProcess, Rig, CentralConfig]]:
    """A kiosk with its leases, and central as a process that then hangs: connected to
    the broker, silent (SIGSTOP). Resumed and stopped on the way out."""
    config = make_config(broker.port, tmp_path / "central")
    proc = CentralProcess(config).start()
    try:
        rig = rig_factory()
        assert rig.wait_for(rig.kiosk.central_up, 10)
        rig.wait_leases()
        assert proc.proc is not None
        os.kill(proc.proc.pid, signal.SIGSTOP)
        yield proc, rig, config
    finally:
        if proc.proc is not None and proc.proc.poll() is None:
            os.kill(proc.proc.pid, signal.SIGCONT)
        proc.stop()


def test_timeout_issues_from_lease_and_voids_the_late_online_ticket(
    broker: DevBroker, tmp_path: Path, rig_factory: Callable[..., Rig]
) -> None:
    with hung_central(broker, tmp_path, rig_factory) as (proc, rig, config):
        assert proc.proc is not None
        t0 = time.monotonic()
        rig.press("dukcapil")
        rig.wait_jobs(1, timeout=5)
        waited = time.monotonic() - t0
        assert 1.4 <= waited < 3.0, waited  # about request_timeout_s, not longer
        box = rig.outbox()
        [offline] = box.tickets()
        assert offline.origin == "offline" and offline.origin_request_id is not None
        # Leased blocks come from the top of the day's range (Dukcapil's quota is 200).
        assert offline.view.label == f"A{offline.number:03d}" and offline.number > 100
        os.kill(proc.proc.pid, signal.SIGCONT)  # central applies the late request, then replay
        assert rig.wait_for(lambda: box.unreplayed() == [], 10)
        box.close()
        proc.stop()
        # Central's ledger: the late online ticket is void, the printed offline one waits.
        ledger_central = Central(config, load_catalogue(config.catalogue))
        from central.ledger import Ledger

        ledger = Ledger(config.ledger_path)
        hall = ledger.load(ledger_central.catalogue, offline.business_day)
        ledger.close()
        statuses = sorted((t.label, t.status, t.offline) for t in hall.tickets.values())
        assert statuses == [("A001", "void", False), (offline.view.label, "waiting", True)]


def test_exhausted_lease_refuses_and_never_invents_numbers(
    broker: DevBroker, tmp_path: Path, rig_factory: Callable[..., Rig]
) -> None:
    config = make_config(broker.port, tmp_path / "central")
    central = Central(config, load_catalogue(config.catalogue))
    central.start()
    rig = rig_factory(lease={"size": 2, "low_water": 0})
    assert rig.wait_for(rig.kiosk.central_up)
    rig.wait_leases(("dukcapil",))
    central.stop()
    assert rig.wait_for(lambda: not rig.kiosk.central_up())
    for _ in range(3):
        _press_spaced(rig, "dukcapil")
    rig.wait_jobs(3)
    first, second, slip = rig.texts()
    # The only block is the top of Dukcapil's range (quota 200).
    assert "A199" in first.splitlines() and "A200" in second.splitlines()
    assert "Sistem offline, nomor habis." in slip.splitlines()
    assert "NOMOR ANTRIAN" not in slip
    assert rig.kiosk.counters["exhausted"] == 1
    box = rig.outbox()
    assert [t.number for t in box.tickets()] == [199, 200]
    box.close()


def test_press_refused_after_a_timeout_is_not_asked_again_later(
    broker: DevBroker, tmp_path: Path, rig_factory: Callable[..., Rig]
) -> None:
    """Central hangs and the printer ran out meanwhile: the citizen is told no (two beeps),
    so the unanswered request is dropped, not resolved later into a ticket for nobody."""
    with hung_central(broker, tmp_path, rig_factory) as (proc, rig, _config):
        assert proc.proc is not None
        rig.device.drive("paper_out")  # not polled yet: the press goes out to central
        rig.press("dukcapil")
        assert rig.wait_for(lambda: rig.kiosk.counters["presses_ignored"] >= 1, 5)
        box = rig.outbox()
        assert box.intents() == [] and box.tickets() == []
        os.kill(proc.proc.pid, signal.SIGCONT)  # central answers the late request now
        rig.device.drive("ok")
        rig.kiosk.recheck_printer()
        # Past the timeout's suspicion of central and two background rounds (intents,
        # replay): without the drop, this is when the kiosk would print it.
        time.sleep(kiosk_node.SUSPECT_S + 2 * kiosk_node.BACKGROUND_S + 0.5)
        assert rig.kiosk.wait_idle(5)
        assert rig.device.jobs == [] and box.intents() == [] and box.tickets() == []
        box.close()


def test_before_central_ever_ran_a_press_is_answered_at_once(
    broker: DevBroker, tmp_path: Path, rig_factory: Callable[..., Rig]
) -> None:
    """A hall switched on kiosk first: until central's birth the kiosk does not ask it (each
    ask would hold the citizen for a whole request timeout); with no block leased yet the
    press is refused with the slip at once, and once central is up the next press prints."""
    rig = rig_factory()
    assert rig.kiosk.link.wait_connected(5)
    t0 = time.monotonic()
    rig.press("dukcapil")
    rig.wait_jobs(1)
    assert time.monotonic() - t0 < rig.config.request_timeout_s
    assert "Sistem offline, nomor habis." in rig.texts()[0].splitlines()
    config = make_config(broker.port, tmp_path / "central")
    central = Central(config, load_catalogue(config.catalogue))
    central.start()
    try:
        assert rig.wait_for(rig.kiosk.central_up)
        time.sleep(rig.config.press.repeat_guard_s)
        rig.press("dukcapil")
        rig.wait_jobs(2)
        second = rig.texts()[1]
        assert "A001" in second.splitlines() and "Dicetak saat luring (offline)" not in second
    finally:
        central.stop()


def test_a_queue_a_supervisor_closed_stays_closed_while_central_is_away(
    broker: DevBroker, tmp_path: Path, rig_factory: Callable[..., Rig]
) -> None:
    config = make_config(broker.port, tmp_path / "central")
    central = Central(config, load_catalogue(config.catalogue))
    central.start()
    rig = rig_factory(press={"bounce_ms": 5, "repeat_guard_s": 0.05, "priority_window_s": 5})
    assert rig.wait_for(rig.kiosk.central_up)
    rig.wait_leases()
    web = MqttLink(BrokerSettings(port=broker.port), Topics("demo"), Identity("web", "web", 1))
    web.start()
    try:
        assert web.wait_connected(5)
        close = m.CloseQueue(
            request_id=new_request_id("web"), node_id="web", sent_at=now(), queue="skck",
            supervisor="siti",
        )  # fmt: skip
        assert Requester(web).call(close, 5).ok
    finally:
        web.stop()
    box = rig.outbox()
    try:
        # The hall snapshot that says so reaches the kiosk, then central goes away.
        assert rig.wait_for(lambda: rig.kiosk.closed_early("skck", central.hall.day))
        central.stop()
        assert rig.wait_for(lambda: not rig.kiosk.central_up())
        _press_spaced(rig, "skck")
        _press_spaced(rig, "dukcapil")
        rig.wait_jobs(2)
        texts = rig.texts()
        assert "ditutup hari ini" in texts[0]  # the refusal slip
        assert "Dicetak saat luring (offline)" in texts[1]  # other queues still issue
        assert [t.queue for t in box.unreplayed()] == ["dukcapil"]
    finally:
        box.close()

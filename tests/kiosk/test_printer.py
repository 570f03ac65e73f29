"""Printer faults: each status stops presses, shows on the LED and in the node's status;
a ticket issued but not printed is reprinted after recovery."""

from __future__ import annotations

import threading

import pytest

from antrian.mqtt import BrokerSettings, Identity, MqttLink
from central import Central
from edge.kiosk._escpos import EscposPrinter, SimulatedDevice, parse_status
from edge.kiosk.hardware import PrinterStatus
from protocol import Topics, decode
from protocol import messages as m

from .conftest import Rig

FAULTS = ["paper_out", "paper_low", "cover_open", "offline", "unknown"]
REPORTED = {
    "paper_out": "paper_out",
    "paper_low": "paper_low",
    "cover_open": "cover_open",
    "offline": "printer_offline",
    "unknown": "printer_status_unknown",
}


def test_status_bytes_are_read_strictly() -> None:
    assert parse_status(b"\x12", b"\x12", b"\x12") is PrinterStatus.OK
    assert parse_status(b"\x12", b"\x12", b"\x1e") is PrinterStatus.PAPER_LOW
    assert parse_status(b"\x1a", b"\x32", b"\x72") is PrinterStatus.PAPER_OUT
    assert parse_status(b"\x1a", b"\x16", b"\x12") is PrinterStatus.COVER_OPEN
    assert parse_status(b"", b"", b"") is PrinterStatus.OFFLINE
    assert parse_status(b"\x12", b"", b"") is PrinterStatus.UNKNOWN
    assert parse_status(b"\x12", b"\x12", b"\xff") is PrinterStatus.UNKNOWN


def test_escpos_paper_status_says_adequate_for_a_silent_printer() -> None:
    # The trap design.md §6 names: escpos 3.1 reports paper 'adequate' (2) when nothing
    # answers. Our port reports the same silent device as offline.
    device = SimulatedDevice()
    device.drive("offline")
    assert device.paper_status() == 2
    assert EscposPrinter(device).status() is PrinterStatus.OFFLINE


class StatusWatch:
    def __init__(self, port: int, node_id: str) -> None:
        self.latest: m.NodeStatus | None = None
        self.changed = threading.Condition()
        self.link = MqttLink(
            BrokerSettings(port=port), Topics("demo"), Identity("t-watch", "tool", 1)
        )
        self.link.subscribe(Topics("demo").status(node_id), self._on)
        self.link.start()

    def _on(self, topic: str, payload: bytes) -> None:
        with self.changed:
            self.latest = decode(m.NodeStatus, payload)
            self.changed.notify_all()

    def wait_faults(self, faults: list[str], timeout: float = 5.0) -> bool:
        with self.changed:
            return self.changed.wait_for(
                lambda: self.latest is not None and self.latest.faults == faults, timeout
            )


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_stops_presses_and_is_reported(rig: Rig, central: Central, fault: str) -> None:
    watch = StatusWatch(rig.config.broker.port, rig.config.node_id)
    try:
        rig.device.drive(fault)
        rig.kiosk.recheck_printer()
        assert watch.wait_faults([REPORTED[fault]]), watch.latest
        assert rig.wait_for(lambda: rig.led("fault") and not rig.led("ready"))
        assert rig.wait_for(lambda: len(rig.factory.pin(24).states) > 1)  # the buzzer sounded
        rig.press("dukcapil")
        assert rig.wait_for(lambda: rig.kiosk.counters["presses_ignored"] >= 1)
        assert rig.kiosk.wait_idle(3)
        assert rig.device.jobs == []
        assert central.hall.tickets == {}
        # The technician fixes it: presses work again and the fault clears everywhere.
        rig.device.drive("ok")
        rig.kiosk.recheck_printer()
        assert watch.wait_faults([])
        assert rig.wait_for(lambda: not rig.led("fault") and rig.led("ready"))
        rig.press("dukcapil")
        assert len(rig.wait_jobs(1)) == 1
        assert "A001" in rig.texts()[0].splitlines()  # the first online number of the day
    finally:
        watch.link.stop()


def test_central_fleet_shows_the_fault(rig: Rig, central: Central) -> None:
    # What `antrian status` reads: central's retained fleet snapshot on the broker.
    seen: list[m.FleetSnapshot] = []
    topics = Topics("demo")
    link = MqttLink(
        BrokerSettings(port=rig.config.broker.port), topics, Identity("t-fl", "tool", 1)
    )
    link.subscribe(topics.fleet, lambda _t, p: seen.append(decode(m.FleetSnapshot, p)))
    link.start()
    try:
        rig.device.drive("paper_out")
        rig.kiosk.recheck_printer()

        def fleet_fault() -> bool:
            nodes = seen[-1].nodes if seen else []
            entry = next((n for n in nodes if n.node_id == rig.config.node_id), None)
            return entry is not None and entry.online and entry.faults == ["paper_out"]

        assert rig.wait_for(fleet_fault, 5)
    finally:
        link.stop()


def test_ticket_lost_mid_print_is_reprinted_after_recovery(rig: Rig, central: Central) -> None:
    rig.device.jam_next_job = True
    rig.press("skck")
    assert rig.wait_for(lambda: rig.kiosk.printer_status is PrinterStatus.PAPER_OUT)
    assert rig.device.jobs == []
    assert len(central.hall.tickets) == 1  # issued at central, recorded, not printed
    box = rig.outbox()
    assert [t.view.label for t in box.unprinted()] == ["B001"]
    rig.device.drive("ok")
    rig.kiosk.recheck_printer()
    jobs = rig.wait_jobs(1)
    assert len(jobs) == 1
    lines = rig.texts()[0].splitlines()
    assert "B001" in lines and "** CETAK ULANG **" in lines
    assert rig.wait_for(lambda: box.unprinted() == [])
    box.close()


def test_fault_found_during_the_request_prints_the_ticket_after_recovery(
    rig: Rig, central: Central
) -> None:
    """The press reads the last polled status (a fresh query would put a USB round trip
    before the request) and queries the printer while central answers: a fault that came
    since the last poll keeps the issued ticket in the outbox until the printer is back."""
    rig.device.drive("paper_out")  # the kiosk has not polled since: it still reads OK
    rig.press("skck")
    assert rig.wait_for(lambda: rig.kiosk.printer_status is PrinterStatus.PAPER_OUT)
    assert rig.wait_for(lambda: len(central.hall.tickets) == 1)
    assert rig.device.jobs == []
    box = rig.outbox()
    assert rig.wait_for(lambda: [t.view.label for t in box.unprinted()] == ["B001"])
    rig.press("skck")  # the fault is known now: refused before asking central
    assert rig.wait_for(lambda: rig.kiosk.counters["presses_ignored"] >= 1)
    assert len(central.hall.tickets) == 1
    rig.device.drive("ok")
    rig.kiosk.recheck_printer()
    assert len(rig.wait_jobs(1)) == 1
    assert "B001" in rig.texts()[0].splitlines()
    assert rig.wait_for(lambda: box.unprinted() == [])
    box.close()


def test_first_press_after_a_fix_prints_without_waiting_for_the_poll(
    rig: Rig, central: Central
) -> None:
    rig.device.drive("cover_open")
    rig.kiosk.recheck_printer()
    assert rig.wait_for(lambda: rig.kiosk.printer_status is PrinterStatus.COVER_OPEN)
    rig.device.drive("ok")  # the technician closes the cover; no poll has seen it yet
    rig.press("skck")
    assert len(rig.wait_jobs(1)) == 1
    assert rig.kiosk.counters["presses_ignored"] == 0

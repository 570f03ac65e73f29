"""Presses on MockFactory pins through a real Mosquitto and a real central."""

from __future__ import annotations

import time
from collections.abc import Callable

from central import Central

from .conftest import Rig


def test_press_prints_central_ticket(rig: Rig, central: Central) -> None:
    rig.press("dukcapil")
    jobs = rig.wait_jobs(1)
    assert len(jobs) == 1
    text = rig.texts()[0]
    lines = text.splitlines()
    assert "Mal Pelayanan Publik Kota Demo" in lines[0]  # hall name from central's snapshot
    assert "Dukcapil" in lines
    assert "NOMOR ANTRIAN" in lines
    ticket = next(t for t in central.hall.tickets.values())
    assert ticket.label == "A001"  # leases come from the top of the range: online starts at 1
    assert ticket.label in lines
    assert "Antrian sebelum Anda: 0" in lines
    assert "Terima kasih" in lines
    assert "luring" not in text
    assert rig.qrs()[0] == [ticket.id]


def bounce(rig: Rig, key: str, edges: int) -> None:
    from .conftest import PINS

    pin = rig.factory.pin(PINS[key])
    for _ in range(edges):
        pin.drive_low()
        time.sleep(0.001)
        pin.drive_high()
        time.sleep(0.001)


def test_bounce_gives_one_ticket(rig: Rig) -> None:
    bounce(rig, "dukcapil", 8)
    assert len(rig.wait_jobs(1)) == 1
    assert rig.kiosk.wait_idle(3)
    time.sleep(0.1)
    assert len(rig.device.jobs) == 1


def test_double_press_gives_one_ticket_then_guard_expires(rig: Rig) -> None:
    rig.press("skck")
    rig.wait_jobs(1)
    rig.press("skck")  # the impatient second press, well inside repeat_guard_s (0.3 s)
    assert rig.kiosk.wait_idle(3)
    assert len(rig.device.jobs) == 1
    time.sleep(rig.config.press.repeat_guard_s + 0.05)
    rig.press("skck")  # the next citizen
    assert len(rig.wait_jobs(2)) == 2
    labels = [t.splitlines()[5] for t in rig.texts()]
    assert labels == ["B001", "B002"]


def test_held_button_gives_one_ticket(rig: Rig) -> None:
    rig.press("sim", hold_s=1.0)
    assert rig.kiosk.wait_idle(3)
    time.sleep(0.5)
    assert len(rig.device.jobs) == 1


def test_priority_gesture(rig: Rig, central: Central) -> None:
    rig.press("priority")
    assert rig.wait_for(lambda: rig.kiosk.gate.priority_armed(time.monotonic()))
    rig.press("dukcapil")
    rig.wait_jobs(1)
    assert "PRIORITAS" in rig.texts()[0].splitlines()
    assert [t.priority for t in central.hall.tickets.values()] == [True]
    time.sleep(rig.config.press.repeat_guard_s + 0.05)
    rig.press("dukcapil")  # the gesture applies to one ticket only
    rig.wait_jobs(2)
    assert "PRIORITAS" not in rig.texts()[1].splitlines()


def test_refusal_priority_not_allowed_prints_slip(rig: Rig, central: Central) -> None:
    rig.press("priority")
    rig.press("nikah")
    rig.wait_jobs(1)
    text = rig.texts()[0]
    words = " ".join(text.split())  # the slip breaks lines between words to fit 58 mm
    assert "MAAF" in text and "Layanan ini tidak memiliki antrian prioritas." in words
    assert "NOMOR ANTRIAN" not in text
    assert central.hall.tickets == {}
    assert rig.wait_for(lambda: rig.kiosk.last_refusal == "priority_not_allowed")


def test_healthy_only_while_the_worker_comes_round(rig: Rig, central: Central) -> None:
    """What systemd's watchdog pings on (antrian kiosk runs a Heartbeat on it): a printer
    driver that hangs in a write stops the pings."""
    assert rig.wait_for(rig.kiosk.healthy)
    rig.kiosk.loop.watch.stall_s = 0.2
    rig.device.delay_s = 0.8
    rig.press("dukcapil")
    assert rig.wait_for(lambda: not rig.kiosk.healthy(), 3)
    assert len(rig.wait_jobs(1)) == 1
    assert rig.wait_for(rig.kiosk.healthy, 3)


def test_qr_links_to_the_ticket_page_by_its_token(
    central: Central, rig_factory: Callable[..., Rig]
) -> None:
    rig = rig_factory(status_url="https://antrian.example.go.id/t/{token}")
    assert rig.wait_for(rig.kiosk.central_up, 5)
    rig.press("dukcapil")
    rig.wait_jobs(1)
    ticket = next(t for t in central.hall.tickets.values())
    token = central.tokens.token(ticket.id)
    assert rig.qrs()[0] == [f"https://antrian.example.go.id/t/{token}"]
    assert ticket.id not in rig.qrs()[0][0]

"""Presses on MockFactory pins through a real Mosquitto and a real central."""

from __future__ import annotations

import time

from central import Central
from tests.kiosk.conftest import Rig


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
    assert ticket.label == "A011"  # A001..A010 are the kiosk's lease
    assert ticket.label in lines
    assert "Antrian di depan Anda: 0" in lines
    assert "Terima kasih" in lines
    assert "luring" not in text
    assert rig.qrs()[0] == [ticket.id]

"""Issue 16: a citizen at one kiosk is not refused "kuota habis" while numbers of the quota
sit unused in another kiosk's block. When central has no number of its own left, the kiosks
give back the unused tops of their blocks (return_lease) and central issues them online:
two kiosks and central through a real Mosquitto, each number of the quota issued once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from antrian.devbroker import DevBroker
from antrian.mqtt import now
from central import Central, load_catalogue
from central.testing import DEMO_CATALOGUE, make_config
from edge.kiosk.outbox import Outbox

from .conftest import Rig, make_rig

QUOTA = 3  # a kiosk may hold max(1, quota // 10) = 1 unused number


def start_central(broker: DevBroker, state_dir: Path, catalogue: Path) -> Central:
    c = Central(make_config(broker.port, state_dir, catalogue=catalogue), load_catalogue(catalogue))
    c.start()
    assert c.link.wait_connected(5)
    return c


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    raw = yaml.safe_load(DEMO_CATALOGUE.read_text())
    for q in raw["queues"]:
        if q["id"] == "skck":
            q["daily_quota"] = QUOTA
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.fixture
def central(broker: DevBroker, tmp_path: Path, catalogue: Path) -> Iterator[Central]:
    c = start_central(broker, tmp_path / "central", catalogue)
    yield c
    c.stop()


def skck_leases(c: Central) -> dict[str, tuple[int, int]]:
    return {le.node_id: (le.first, le.last) for le in c.hall.leases.values() if le.queue == "skck"}


def skck_numbers(c: Central) -> list[int]:
    return sorted(t.number for t in c.hall.tickets.values() if t.origin_queue == "skck")


def press_and_print(rig: Rig, n: int) -> str:
    rig.press("skck")
    assert rig.device.wait_jobs(n, 5), f"no job {n}"
    time.sleep(rig.config.press.repeat_guard_s + 0.05)
    return rig.texts()[n - 1]


def two_kiosks(rig_factory: Callable[..., Rig], central: Central) -> tuple[Rig, Rig]:
    k1 = rig_factory("k1", node_id="kiosk-1")
    assert k1.wait_for(k1.kiosk.central_up)
    k1.wait_leases(("skck",))
    k2 = rig_factory("k2", node_id="kiosk-2")
    assert k2.wait_for(k2.kiosk.central_up)
    k2.wait_leases(("skck",))
    # Blocks come from the top of the quota: central keeps number 1 for itself.
    assert skck_leases(central) == {"kiosk-1": (3, 3), "kiosk-2": (2, 2)}
    return k1, k2


def test_a_number_in_another_kiosks_block_reaches_the_citizen(
    central: Central, rig_factory: Callable[..., Rig]
) -> None:
    k1, k2 = two_kiosks(rig_factory, central)
    assert "B001" in press_and_print(k2, 1).splitlines()  # central's own last number
    # Central has none left outside the blocks; both kiosks give back what they hold.
    assert k1.wait_for(
        lambda: skck_leases(central) == {"kiosk-1": (3, 2), "kiosk-2": (2, 1)}, 10
    ), skck_leases(central)
    second = press_and_print(k2, 2)
    third = press_and_print(k2, 3)  # number 3 sat in kiosk-1's block
    for text, label in ((second, "B002"), (third, "B003")):
        assert label in text.splitlines()
        assert not any("offline" in line for line in text.splitlines())  # central issued it
    assert k2.wait_for(lambda: skck_numbers(central) == [1, 2, 3])
    # The quota is used up now, and nowhere is a number left: refused.
    k2.press("skck")
    assert k2.wait_for(lambda: k2.kiosk.last_refusal == "quota_reached")
    assert k1.device.jobs == []
    day = k1.kiosk.business_day(now())
    for rig in (k1, k2):
        box = rig.outbox()
        try:
            assert box.remaining("skck", day) == 0
            assert box.given_back() == []  # central answered every return
        finally:
            box.close()
    assert skck_numbers(central) == [1, 2, 3]


def test_killed_after_the_outbox_write_before_central_heard(
    broker: DevBroker,
    tmp_path: Path,
    catalogue: Path,
    central: Central,
    rig_factory: Callable[..., Rig],
) -> None:
    """The kiosk recorded the give-back and was killed before central heard of it (central
    restarts too): the numbers are never issued by the kiosk, and once it is back the return
    reaches central and the citizen at the other kiosk gets them."""
    k1, k2 = two_kiosks(rig_factory, central)
    day = k1.kiosk.business_day(now())
    k1.kiosk.stop()  # killed: its outbox is as the last commit left it
    box = k1.outbox()
    try:
        [given] = box.give_back("skck", day)  # the commit before the request goes out
        assert given.first_unused == 3 and box.remaining("skck", day) == 0
    finally:
        box.close()
    central.stop()
    # kiosk-1 comes back while central is still down: the number it gave up is not issued.
    k1b = make_rig(broker.port, tmp_path / "k1", node_id="kiosk-1")
    try:
        k1b.press("skck")
        assert k1b.wait_for(lambda: k1b.kiosk.last_refusal == "lease_exhausted")
        box = k1b.outbox()
        try:
            assert box.tickets() == [] and len(box.given_back()) == 1
        finally:
            box.close()
        again = start_central(broker, tmp_path / "central", catalogue)
        try:
            # Central is back: the return recorded before the kill goes out.
            assert k1b.wait_for(lambda: lease_of(again, given.lease_id) == (3, 2), 10)
            # Three citizens, at either kiosk, get the three numbers of the quota, each once
            # (kiosk-1 may lease a number central still had: it gave back another).
            jobs = len(k1b.device.jobs)  # the refusal's slip
            press_and_print(k2, 1)
            assert k2.wait_for(lambda: online_left(again) > 0 or skck_numbers(again) == [1, 2])
            press_and_print(k1b, jobs + 1)
            assert k2.wait_for(lambda: online_left(again) > 0 or len(skck_numbers(again)) == 3)
            press_and_print(k2, 2)
            assert k2.wait_for(lambda: skck_numbers(again) == [1, 2, 3])
            labels = [line for t in k1b.texts() + k2.texts() for line in t.splitlines()]
            found = sorted(x for x in labels if x in ("B001", "B002", "B003"))
            assert found == ["B001", "B002", "B003"]
            box = k1b.outbox()
            try:
                assert box.given_back() == []
                # Number 3, given back, is never issued from the block here (central may
                # issue it online to a citizen at this kiosk).
                assert all(t.origin == "online" for t in box.tickets() if t.number == 3)
            finally:
                box.close()
        finally:
            again.stop()
    finally:
        k1b.kiosk.stop()


def lease_of(c: Central, lease_id: str) -> tuple[int, int] | None:
    le = c.hall.leases.get(lease_id)
    return None if le is None else (le.first, le.last)


def online_left(c: Central) -> int:
    q = c.hall.cat.queue("skck")
    assert q is not None
    return c.hall.online_left(q) or 0


@pytest.mark.slow
def test_sigkill_right_after_the_give_back_is_recorded(
    broker: DevBroker, tmp_path: Path, central: Central, rig_factory: Callable[..., Rig]
) -> None:
    """A real kiosk process, SIGKILLed as soon as it logs that it recorded the give-back.
    Here central has usually committed the return by then, the kiosk not yet its answer
    (the case where central never heard is test_killed_after_the_outbox_write_...):
    restarted, the kiosk issues nothing from the block, its return is settled, and the
    numbers reach the citizens at the other kiosk, each once."""
    from tests.kiosk.test_powercut import KioskProcess

    state = tmp_path / "k1"
    raw = {
        "node_id": "kiosk-1",
        "site": "demo",
        "broker": {"port": broker.port},
        "state_dir": str(state),
        "hardware": "simulated",
        "press": {"bounce_ms": 0, "repeat_guard_s": 0.0, "priority_window_s": 5},
        "lease": {"size": 10, "low_water": 3},
        "buttons": [{"queue": "skck", "pin": 6, "key": "b"}],
        "leds": {"ready": 17, "busy": 27, "offline": 22, "fault": 23},
        "printer": {"kind": "simulated", "spool_dir": str(tmp_path / "printed")},
    }
    config = tmp_path / "kiosk.yaml"
    config.write_text(yaml.safe_dump(raw))
    k1 = KioskProcess(config)
    try:
        k1.wait_line("running", 10)
        assert wait_until(lambda: skck_leases(central).get("kiosk-1") == (3, 3))
        k2 = rig_factory("k2", node_id="kiosk-2")
        assert k2.wait_for(k2.kiosk.central_up)
        k2.wait_leases(("skck",))
        assert "B001" in press_and_print(k2, 1).splitlines()
        k1.wait_line("giving back", 10)
    finally:
        k1.kill()
    box = Outbox(state / "outbox.sqlite3")
    try:
        assert box.remaining("skck", k2.kiosk.business_day(now())) == 0
    finally:
        box.close()
    k1 = KioskProcess(config)
    try:
        k1.wait_line("running", 10)
        assert wait_until(lambda: skck_leases(central)["kiosk-1"] == (3, 2))
        assert wait_until(lambda: online_left(central) == 2)
        press_and_print(k2, 2)
        press_and_print(k2, 3)
        assert wait_until(lambda: skck_numbers(central) == [1, 2, 3])
        labels = [line for t in k2.texts() for line in t.splitlines()]
        assert sorted(x for x in labels if x.startswith("B0")) == ["B001", "B002", "B003"]
        box = Outbox(state / "outbox.sqlite3")
        try:
            assert wait_until(lambda: box.given_back() == [])
            assert box.tickets() == []
        finally:
            box.close()
    finally:
        k1.kill()


def wait_until(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()

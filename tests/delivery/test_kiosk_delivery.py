"""Config delivery into a running kiosk over a real broker."""

from __future__ import annotations

from pathlib import Path

from antrian.devbroker import DevBroker
from edge.kiosk.escpos_decode import decode_text
from tests.delivery.conftest import Publisher
from tests.kiosk.conftest import kiosk_config, make_rig


def test_valid_applied_invalid_rejected_restart_uses_cache(
    broker: DevBroker, central: Publisher, tmp_path: Path
) -> None:
    state = tmp_path / "kiosk"
    central.watch("kiosk-t")
    base = kiosk_config(broker.port, state).model_dump(mode="json")
    english = {**base, "language": "en", "footer": ["Thank you"], "lease": {"size": 30}}
    central.deliver("kiosk-t", "kiosk", 1, english)
    rig = make_rig(broker.port, state)
    try:
        birth = central.wait_birth(lambda b: b.config_version == 1)
        assert birth.faults == []
        assert rig.wait_for(lambda: rig.kiosk.config.language == "en")
        assert rig.kiosk.config.footer == ["Thank you"] and rig.kiosk.config.lease.size == 30
        # Live: no central and no lease, so the refusal slip prints in the delivered language.
        rig.press("dukcapil")
        jobs = rig.wait_jobs(1)
        assert "SORRY" in decode_text(jobs[-1])

        bad = {**english, "footer": ["x"] * 9}  # at most 4 footer lines
        central.deliver("kiosk-t", "kiosk", 2, bad)
        birth = central.wait_birth(lambda b: "config_rejected" in b.faults)
        assert birth.config_version == 1
        assert birth.detail and "config v2" in birth.detail and "footer" in birth.detail
        assert rig.kiosk.config.footer == ["Thank you"]  # the previous one keeps running
        rig.device.drive("paper_out")  # a printer fault does not hide the rejected config
        rig.kiosk.recheck_printer()
        birth = central.wait_birth(lambda b: "paper_out" in b.faults)
        assert "config_rejected" in birth.faults and birth.detail and "footer" in birth.detail
        rig.device.drive("ok")
        rig.kiosk.recheck_printer()
        birth = central.wait_birth(lambda b: "paper_out" not in b.faults)
        assert birth.faults == ["config_rejected"]

        fixed = {**english, "footer": ["Terima kasih"], "press": {"repeat_guard_s": 4}}
        central.deliver("kiosk-t", "kiosk", 3, fixed)  # while running: applied, fault cleared
        birth = central.wait_birth(lambda b: b.config_version == 3)
        assert birth.faults == [] and birth.detail is None
        assert rig.wait_for(lambda: rig.kiosk.config.footer == ["Terima kasih"])
        assert rig.kiosk.gate.repeat_guard_s == 4
    finally:
        rig.kiosk.stop()

    broker.stop()  # restart without a broker: the last good config from the cache
    rig = make_rig(broker.port, state)
    try:
        assert not rig.kiosk.link.connected
        assert rig.kiosk.config.language == "en" and rig.kiosk.config.footer == ["Terima kasih"]
        assert rig.kiosk.link.identity.config_version == 3 and rig.kiosk.gate.repeat_guard_s == 4
    finally:
        rig.kiosk.stop()

"""A device folder for benchmarks with authorization on: a kiosk config per load client that
issues, a caller config per one that calls, each a demo device's file under the bench's ids."""

from __future__ import annotations

from pathlib import Path

import yaml

from antrian.devbroker import REPO_ROOT

DEMO = REPO_ROOT / "firmware_configs" / "demo"
KIOSK_BUTTONS = [
    {"queue": "samsat", "pin": 5, "key": "d", "agency": "Samsat", "name": "Pajak", "prefix": "D"},
    {"queue": "perizinan", "pin": 6, "key": "f", "agency": "DPM", "name": "Izin", "prefix": "F"},
    {"queue": "bpjs", "pin": 13, "key": "h", "agency": "BPJS", "name": "JKN", "prefix": "H"},
    {"queue": "pos", "pin": 19, "key": "j", "agency": "PT Pos", "name": "Kirim", "prefix": "J"},
]


def write_device_folder(folder: Path, kiosks: list[str], callers: list[str]) -> Path:
    """Standalone device files (<role>-<name>.yaml, node id = file name) in `folder`, which
    must be named after the site (demo)."""
    folder.mkdir(parents=True, exist_ok=True)
    kiosk = yaml.safe_load((DEMO / "kiosk-1.yaml").read_text(encoding="utf-8"))
    caller = yaml.safe_load((DEMO / "caller-loket-5-6.yaml").read_text(encoding="utf-8"))
    # The load's officers press NEXT at loket-4, -5 and -6: the demo caller serves 5 and 6;
    # loket-4 takes the pins of loket-6's transfer buttons and the free ones.
    counters = [c for c in caller["counters"] if c["id"] in ("loket-5", "loket-6")]
    counters = [{k: v for k, v in c.items() if k != "officer"} for c in counters]
    counters[1]["buttons"] = {k: v for k, v in counters[1]["buttons"].items() if k != "transfer"}
    counters.append(
        {
            "id": "loket-4",
            "buttons": {"next": 12, "recall": 13, "no_show": 16, "finish": 20, "pause": 21},
            "leds": {"online": 26, "calling": 0, "paused": 1, "error": 7},
        }
    )
    for node in kiosks:
        assert node.startswith("kiosk-")
        raw = {**kiosk, "node_id": node, "buttons": KIOSK_BUTTONS, "state_dir": str(folder)}
        raw["printer"] = {"kind": "simulated", "spool_dir": str(folder / "spool")}
        (folder / f"{node}.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    for node in callers:
        assert node.startswith("caller-")
        raw = {**caller, "node_id": node, "state_dir": str(folder), "counters": counters}
        (folder / f"{node}.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return folder

"""Running central for tests, benchmarks and the demo: in-process or as a real process."""

from __future__ import annotations

from pathlib import Path

import yaml

from antrian.devbroker import REPO_ROOT
from antrian.mqtt import BrokerSettings
from antrian.nodeproc import NodeProcess
from central.config import CentralConfig

DEMO_CATALOGUE = REPO_ROOT / "firmware_configs" / "demo" / "catalogue.yaml"


def make_config(
    broker_port: int, state_dir: Path, catalogue: Path | None = None, **overrides: object
) -> CentralConfig:
    """A central config for the demo hall (open around the clock) on a test broker. Without
    device configs there is nothing to authorize from, so authorization is off unless the
    caller passes device_configs (and then it is on, as on a site)."""
    overrides.setdefault("authorization", overrides.get("device_configs") is not None)
    return CentralConfig(
        node_id="central",
        site="demo",
        broker=BrokerSettings(port=broker_port),
        state_dir=state_dir,
        catalogue=catalogue or DEMO_CATALOGUE,
        **overrides,
    )


def unbounded_catalogue(tmp: Path) -> Path:
    """The demo catalogue without daily quotas and with two more queues, written to `tmp`:
    central lets one kiosk hold at most 100 unused numbers per queue, so 1,000 offline
    tickets from one kiosk need eleven queues' leases (the demo has nine, five with quotas)."""
    raw = yaml.safe_load(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    for q in raw["queues"]:
        q.pop("daily_quota", None)
        q.pop("last_ticket", None)
    raw["queues"] += [
        {"id": "legalisir", "prefix": "K", "agency": "dukcapil", "name": "Legalisir",
         "services": ["kk"], "service_standard_min": 5},
        {"id": "pbb", "prefix": "L", "agency": "samsat", "name": "PBB",
         "services": ["pkb"], "service_standard_min": 5},
    ]  # fmt: skip
    raw["counters"][0]["queues"] += ["legalisir", "pbb"]
    path = tmp / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def write_config(config: CentralConfig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_none=True)))
    return path


class CentralProcess(NodeProcess):
    """`antrian central` as a child process, for crash tests (SIGKILL) and benchmarks."""

    def __init__(self, config: CentralConfig | Path) -> None:
        if isinstance(config, CentralConfig):
            config.state_dir.mkdir(parents=True, exist_ok=True)
            config = write_config(config, config.state_dir / "central.yaml")
        super().__init__("central", config)

    def start(self) -> CentralProcess:
        super().start()
        return self

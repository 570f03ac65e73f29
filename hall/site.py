"""A site folder's device configs, made runnable on one machine: one broker port, state
under a run folder, simulated hardware. The demo, the simulator and the chaos suite use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from antrian.config import resolve


@dataclass
class RuntimeSite:
    """Config files written for this run, by role."""

    run_dir: Path
    port: int
    central: Path
    catalogue: Path
    kiosks: list[Path] = field(default_factory=list)
    callers: list[Path] = field(default_factory=list)
    displays: list[Path] = field(default_factory=list)

    def state_dir(self, node_id: str) -> Path:
        return self.run_dir / "state" / node_id


def _load(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping")
    return raw


@dataclass
class HallSite:
    """The standalone device files of one site folder (firmware_configs/<site>/)."""

    folder: Path

    def files(self, role: str) -> list[Path]:
        return sorted(self.folder.glob(f"{role}-*.yaml"))

    def materialize(
        self,
        run_dir: Path,
        port: int,
        kiosks: list[str] | None = None,
        callers: list[str] | None = None,
        displays: list[str] | None = None,
        window: tuple[int, int] = (1280, 720),
    ) -> RuntimeSite:
        """Write runnable copies of the site's configs under run_dir/configs. `kiosks` etc.
        pick devices by node id (default: all of that role)."""
        out = run_dir / "configs"
        out.mkdir(parents=True, exist_ok=True)
        central_src = self.folder / "central.yaml"
        central = _load(central_src)
        catalogue = resolve(central_src, Path(central["catalogue"]))

        def write(raw: dict[str, Any]) -> Path:
            node_id = raw["node_id"]
            raw["broker"] = {**raw.get("broker", {}), "host": "127.0.0.1", "port": port}
            raw["state_dir"] = str(run_dir / "state" / node_id)
            path = out / f"{node_id}.yaml"
            path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
            return path

        central["catalogue"] = str(catalogue)
        central.pop("ledger", None)
        # The site's own files carry its broker port and folders, not this run's: delivering
        # them would make the nodes apply the site's live settings (quiet hours, language)
        # over the run's. The demo and tests exercise delivery separately.
        central.pop("device_configs", None)
        site = RuntimeSite(run_dir, port, write(central), catalogue)
        for src in self.files("kiosk"):
            raw = _load(src)
            if kiosks is not None and raw["node_id"] not in kiosks:
                continue
            raw["hardware"] = "simulated"
            raw["printer"] = {
                "kind": "simulated",
                "spool_dir": str(run_dir / "printed" / raw["node_id"]),
                "spool_png": True,
            }
            site.kiosks.append(write(raw))
        for src in self.files("caller"):
            raw = _load(src)
            if callers is not None and raw["node_id"] not in callers:
                continue
            raw["pins"] = "mock"
            raw["screen"] = {"mode": "none"}  # one pygame window per process: the hall board
            site.callers.append(write(raw))
        for src in self.files("display"):
            raw = _load(src)
            if displays is not None and raw["node_id"] not in displays:
                continue
            screen = dict(raw.get("screen", {}))
            screen.update(width=window[0], height=window[1], fullscreen=False)
            raw["screen"] = screen
            voice = dict(raw.get("voice", {}))
            clips = voice.get("clips")
            if clips:
                voice["clips"] = str(resolve(src, Path(clips)))
            voice["quiet_hours"] = []  # the demo speaks whenever it runs
            raw["voice"] = voice
            site.displays.append(write(raw))
        return site

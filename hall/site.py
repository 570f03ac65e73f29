"""A site folder's device configs, made runnable on one machine: one broker port, state
under a run folder, simulated hardware. The demo, the simulator and the chaos suite use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from antrian.config import resolve
from antrian.devbroker import REPO_ROOT
from provision.configs import SiteConfigs
from web.accounts import Accounts

# The demo's supervisor account on its dashboard (a development hall on loopback only).
DEMO_SUPERVISOR = ("demo", "Supervisor Demo", "demo-supervisor")


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
    webs: list[Path] = field(default_factory=list)

    def state_dir(self, node_id: str) -> Path:
        return self.run_dir / "state" / node_id


def load_yaml_raw(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping")
    return raw


def open_all_hours(src: Path, out: Path) -> Path:
    """A copy of the catalogue open every day around the clock: a demo of a real site
    (08:00-15:00, weekdays) must work whenever someone runs it."""
    raw = load_yaml_raw(src)
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    raw["hours"] = [{"days": days, "open": "00:00", "close": "23:59:59"}]
    raw["holidays"] = []
    for q in raw.get("queues", []):
        q.pop("last_ticket", None)
    path = out / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class HallSite:
    """The device files of one site folder (firmware_configs/<site>/): standalone files
    (`<role>-<name>.yaml`, like demo/) or layered ones (devices/<role>/, like mpp-jambi/)."""

    folder: Path

    def devices(self, role: str) -> list[tuple[Path, dict[str, Any]]]:
        """(source file, config as its node would read it) for every device of `role`."""
        configs = SiteConfigs(self.folder)
        found = []
        for d in configs.devices():
            if d.role == role:
                found.append((d.path, configs.merged(d).raw))
        return sorted(found, key=lambda pr: pr[1]["node_id"])

    def materialize(
        self,
        run_dir: Path,
        port: int,
        kiosks: list[str] | None = None,
        callers: list[str] | None = None,
        displays: list[str] | None = None,
        window: tuple[int, int] = (1280, 720),
        always_open: bool = False,
        web_port: int = 0,
        demo_supervisor: bool = False,
    ) -> RuntimeSite:
        """Write runnable copies of the site's configs under run_dir/configs. `kiosks` etc.
        pick devices by node id (default: all of that role); `always_open` opens the hall
        around the clock (the demo)."""
        out = run_dir / "configs"
        out.mkdir(parents=True, exist_ok=True)
        central_src = self.folder / "central.yaml"
        central = load_yaml_raw(central_src)
        catalogue = resolve(central_src, Path(central["catalogue"]))
        if always_open:
            catalogue = open_all_hours(catalogue, out)

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
        # Without them central cannot authorize by device; a run on one machine (demo,
        # simulation, chaos) is a development hall. tests/provision covers authorization.
        central["authorization"] = False
        site = RuntimeSite(run_dir, port, write(central), catalogue)
        webs = self.devices("web")
        for _src, raw in self.devices("kiosk"):
            if kiosks is not None and raw["node_id"] not in kiosks:
                continue
            raw["hardware"] = "simulated"
            if web_port and webs:
                # The QR links to this run's web node (docs/kiosk.md, status_url).
                raw["status_url"] = f"http://127.0.0.1:{web_port}/t/{{token}}"
            paper = {k: v for k, v in raw.get("printer", {}).items()
                     if k in ("paper_mm", "columns", "code_page")}  # fmt: skip
            raw["printer"] = {
                **paper,
                "kind": "simulated",
                "spool_dir": str(run_dir / "printed" / raw["node_id"]),
                "spool_png": True,
            }
            site.kiosks.append(write(raw))
        for _src, raw in self.devices("caller"):
            if callers is not None and raw["node_id"] not in callers:
                continue
            raw["pins"] = "mock"
            raw["screen"] = {"mode": "none"}  # one pygame window per process: the hall board
            site.callers.append(write(raw))
        for src, raw in self.devices("display"):
            if displays is not None and raw["node_id"] not in displays:
                continue
            screen = dict(raw.get("screen", {}))
            screen.update(width=window[0], height=window[1], fullscreen=False)
            raw["screen"] = screen
            voice = dict(raw.get("voice", {}))
            clips = voice.get("clips")
            if clips and Path(clips).is_absolute():
                # A site's installed path (/var/lib/antrian/voice): this run's shared set.
                voice["clips"] = str(REPO_ROOT / "var" / "voice")
            elif clips:
                voice["clips"] = str(resolve(src, Path(clips)))
            voice["quiet_hours"] = []  # the demo speaks whenever it runs
            raw["voice"] = voice
            site.displays.append(write(raw))
        for _src, raw in webs:
            # A free port picked by the caller: 8080 may be taken on a developer's machine.
            raw["listen_port"] = web_port
            raw["listen_host"] = "127.0.0.1"
            raw["trusted_proxy"] = False
            if web_port:
                raw["public_url"] = f"http://127.0.0.1:{web_port}"
            if demo_supervisor:
                accounts = run_dir / "supervisors.yaml"
                Accounts({}).with_account(*DEMO_SUPERVISOR).save(accounts)
                raw["dashboard"] = {**raw.get("dashboard", {}), "supervisors": str(accounts)}
            site.webs.append(write(raw))
        return site

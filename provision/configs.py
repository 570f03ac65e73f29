"""Device configs of a site: layered defaults (site, role, device), validated by the nodes' models.

Layout of firmware_configs/<site>/:
  site.yaml                      site id, defaults for every layered device, provisioning settings
  roles/<role>.yaml              defaults for every layered device of that role
  devices/<role>/<node_id>.yaml  one layered device (what `antrian provision add` writes)
  catalogue.yaml                 the hall (central's)
  central.yaml, <role>-*.yaml    standalone devices: complete files a node loads as they are
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from antrian.catalogue import Catalogue

from ._layers import merge, read_yaml, substitute
from .problems import ConfigInvalid, Problem

Role = Literal["central", "kiosk", "caller", "display", "web"]
ROLES: tuple[Role, ...] = get_args(Role)

# The same models the nodes load their files with, imported lazily so that a check of a site
# without displays does not need the display's dependencies.
ROLE_MODELS: dict[Role, str] = {
    "central": "central.config:CentralConfig",
    "kiosk": "edge.kiosk.config:KioskConfig",
    "caller": "edge.caller.config:CallerConfig",
    "display": "edge.display.config:DisplayConfig",
    "web": "web.config:WebConfig",
}

SPECIAL_FILES = {"site.yaml", "catalogue.yaml"}
IDENT = r"^[a-z0-9][a-z0-9_-]*$"


def role_model(role: Role) -> type[BaseModel]:
    module, _, name = ROLE_MODELS[role].partition(":")
    model: type[BaseModel] = getattr(importlib.import_module(module), name)
    return model


class ProvisionSettings(BaseModel):
    """How `antrian provision` builds credentials and bundles for this site."""

    model_config = ConfigDict(extra="forbid")

    broker_names: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1"],
        min_length=1,
        description="Host names and IP addresses devices use for the broker; all go into the "
        "broker certificate.",
    )
    install_dir: str = Field(
        default="/etc/antrian", description="Where a bundle is unpacked on the device."
    )
    cert_days: int = Field(default=3650, ge=30, le=36500)


class SiteFile(BaseModel):
    """firmware_configs/<site>/site.yaml."""

    model_config = ConfigDict(extra="forbid")

    site: str = Field(pattern=IDENT, max_length=48)
    name: str = Field(default="", max_length=120)
    defaults: dict[str, Any] = Field(
        default_factory=dict,
        description="Merged into every layered device; '{node_id}' and '{site}' in strings "
        "are replaced.",
    )
    provision: ProvisionSettings = Field(default_factory=ProvisionSettings)


@dataclass(frozen=True)
class Device:
    node_id: str
    role: Role
    path: Path
    layered: bool


@dataclass
class Survey:
    """Every device file of a site, checked."""

    devices: list[Device]
    problems: list[Problem]
    # False when an error cut the device list short (site.yaml, a file whose role cannot be
    # told): a device missing from `devices` may still have its file.
    complete: bool
    valid: dict[str, Any] = field(default_factory=dict)  # node_id -> its validated config


@dataclass
class Merged:
    """A device's config after layering, with the file each setting came from."""

    device: Device
    raw: dict[str, Any]
    origin: dict[tuple[str, ...], Path] = field(default_factory=dict)

    def origin_of(self, loc: tuple[str | int, ...]) -> Path:
        parts = tuple(str(p) for p in loc)
        while parts:
            if parts in self.origin:
                return self.origin[parts]
            parts = parts[:-1]
        return self.device.path


class SiteConfigs:
    """The config files of one site folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.site_path = self.folder / "site.yaml"

    @property
    def site_id(self) -> str:
        return self.site_file().site if self.site_path.exists() else self.folder.name

    def site_file(self) -> SiteFile:
        if not self.site_path.exists():
            return SiteFile(site=self.folder.name)
        raw = read_yaml(self.site_path)
        try:
            return SiteFile.model_validate(raw)
        except ValidationError as exc:
            raise ConfigInvalid(_problems(exc, lambda loc: self.site_path, "site.yaml")) from None

    def role_path(self, role: Role) -> Path:
        return self.folder / "roles" / f"{role}.yaml"

    def device_path(self, role: Role, node_id: str) -> Path:
        return self.folder / "devices" / role / f"{node_id}.yaml"

    def devices(self) -> list[Device]:
        """Every device file; raises ConfigInvalid for a file whose role cannot be told."""
        found: list[Device] = []
        problems: list[Problem] = []
        for path in sorted(self.folder.glob("*.yaml")):
            if path.name in SPECIAL_FILES:
                continue
            role = _role_from_name(path.stem)
            if role is None:
                problems.append(
                    Problem(
                        path,
                        "",
                        "cannot tell which role this device has",
                        "name it central.yaml, web.yaml or <role>-<name>.yaml (role: "
                        f"{', '.join(ROLES)}), or move it to devices/<role>/",
                    )
                )
                continue
            found.append(Device(path.stem, role, path, layered=False))
        devices_dir = self.folder / "devices"
        for path in sorted(devices_dir.glob("*/*.yaml")) if devices_dir.exists() else []:
            role_name = path.parent.name
            if role_name not in ROLES:
                problems.append(
                    Problem(
                        path,
                        "",
                        f"unknown role folder {role_name!r}",
                        f"move it to devices/<role>/ with role one of {', '.join(ROLES)}",
                    )
                )
                continue
            found.append(Device(path.stem, role_name, path, layered=True))
        seen: dict[str, Path] = {}
        for d in found:
            if d.node_id in seen:
                problems.append(
                    Problem(
                        d.path,
                        "node_id",
                        f"device {d.node_id!r} also defined in {seen[d.node_id]}",
                        "keep one file per device",
                    )
                )
            seen[d.node_id] = d.path
        if problems:
            raise ConfigInvalid(problems)
        return found

    def device(self, node_id: str) -> Device:
        for d in self.devices():
            if d.node_id == node_id:
                return d
        raise KeyError(node_id)

    def merged(self, device: Device) -> Merged:
        raw_device = read_yaml(device.path)
        if not device.layered:
            out = Merged(device, {})
            merge(out.raw, raw_device, out.origin, device.path)
            self._link_tickets(out)
            return out
        site = self.site_file()
        names = {"node_id": device.node_id, "site": site.site}
        out = Merged(device, {})
        merge(out.raw, {"site": site.site, "node_id": device.node_id}, out.origin, device.path)
        merge(out.raw, substitute(site.defaults, names), out.origin, self.site_path)
        role_path = self.role_path(device.role)
        if role_path.exists():
            merge(out.raw, substitute(read_yaml(role_path), names), out.origin, role_path)
        merge(out.raw, raw_device, out.origin, device.path)
        self._link_tickets(out)
        return out

    def _link_tickets(self, out: Merged) -> None:
        """A kiosk without a status_url in any of its files links each ticket's page on
        the site's web node ({public_url}/t/{token}), so that a technician does not copy
        the address by hand; an explicit status_url (null: no link) is kept."""
        if out.device.role != "kiosk" or "status_url" in out.raw:
            return
        found = self.public_url()
        if found is not None:
            url, web_file = found
            merge(out.raw, {"status_url": f"{url}/t/{{token}}"}, out.origin, web_file)

    def public_url(self) -> tuple[str, Path] | None:
        """The site's web address (the web node's public_url) and the file that sets it;
        None without a web node that has one, or when the site's web nodes disagree (the
        kiosks then need their own status_url)."""
        try:
            webs = [d for d in self.devices() if d.role == "web"]
        except ConfigInvalid:
            return None  # reported by check() for the files themselves
        urls: dict[str, Path] = {}
        for web in webs:
            try:
                cfg, _ = self.validate(web)
            except ConfigInvalid:
                continue  # the web node's own problems are reported for its file
            url = getattr(cfg, "public_url", None)
            if url:
                urls.setdefault(str(url), web.path)
        if len(urls) != 1:
            return None
        return next(iter(urls.items()))

    def validate(self, device: Device) -> tuple[BaseModel, Merged]:
        """The device's config as its node would load it, or ConfigInvalid."""
        try:
            merged = self.merged(device)
            model = role_model(device.role)
            try:
                cfg = model.model_validate(merged.raw)
            except ValidationError as exc:
                raise ConfigInvalid(_problems(exc, merged.origin_of, device.role)) from None
            problems = self._cross_check(device, merged, cfg)
            if problems:
                raise ConfigInvalid(problems)
        except ConfigInvalid as exc:
            raise ConfigInvalid(
                [
                    p if p.file == device.path else replace(p, devices=(device.node_id,))
                    for p in exc.problems
                ]
            ) from None
        return cfg, merged

    def site_problems(self) -> list[Problem]:
        """What is wrong with the files every device shares: site.yaml and the catalogue."""
        try:
            self.site_file()
            catalogue = self.catalogue()
        except ConfigInvalid as exc:
            return exc.problems
        if catalogue is not None and catalogue.site != self.site_id:
            # Central refuses to start with a catalogue of another site (a copied site folder
            # whose catalogue.yaml kept the old id); every device file would still look valid.
            try:
                centrals = tuple(d.node_id for d in self.devices() if d.role == "central")
            except ConfigInvalid:
                centrals = ()  # check() reports those files itself
            return [
                Problem(
                    self.folder / "catalogue.yaml",
                    "site",
                    f"site {catalogue.site!r} but the file is in the folder of site "
                    f"{self.site_id!r} (central would not start)",
                    f"set site: {self.site_id}",
                    centrals,
                )
            ]
        return []

    def check(self) -> tuple[list[Device], list[Problem]]:
        """Validate every file of the site; returns the devices and every problem found."""
        survey = self.survey()
        return survey.devices, survey.problems

    def survey(self) -> Survey:
        """check() with what its callers need besides: whether the device list is complete
        and the validated configs (so that nobody validates every device twice)."""
        problems = self.site_problems()
        if any(p.file == self.site_path for p in problems):
            return Survey([], problems, complete=False)  # every device starts from site.yaml
        try:
            devices = self.devices()
        except ConfigInvalid as exc:
            return Survey([], problems + exc.problems, complete=False)
        valid: dict[str, Any] = {}
        for d in devices:
            try:
                cfg, _merged = self.validate(d)
            except ConfigInvalid as exc:
                problems.extend(exc.problems)
                continue
            valid[d.node_id] = cfg
        return Survey(devices, _merge_devices(problems), complete=True, valid=valid)

    def _valid_catalogue(self) -> Catalogue | None:
        """The catalogue, or None when it is missing or invalid (check() reports that)."""
        try:
            return self.catalogue()
        except ConfigInvalid:
            return None

    def idle_counters(self, survey: Survey) -> list[str]:
        """The catalogue's counters that no valid caller of `survey` serves, in catalogue
        order; [] without a (valid) catalogue."""
        catalogue = self._valid_catalogue()
        if catalogue is None:
            return []
        served = {
            c.id
            for d in survey.devices
            if d.role == "caller" and d.node_id in survey.valid
            for c in survey.valid[d.node_id].counters
        }
        return [c.id for c in catalogue.counters if c.id not in served]

    def coverage_notes(self, survey: Survey) -> list[str]:
        """What valid files still leave out: a queue no kiosk has a button for (citizens
        cannot take its numbers; fine for a queue reached only by transfer) and a counter
        no caller serves (nobody can call there)."""
        catalogue = self._valid_catalogue()
        if catalogue is None:
            return []
        devices = survey.devices
        on_kiosks = {
            b.queue
            for d in devices
            if d.role == "kiosk" and d.node_id in survey.valid
            for b in survey.valid[d.node_id].buttons
        }
        notes = []
        if any(d.role == "kiosk" for d in devices):
            missing = [q.id for q in catalogue.queues if q.id not in on_kiosks]
            if missing:
                notes.append(
                    f"no kiosk has a button for queue(s) {', '.join(missing)}: citizens cannot "
                    "take their numbers (add buttons, unless they are reached only by transfer)"
                )
        if any(d.role == "caller" for d in devices):
            idle = self.idle_counters(survey)
            if idle:
                listed = ", ".join(idle)
                notes.append(f"no caller serves counter(s) {listed}: nobody can call there")
        notes += self._voice_notes(survey, catalogue)
        return notes

    def _voice_notes(self, survey: Survey, catalogue: Catalogue) -> list[str]:
        """A speaking display whose clip folder is here (the demo's, a set being prepared)
        and lacks words its calls need: the catalogue's counter names, its counter_words."""
        clips = importlib.import_module("edge.display.clips")
        notes = []
        for d in survey.devices:
            cfg = survey.valid.get(d.node_id)
            if d.role != "display" or cfg is None or not cfg.voice.enabled:
                continue
            folder = cfg.voice.clips if cfg.voice.clips.is_absolute() else (
                d.path.parent / cfg.voice.clips).resolve()  # fmt: skip
            if not folder.is_dir():
                continue
            names = [c.name for c in catalogue.counters] + list(cfg.voice.counter_words.values())
            languages = ["id", "en"] if cfg.voice.english else ["id"]
            missing = clips.missing_clips(folder, languages, names)
            if missing:
                shown = ", ".join(missing[:12]) + (", ..." if len(missing) > 12 else "")
                notes.append(
                    f"{d.node_id}: {len(missing)} voice clip(s) missing from {folder}: {shown}; "
                    f"calls that need them stop short (antrian voice build --out {folder} "
                    f"--catalogue {self.folder / 'catalogue.yaml'})"
                )
        return notes

    def catalogue(self) -> Catalogue | None:
        path = self.folder / "catalogue.yaml"
        if not path.exists():
            return None
        try:
            return Catalogue.model_validate(read_yaml(path))
        except ValidationError as exc:
            raise ConfigInvalid(_problems(exc, lambda loc: path, "catalogue")) from None

    def _cross_check(self, device: Device, merged: Merged, cfg: Any) -> list[Problem]:
        problems: list[Problem] = []

        def add(loc: tuple[str | int, ...], message: str, fix: str) -> None:
            problems.append(
                Problem(merged.origin_of(loc), ".".join(str(p) for p in loc), message, fix)
            )

        if cfg.node_id != device.node_id:
            add(
                ("node_id",),
                f"node_id {cfg.node_id!r} differs from the file name {device.path.name!r}",
                f"set node_id: {device.node_id} or rename the file",
            )
        if cfg.site != self.site_id:
            add(
                ("site",),
                f"site {cfg.site!r} but the file is in the folder of site {self.site_id!r}",
                f"set site: {self.site_id}",
            )
        if device.role == "central":
            path = catalogue_path(merged, cfg)
            if not path.is_file():
                add(
                    ("catalogue",),
                    f"no catalogue at {path}: central would not start, and its bundle "
                    "carries this file",
                    "write the hall's queues and counters there (firmware_configs/demo/"
                    "catalogue.yaml is an example) or correct `catalogue:`",
                )
        try:
            catalogue = self.catalogue()
        except ConfigInvalid as exc:
            return problems + exc.problems
        if catalogue is None:
            return problems
        queues = [q.id for q in catalogue.queues]
        counters = [c.id for c in catalogue.counters]

        def need(loc: tuple[str | int, ...], value: str, known: list[str], what: str) -> None:
            if value not in known:
                add(
                    loc,
                    f"{what} {value!r} is not in catalogue.yaml",
                    f"use one of: {', '.join(known)}",
                )

        if device.role == "kiosk":
            for i, b in enumerate(cfg.buttons):
                need(("buttons", i, "queue"), b.queue, queues, "queue")
        elif device.role == "caller":
            for i, c in enumerate(cfg.counters):
                need(("counters", i, "id"), c.id, counters, "counter")
                for j, t in enumerate(c.buttons.transfer):
                    need(
                        ("counters", i, "buttons", "transfer", j, "to_queue"),
                        t.to_queue,
                        queues,
                        "queue",
                    )
        elif device.role == "display":
            if cfg.counter is not None:
                need(("counter",), cfg.counter, counters, "counter")
            for i, cid in enumerate(cfg.counters or []):
                need(("counters", i), cid, counters, "counter")
            for i, qid in enumerate(cfg.queues or []):
                need(("queues", i), qid, queues, "queue")
        return problems


def catalogue_path(merged: Merged, cfg: Any) -> Path:
    """The catalogue a central config names, relative to the file that sets it (as central's
    own loader reads a central.yaml)."""
    path = Path(cfg.catalogue)
    return path if path.is_absolute() else merged.origin_of(("catalogue",)).parent / path


def _merge_devices(problems: list[Problem]) -> list[Problem]:
    """One problem per shared file and field, naming every device it breaks."""
    merged: dict[tuple[Path, str, str, str], Problem] = {}
    for p in problems:
        key = (p.file, p.field, p.message, p.fix)
        seen = merged.get(key)
        if seen is None:
            merged[key] = p
        else:
            devices = seen.devices + tuple(d for d in p.devices if d not in seen.devices)
            merged[key] = replace(seen, devices=devices)
    return list(merged.values())


def _role_from_name(stem: str) -> Role | None:
    # One central and (usually) one web node per site: central.yaml, web.yaml.
    if stem in ("central", "web"):
        return stem  # type: ignore[return-value]
    for role in ROLES:
        if stem.startswith(role + "-"):
            return role
    return None


def _problems(exc: ValidationError, origin: Any, what: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            fix = f"remove `{loc[-1]}` or check its spelling: a {what} has no such setting"
        elif kind == "missing":
            fix = (
                f"add `{loc[-1]}:` to the device file or to roles/{what}.yaml"
                if what in ROLES
                else f"add `{loc[-1]}:`"
            )
        elif kind == "value_error":
            fix = "change the values named above"
        else:
            fix = f"give a valid value (now {err.get('input')!r})"
        out.append(Problem(origin(loc), where, str(err["msg"]), fix))
    return out

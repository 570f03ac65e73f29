"""`antrian provision`'s work: site CA, per-device passwords, the ACL and bundles for the Pis."""

from __future__ import annotations

import re
import shutil
import string
from dataclasses import dataclass
from pathlib import Path

from antrian.devbroker import BROKER_CONF, REPO_ROOT
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from antrian.session import atomic_write
from protocol import Topics

from .acl import AclEntry, render_acl
from .bundle import PASSWORD_FILE, TLS_PORT, bundle_files, delivered_config, write_bundle_files
from .ca import CaFiles, create_ca, issue_server_cert
from .configs import ROLES, Device, Role, SiteConfigs, Survey
from .passwords import PasswordFile, new_password, verify_password
from .problems import ConfigInvalid, Problem

SECURITY_TEMPLATE = REPO_ROOT / "broker" / "security.conf.template"
CONFIGS_ROOT = REPO_ROOT / "firmware_configs"
SECRETS_ROOT = REPO_ROOT / "secrets"
IDENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")

NEW_DEVICE = """\
# {node_id}: a {role} of site {site}. Settings here override roles/{role}.yaml, which
# overrides site.yaml's defaults. `antrian provision check` validates the result.
{{}}
"""


class ProvisionError(RuntimeError):
    """A provisioning step that cannot go ahead; str() says what to do."""


@dataclass(frozen=True)
class SecretPaths:
    """secrets/<site>/: never committed (the repository's .gitignore has /secrets/)."""

    root: Path

    @property
    def ca(self) -> CaFiles:
        return CaFiles(self.root / "ca" / "ca.key", self.root / "ca" / "ca.crt")

    @property
    def server(self) -> CaFiles:
        return CaFiles(self.root / "broker" / "server.key", self.root / "broker" / "server.crt")

    @property
    def passwd(self) -> Path:
        return self.root / "broker" / "passwd"

    @property
    def acl(self) -> Path:
        return self.root / "broker" / "acl"

    @property
    def broker_conf(self) -> Path:
        return self.root / "broker" / "mosquitto.conf"

    @property
    def bundles(self) -> Path:
        return self.root / "bundles"


def security_config(
    paths: SecretPaths, tls_port: int = TLS_PORT, tls_bind: str = "", folder: Path | None = None
) -> str:
    """The security block for Mosquitto; `folder` is where the broker finds the files (the
    secrets folder itself in tests, /etc/mosquitto/antrian on a site server)."""
    where = folder or paths.root / "broker"
    return string.Template(SECURITY_TEMPLATE.read_text()).substitute(
        password_file=where / paths.passwd.name,
        acl_file=where / paths.acl.name,
        tls_port=tls_port,
        tls_bind=f" {tls_bind}" if tls_bind else "",
        cafile=where / "ca.crt",
        certfile=where / paths.server.cert.name,
        keyfile=where / paths.server.key.name,
    )


def site_broker_config(paths: SecretPaths, folder: Path) -> str:
    """The whole site broker config: broker/mosquitto.conf with the plain listener on loopback
    (central and tools on the server), then the security block with the TLS listener."""
    base = re.sub(r"(?m)^listener\s+1883\b.*$", "listener 1883 127.0.0.1", BROKER_CONF.read_text())
    return base + "\n" + security_config(paths, folder=folder)


@dataclass(frozen=True)
class Removal:
    """What `remove` will write, worked out before anything changes."""

    node_id: str
    device: Device | None  # its file, if any
    delete_config: bool
    acl: str  # the ACL without the device


class Provisioner:
    """One site: its configs (firmware_configs/<site>) and its secrets (secrets/<site>)."""

    def __init__(
        self, site: str, configs_root: Path = CONFIGS_ROOT, secrets_root: Path = SECRETS_ROOT
    ) -> None:
        if not IDENT.match(site):
            raise ProvisionError(f"invalid site id {site!r}: lower-case letters, digits, '-', '_'")
        self.configs = SiteConfigs(Path(configs_root) / site)
        if not self.configs.folder.is_dir():
            raise ProvisionError(
                f"no site folder {self.configs.folder}: create it with a site.yaml "
                "(see docs/deploy.md)"
            )
        self.site = self.configs.site_id
        self.paths = SecretPaths(Path(secrets_root) / site)
        self.passwords = PasswordFile(self.paths.passwd)

    # -- CA and broker ----------------------------------------------------------------

    def create_ca(self, force: bool = False) -> list[str]:
        """Site CA (kept unless forced) and a fresh broker certificate; returns its names."""
        settings = self.configs.site_file().provision
        acl = self.acl_text()  # fails on a broken device file: before any change
        if force or not self.paths.ca.exists():
            create_ca(self.paths.ca, self.site, days=settings.cert_days)
        issue_server_cert(self.paths.ca, self.paths.server, settings.broker_names)
        shutil.copyfile(self.paths.ca.cert, self.paths.server.cert.parent / "ca.crt")
        self.write_broker_files(acl)
        return list(settings.broker_names)

    def write_broker_files(self, acl: str | None = None) -> None:
        """The ACL (from the registry unless given, see acl_text), and the site broker config
        (absent CA: no config yet)."""
        atomic_write(self.paths.acl, (self.acl_text() if acl is None else acl).encode())
        if self.paths.server.cert.exists():
            conf = site_broker_config(self.paths, Path("/etc/mosquitto/antrian"))
            atomic_write(self.paths.broker_conf, conf.encode())

    # -- devices ----------------------------------------------------------------------

    def provisioned(self) -> set[str]:
        return set(self.passwords.users())

    def acl_text(self, users: set[str] | None = None) -> str:
        """The ACL file for `users` (default: who holds a password now); ConfigInvalid for a
        device file it cannot read, so callers run it before they change anything."""
        return render_acl(self.site, self.acl_entries(users))

    def acl_entries(self, users: set[str] | None = None) -> list[AclEntry]:
        """Devices in the registry (their config files) among `users` (default: those that
        hold a password)."""
        users = self.provisioned() if users is None else users
        out = []
        for d in self.configs.devices():
            if d.node_id not in users:
                continue
            counters: list[str] = []
            if d.role == "caller":
                raw = self.configs.merged(d).raw
                counters = [str(c.get("id")) for c in raw.get("counters", []) if c.get("id")]
            out.append(AclEntry(d.node_id, d.role, tuple(counters)))
        return out

    def add(self, role: str, node_id: str, rotate: bool = False) -> Path:
        """Device file (kept if it exists), password, ACL and bundle; returns the bundle.

        A device that holds a password keeps it (a re-run refreshes its bundle after a config
        change) unless `rotate`: a new password locks the running device out at the next
        broker reload until it has the new bundle."""
        if role not in ROLES:
            raise ProvisionError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if not IDENT.match(node_id):
            raise ProvisionError(
                f"invalid device id {node_id!r}: lower-case letters, digits, '-' and '_', "
                "at most 48, starting with a letter or digit"
            )
        if not self.paths.ca.exists():
            raise ProvisionError(f"site {self.site} has no CA yet: run `antrian provision ca`")
        shared = self.configs.site_problems()
        if shared:
            raise ConfigInvalid(shared)
        password = None if rotate else self._kept_password(node_id, role)
        device = self._find(node_id)
        created = False
        if device is None:
            typed_role: Role = role
            path = self.configs.device_path(typed_role, node_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(NEW_DEVICE.format(node_id=node_id, role=role, site=self.site))
            device = Device(node_id, typed_role, path, layered=True)
            created = True
        elif device.role != role:
            raise ProvisionError(
                f"{device.path} is a {device.role}, not a {role}: pick another device id"
            )
        try:
            self._validate_new(device, created)
            # Everything that can fail runs before the password file changes: a password
            # without its ACL entry and bundle could be neither used nor kept (_kept_password).
            fresh = password is None
            password = new_password() if password is None else password
            files = bundle_files(self.configs, device, password, self.paths.ca.cert)
            acl = self.acl_text(self.provisioned() | {node_id})
        except BaseException:
            if created:
                device.path.unlink(missing_ok=True)
            raise
        # Only writes are left: if one fails (disk full), a re-run with --new-password mends it.
        if fresh:
            self.passwords.set(node_id, password)
        self.write_broker_files(acl)
        return write_bundle_files(files, node_id, self.paths.bundles)

    def _validate_new(self, device: Device, created: bool) -> None:
        try:
            self.configs.validate(device)
        except ConfigInvalid as exc:
            if created:
                device.path.unlink()
                # Settings missing from the file `add` just wrote (the fix configs gives a
                # missing setting starts "add `"): the technician must write that file.
                missing = [
                    p for p in exc.problems if p.file == device.path and p.fix.startswith("add `")
                ]
                if missing:
                    needs = self._needs_device_file(device, [p.field for p in missing])
                    others = [p for p in exc.problems if p not in missing]
                    raise ConfigInvalid([needs, *others]) from None
            raise

    def _needs_device_file(self, device: Device, missing: list[str]) -> Problem:
        """A device whose role file leaves settings to each device (a caller's counters):
        `add` cannot write its file from the defaults, the technician writes it first."""
        again = f"then run `antrian provision add {self.site} {device.role} {device.node_id}` again"
        example = ""
        if device.role == "caller":
            # A counter no other caller serves yet; the first one when every counter has one.
            idle = self.configs.idle_counters(self.configs.survey())
            catalogue = self.configs.catalogue()
            first = catalogue.counters[0].id if catalogue is not None else "loket-1"
            counter = idle[0] if idle else first
            example = (
                ", e.g. (counter ids from catalogue.yaml, BCM pins of this Pi):\n"
                f"        # {device.node_id}: the counters this caller serves.\n"
                "        counters:\n"
                f"          - id: {counter}\n"
                "            buttons: {next: 17, recall: 27, no_show: 22, finish: 5, pause: 6}\n"
                "            leds: {online: 18, calling: 23, paused: 24, error: 25}\n    "
            )
        return Problem(
            device.path,
            ", ".join(missing),
            f"no such file, and a {device.role} needs settings that no role file gives, so "
            "`add` cannot write it from the defaults",
            f"create {device.path} with {', '.join(f'`{f}:`' for f in missing)} first{example}"
            f"{' ' if not example else ''}{again}",
        )

    def holds_password(self, node_id: str) -> bool:
        return node_id in self.passwords.entries()

    def _kept_password(self, node_id: str, role: str) -> str | None:
        """The device's current password, from its last bundle (the password file holds only
        hashes); None for a device without one. Refuses rather than silently rotating."""
        hashed = self.passwords.entries().get(node_id)
        if hashed is None:
            return None
        copy = self.paths.bundles / node_id / PASSWORD_FILE
        password = copy.read_text().strip() if copy.is_file() else ""
        if not password or not verify_password(password, hashed):
            raise ProvisionError(
                f"{node_id} already holds a password, but its copy in {copy} is missing or "
                "does not match it, so it cannot be kept\n"
                f"    fix: `antrian provision add {self.site} {role} {node_id} --new-password`; "
                "the device is locked out at the next broker reload until it has the new bundle"
            )
        return password

    def delivery_folder(self, node_id: str = "central") -> str | None:
        """The site folder central's bundle points its device_configs at, if it delivers."""
        device = self._find(node_id)
        if device is None or device.role != "central":
            return None
        folder = delivered_config(self.configs, device).get("device_configs")
        return str(folder) if folder is not None else None

    def removable(self, node_id: str, delete_config: bool = False) -> Removal:
        """Raises ProvisionError or ConfigInvalid, before anything changes, when `remove`
        cannot do all it is asked; returns what it will write (apply_removal)."""
        device = self._find(node_id)
        if device is None and not self.holds_password(node_id):
            raise ProvisionError(
                f"site {self.site} has no device {node_id!r} (no password, no device file): "
                "nothing changed; check the id with `antrian provision check`"
            )
        if delete_config and device is not None and not device.layered:
            raise ProvisionError(
                f"{device.path} is a standalone file: nothing changed; run again without "
                "--delete-config and delete the file by hand if it must go"
            )
        # The ACL reads every caller's counters: a broken device file fails here, not after
        # the password is gone (which would leave the device in the ACL).
        acl = self.acl_text(self.provisioned() - {node_id})
        return Removal(node_id, device, delete_config, acl)

    def remove(self, node_id: str, delete_config: bool = False) -> bool:
        """Revoke: password and ACL entries go, the bundle is deleted. Returns whether the
        device held a password. Clear its retained topics with `clear_retained`."""
        return self.apply_removal(self.removable(node_id, delete_config))

    def apply_removal(self, removal: Removal) -> bool:
        """Writes what removable() worked out: only file writes are left to fail here."""
        node_id = removal.node_id
        had = self.passwords.remove(node_id)
        self.write_broker_files(removal.acl)
        if removal.delete_config and removal.device is not None:
            removal.device.path.unlink(missing_ok=True)
        shutil.rmtree(self.paths.bundles / node_id, ignore_errors=True)
        (self.paths.bundles / f"{node_id}.tar.gz").unlink(missing_ok=True)
        return had

    def check(self) -> Survey:
        """The site's survey, with the passwords no device file accounts for."""
        survey = self.configs.survey()
        if not survey.complete:
            return survey  # a device left out by an error is not an orphan
        known = {d.node_id for d in survey.devices}
        problems = survey.problems
        for user in sorted(self.provisioned() - known):
            problems.append(
                Problem(
                    self.paths.passwd,
                    user,
                    "holds a password but no device file defines it",
                    f"run `antrian provision remove {self.site} {user}`",
                )
            )
        return survey

    def known(self, node_id: str) -> bool:
        """A device file or a password names it."""
        return self._find(node_id) is not None or self.holds_password(node_id)

    def _find(self, node_id: str) -> Device | None:
        return next((d for d in self.configs.devices() if d.node_id == node_id), None)


def clear_retained(broker: BrokerSettings, site: str, node_id: str, timeout: float = 5.0) -> None:
    """Empty retained messages delete a removed device's status and config on the broker.

    Connects as `broker` says (central's user may write every topic of the site)."""
    topics = Topics(site)
    link = MqttLink(broker, topics, Identity("provision", "tool", 1))
    link.start()
    try:
        if not link.wait_connected(timeout):
            raise ProvisionError(
                f"could not reach the broker at {broker.host}:{broker.port} to clear "
                f"{node_id}'s retained topics"
            )
        for topic in (topics.status(node_id), topics.config(node_id)):
            link.publish(topic, b"", retain=True)
    finally:
        link.stop()

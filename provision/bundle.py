"""What a device gets: its config as its node loads it, the site CA and its MQTT credentials."""

from __future__ import annotations

import tarfile
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from antrian.session import atomic_write

from .configs import Device, SiteConfigs, catalogue_path

DEFAULT_STATE_ROOT = "/var/lib/antrian"
TLS_PORT = 8883
PASSWORD_FILE = "mqtt-password"
CA_FILE = "ca.crt"
CONFIG_FILE = "config.yaml"
CATALOGUE_FILE = "catalogue.yaml"


def install_dir(site: SiteConfigs, device: Device) -> PurePosixPath:
    """Where the bundle is unpacked. The web node runs on the site server beside central,
    so its files get a folder of their own (central's are in install_dir itself)."""
    root = PurePosixPath(site.site_file().provision.install_dir)
    return root / "web" if device.role == "web" else root


def delivered_config(site: SiteConfigs, device: Device) -> dict[str, Any]:
    """The device's validated config with the identity and transport provisioning owns.

    The broker section always comes from here: a device dials the broker by the name in the
    broker certificate over TLS as its own user; central sits next to the broker on loopback.
    """
    return _delivered(site, device)[0]


def _delivered(site: SiteConfigs, device: Device) -> tuple[dict[str, Any], Path | None]:
    """delivered_config, and for central the catalogue file its bundle carries."""
    site_file = site.site_file()
    settings = site_file.provision
    install = install_dir(site, device)
    cfg, merged = site.validate(device)
    data: dict[str, Any] = cfg.model_dump(mode="json", exclude_none=True)
    broker = dict(data.get("broker", {}))
    broker.update(username=device.node_id, password_file=str(install / PASSWORD_FILE))
    broker.pop("password", None)
    if device.role == "central":
        broker.update(host="127.0.0.1", port=1883)
        broker.pop("tls_ca", None)
    else:
        broker.update(host=settings.broker_names[0], port=TLS_PORT, tls_ca=str(install / CA_FILE))
    data["broker"] = broker
    # A relative state folder only makes sense in the repository; on a device it lives here.
    if not PurePosixPath(str(data["state_dir"])).is_absolute():
        data["state_dir"] = f"{DEFAULT_STATE_ROOT}/{device.node_id}"
    catalogue = None
    if device.role == "central":
        # validate() reported a missing file; the bundle carries the one central.yaml names.
        catalogue = catalogue_path(merged, cfg)
        data["catalogue"] = str(install / CATALOGUE_FILE)
        data.pop("ledger", None)
        if data.get("device_configs") is not None:
            # Relative to central.yaml in the site folder, but the bundle is unpacked into
            # install_dir, which holds only the bundle's files. Central reads the site folder
            # itself (the clone on the server that provisions, docs/deploy.md), so it always
            # delivers what the devices' bundles were built from, also after a re-provision,
            # and picks up a changed device file without a new bundle of its own.
            relative_to = merged.origin_of(("device_configs",)).parent
            folder = relative_to / str(data["device_configs"])
            data["device_configs"] = str(folder.resolve())
    return data, catalogue


def bundle_files(
    site: SiteConfigs, device: Device, password: str, ca_cert: Path
) -> dict[str, bytes]:
    """What the device's bundle holds, by file name: everything that can fail (an invalid or
    missing file) fails here, before `add` changes anything."""
    data, catalogue = _delivered(site, device)
    header = (
        f"# {device.node_id} ({device.role}) at site {site.site_id}: written by "
        "`antrian provision add`.\n# Install under "
        f"{install_dir(site, device)}/ (see docs/deploy.md).\n"
    )
    files = {
        CONFIG_FILE: (header + yaml.safe_dump(data, sort_keys=False)).encode(),
        CA_FILE: ca_cert.read_bytes(),
        PASSWORD_FILE: (password + "\n").encode(),
    }
    if catalogue is not None:
        files[CATALOGUE_FILE] = catalogue.read_bytes()
    return files


def write_bundle_files(files: dict[str, bytes], node_id: str, out_dir: Path) -> Path:
    """Writes out_dir/<node_id>/ and out_dir/<node_id>.tar.gz; returns the tarball."""
    folder = out_dir / node_id
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for name, content in files.items():
        atomic_write(folder / name, content)
    (folder / PASSWORD_FILE).chmod(0o600)
    tarball = out_dir / f"{node_id}.tar.gz"
    # Built aside and renamed: a failed write leaves the previous bundle whole.
    partial = out_dir / f".{node_id}.tar.gz.partial"
    with tarfile.open(partial, "w:gz") as tar:
        for path in sorted(folder.iterdir()):
            tar.add(path, arcname=path.name)
    partial.chmod(0o600)
    partial.replace(tarball)
    return tarball


def write_bundle(
    site: SiteConfigs, device: Device, password: str, ca_cert: Path, out_dir: Path
) -> Path:
    """Writes out_dir/<node_id>/ and out_dir/<node_id>.tar.gz; returns the tarball."""
    files = bundle_files(site, device, password, ca_cert)
    return write_bundle_files(files, device.node_id, out_dir)

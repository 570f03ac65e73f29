"""Fixtures: a copy of a real site provisioned into temp secrets, and a secured Mosquitto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from antrian.devbroker import DevBroker
from provision import Provisioner
from provision.testing import SITE, SecureSite, copy_site, start_secure_broker


@pytest.fixture(scope="module")
def secure_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureSite]:
    """mpp-jambi with central, two kiosks, a caller, a display and the web node provisioned."""
    root = tmp_path_factory.mktemp("site")
    prov = Provisioner(SITE, copy_site(root), root / "secrets")
    prov.create_ca()
    site = SecureSite(prov, DevBroker(), 0)
    for role, node in [
        ("central", "central"),
        ("kiosk", "kiosk-lobby"),
        ("kiosk", "kiosk-lantai-2"),
        ("caller", "caller-loket-9"),
        ("display", "display-hall"),
        ("web", "web"),
    ]:
        site.add(role, node, root)
    site.broker, site.tls_port = start_secure_broker(prov)
    try:
        yield site
    finally:
        site.broker.stop()

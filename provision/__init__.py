"""Provisioning: layered device configs, per-device MQTT credentials, ACL, site CA, and the
configs central delivers.

Names load lazily: central imports provision.delivery, and must not pay for the CA and
password code (cryptography, ~8 MB) that only the provisioning tool uses."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .configs import SiteConfigs
    from .delivery import device_configs
    from .problems import ConfigInvalid, Problem
    from .provisioner import (
        Provisioner,
        ProvisionError,
        SecretPaths,
        clear_retained,
        security_config,
    )

_HOMES = {
    "ConfigInvalid": "problems",
    "Problem": "problems",
    "SiteConfigs": "configs",
    "device_configs": "delivery",
    "Provisioner": "provisioner",
    "ProvisionError": "provisioner",
    "SecretPaths": "provisioner",
    "clear_retained": "provisioner",
    "security_config": "provisioner",
}

__all__ = [
    "ConfigInvalid",
    "Problem",
    "ProvisionError",
    "Provisioner",
    "SecretPaths",
    "SiteConfigs",
    "clear_retained",
    "device_configs",
    "security_config",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'provision' has no attribute {name!r}")
    return getattr(importlib.import_module(f"provision.{home}"), name)

"""Provisioning: layered device configs, per-device MQTT credentials, ACL, site CA, delivery."""

from .configs import ConfigInvalid, Problem, SiteConfigs
from .delivery import ConfigCache, ConfigOutcome, ConfigReceiver, follow, publish_device_configs
from .provisioner import Provisioner, ProvisionError, SecretPaths, clear_retained, security_config
from .storage import AtomicJSONStorage

__all__ = [
    "AtomicJSONStorage",
    "ConfigCache",
    "ConfigInvalid",
    "ConfigOutcome",
    "ConfigReceiver",
    "Problem",
    "ProvisionError",
    "Provisioner",
    "SecretPaths",
    "SiteConfigs",
    "clear_retained",
    "follow",
    "publish_device_configs",
    "security_config",
]

"""Central: the hall's coordinator, the only writer of queue state."""

from central.config import CentralConfig, load_catalogue, load_central_config
from central.service import Central

__all__ = ["Central", "CentralConfig", "load_catalogue", "load_central_config"]

"""Central: the hall's coordinator, the only writer of queue state."""

from central.catalogue import Catalogue
from central.config import CentralConfig, load_catalogue, load_central_config
from central.service import Central

__all__ = ["Catalogue", "Central", "CentralConfig", "load_catalogue", "load_central_config"]

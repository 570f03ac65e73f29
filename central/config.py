"""Central's own config file: where the catalogue and ledger live, and its limits."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from antrian.catalogue import Catalogue
from antrian.config import NodeConfig, load_yaml, resolve


class CentralConfig(NodeConfig):
    node_id: str = "central"
    catalogue: Path = Field(description="The hall's catalogue YAML, relative to this file.")
    ledger: Path | None = Field(default=None, description="Default: state_dir/ledger.sqlite3")
    lease_size: int = Field(default=20, ge=1, le=500, description="Suggested kiosk block size.")
    max_request_age_s: int = Field(
        default=600,
        ge=0,
        description="Refuse requests whose sent_at is older than this (0: never). Generous, "
        "because a Pi without a real-time clock may run a little off.",
    )
    batch_max: int = Field(default=256, ge=1, le=10000)
    archive_after_days: int | None = Field(
        default=None,
        ge=1,
        description="Retention of the live ledger: `antrian ledger archive --config` moves "
        "business days older than this into monthly archive files beside the ledger "
        "(docs/operations.md). None: keep every day in the ledger.",
    )
    device_configs: Path | None = Field(
        default=None,
        description="Site folder whose device configs central delivers, retained and "
        "versioned, on config/{node_id} (docs/deploy.md). Relative to this file.",
    )

    authorization: bool = Field(
        default=True,
        description="Check every request against its sender's role and assignment, read "
        "from device_configs (docs/protocol.md, Authorization). Off only for a development "
        "hall or a test: then any node may send any request.",
    )

    @property
    def ledger_path(self) -> Path:
        return self.ledger or self.state_dir / "ledger.sqlite3"


def load_central_config(path: Path) -> tuple[CentralConfig, Catalogue]:
    cfg = load_yaml(path, CentralConfig)
    cfg = cfg.model_copy(
        update={
            "catalogue": resolve(path, cfg.catalogue),
            "state_dir": resolve(path, cfg.state_dir),
            "ledger": resolve(path, cfg.ledger) if cfg.ledger else None,
            "device_configs": resolve(path, cfg.device_configs) if cfg.device_configs else None,
        }
    )
    return cfg, load_catalogue(cfg.catalogue)


def load_catalogue(path: Path) -> Catalogue:
    return load_yaml(path, Catalogue)

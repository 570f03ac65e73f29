"""The web node's config file: where it listens, its public address, its limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from antrian.config import NodeConfig
from web.overview import DashboardSettings


class WebConfig(NodeConfig):
    node_id: str = Field(default="web", pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=48)
    listen_host: str = Field(
        default="127.0.0.1",
        description="Behind a reverse proxy (docs/deploy.md) the node listens on loopback only.",
    )
    listen_port: int = Field(default=8080, ge=0, le=65535, description="0: any free port.")
    public_url: str | None = Field(
        default=None,
        description="The address citizens reach, e.g. https://antrian.mpp-jambi.go.id; "
        "kiosks print ticket links under it. None: no links on tickets.",
    )
    hall_name: str | None = Field(default=None, description="Overrides central's hall name.")
    timezone: Literal["WIB", "WITA", "WIT"] = "WIB"
    refresh_s: int = Field(
        default=20, ge=5, le=600, description="Meta refresh of pages for phones without JS."
    )
    request_timeout_s: float = Field(default=3.0, gt=0, le=30)
    lookups_per_minute: int = Field(
        default=30,
        ge=1,
        le=6000,
        description="Ticket lookups per client address and minute (a phone that reloads "
        "stays far below; someone trying tokens is stopped).",
    )
    max_live_clients: int = Field(default=5000, ge=1, le=100000)
    dashboard: DashboardSettings = Field(
        default_factory=DashboardSettings,
        description="The supervisors' dashboard: accounts file, alert thresholds.",
    )
    trusted_proxy: bool = Field(
        default=False,
        description="Take the client's address from X-Forwarded-For (only behind your own "
        "reverse proxy, which sets it).",
    )

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not v.startswith(("https://", "http://")):
            raise ValueError("public_url must start with https:// (or http:// for tests)")
        return v.rstrip("/")

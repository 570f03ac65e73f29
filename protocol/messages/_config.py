"""A device's config, delivered retained by central."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from protocol.messages._base import (
    Ident,
    Instant,
    Message,
    Role,
)


class DeviceConfig(Message):
    """Retained on config/{node_id}: the device's whole config, as its node loads it."""

    type: Literal["device_config"] = "device_config"
    node_id: Ident
    role: Role
    version: int = Field(ge=1, description="Increases whenever the config changes.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Of the canonical JSON config.")
    issued_at: Instant
    config: dict[str, Any] = Field(
        description="Validated by the node with its own config model; an invalid one is "
        "rejected and the last good one keeps running."
    )

"""Nodes' births and wills, and the fleet central builds from them for technicians."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.messages._base import (
    Ident,
    Instant,
    Message,
    Role,
    Text,
)


class NodeStatus(Message):
    """Retained birth (online) and will (offline) of a node, central included."""

    type: Literal["status"] = "status"
    node_id: Ident
    role: Role
    online: bool
    session: int = Field(
        ge=1,
        description="Increments at every start, kept on disk; a will from an "
        "older session than the last birth is stale.",
    )
    at: Instant
    software: Text = ""
    config_version: int | None = None
    faults: list[Text] = Field(default_factory=list, description="e.g. paper_out, cover_open")
    detail: Text | None = None
    outbox: int | None = Field(
        default=None,
        ge=0,
        description="Kiosk: tickets and requests in its outbox that central has not got yet.",
    )


class FleetEntry(Message):
    node_id: Ident
    role: Role
    online: bool
    since: Instant
    session: int
    faults: list[Text] = Field(default_factory=list)
    last_error: Text | None = None
    config_version: int | None = None
    outbox: int | None = Field(
        default=None, ge=0, description="The kiosk's last reported outbox depth."
    )


class FleetSnapshot(Message):
    """Retained by central: every node it has heard of, for technicians."""

    type: Literal["fleet_snapshot"] = "fleet_snapshot"
    at: Instant
    nodes: list[FleetEntry]
    errors_total: int = Field(ge=0, description="Malformed or refused messages since start.")
    not_allowed: dict[str, int] = Field(
        default_factory=dict,
        description="Per sending node id: requests refused with not_allowed since start.",
    )
    never_seen: list[Ident] = Field(
        default_factory=list,
        description="Provisioned devices (central's device_configs) that never announced "
        "themselves.",
    )

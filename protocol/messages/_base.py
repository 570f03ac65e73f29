"""What every message shares: the base model, identifiers, times and the closed sets of
values (roles, statuses, refusal codes)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

SCHEMA_VERSION = 1

# Identifiers appear inside MQTT topics, so they are restricted to characters that
# are safe in a topic level and in a Mosquitto ACL pattern (no '+', '#', '/').
Ident = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
RequestId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Label = Annotated[str, Field(min_length=1, max_length=12)]
Text = Annotated[str, Field(max_length=500)]

_ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$"
)


def _iso_time_only(value: Any) -> Any:
    """On the wire a time is an ISO 8601 string with its offset; pydantic also takes epoch
    seconds, even as a string ("1767600000"), which the documentation does not allow."""
    if isinstance(value, str):
        if not _ISO_TIME.match(value):
            raise ValueError(
                "must be an ISO 8601 time with its timezone offset, e.g. 2026-01-05T08:00:00+07:00"
            )
        # Parsed here: strict mode takes no string for a datetime after a before-validator.
        return datetime.fromisoformat(value)
    return value


# Every time in a message: ISO 8601 with an offset, nothing else (see _iso_time_only).
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_time_only)]

Role = Literal["central", "kiosk", "caller", "display", "web", "tool"]
TicketStatus = Literal[
    "waiting",  # in a queue
    "called",  # called to a counter, citizen not yet at the desk
    "serving",  # service started at a counter
    "served",  # finished
    "no_show",  # called and did not come
    "expired",  # still waiting when the business day closed
    "void",  # superseded by the offline ticket the kiosk printed for the same press
]
CounterState = Literal["closed", "idle", "calling", "serving", "paused"]

RefusalCode = Literal[
    "invalid_request",
    "unsupported_version",
    "stale_request",
    "unknown_queue",
    "unknown_counter",
    "unknown_ticket",
    "quota_reached",
    "queue_closed",
    "hall_closed",
    "priority_not_allowed",
    "queue_empty",
    "counter_paused",
    "counter_not_paused",
    "no_current_ticket",
    "not_serving_queue",
    "transfer_same_queue",
    "officer_required",
    "already_rated",
    "not_rateable",
    "lease_invalid",
    "duplicate_number",
    "ticket_finished",
    "not_allowed",
    "already_surveyed",
    "not_surveyable",
]


class Message(BaseModel):
    """Base of every message: frozen, strict about unknown fields, versioned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = Field(default=1, description="Schema version; a node rejects others.")


TicketToken = Annotated[
    str,
    Field(
        min_length=22,
        max_length=22,
        pattern=r"^[A-Za-z0-9_-]{22}$",
        description="A ticket's page token: unguessable, never the ticket's sequential id "
        "(docs/protocol.md, Ticket pages).",
    ),
]

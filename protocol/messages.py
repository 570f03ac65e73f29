"""Every message Antrian nodes exchange: pydantic models, JSON on the wire, schema version 1."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

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


# ----------------------------------------------------------------------------- requests


class RequestBase(Message):
    request_id: RequestId = Field(
        description="Unique per intended action. Resend the same id to retry: central applies "
        "it at most once and answers duplicates with the stored reply."
    )
    node_id: Ident = Field(description="Sender; the reply goes to reply/{node_id}.")
    sent_at: Instant


class IssueTicket(RequestBase):
    """A citizen pressed a queue button on a kiosk."""

    type: Literal["issue_ticket"] = "issue_ticket"
    queue: Ident
    priority: bool = Field(default=False, description="Elderly, pregnant, disabled.")


class CounterRequest(RequestBase):
    counter: Ident


class CallNext(CounterRequest):
    """Finish the counter's current ticket (as served) and call the next one by policy."""

    type: Literal["call_next"] = "call_next"


class Recall(CounterRequest):
    """Announce the counter's current ticket again."""

    type: Literal["recall"] = "recall"


class NoShow(CounterRequest):
    """The called citizen did not come; the counter becomes idle."""

    type: Literal["no_show"] = "no_show"


class StartService(CounterRequest):
    """The called citizen arrived at the desk."""

    type: Literal["start_service"] = "start_service"


class FinishService(CounterRequest):
    """Finish the current ticket without calling the next one."""

    type: Literal["finish_service"] = "finish_service"


class Transfer(CounterRequest):
    """Send the current ticket to another queue; it keeps its number."""

    type: Literal["transfer"] = "transfer"
    to_queue: Ident


class PauseCounter(CounterRequest):
    type: Literal["pause_counter"] = "pause_counter"
    reason: Text | None = None


class ResumeCounter(CounterRequest):
    type: Literal["resume_counter"] = "resume_counter"


class SignIn(CounterRequest):
    type: Literal["sign_in"] = "sign_in"
    officer: Ident


class SignOut(CounterRequest):
    type: Literal["sign_out"] = "sign_out"


class RateService(CounterRequest):
    """IKM rating of a ticket served at this counter: 1 tidak puas .. 4 sangat puas."""

    type: Literal["rate_service"] = "rate_service"
    ticket_id: Ident
    score: int = Field(ge=1, le=4)


class SupervisorRequest(RequestBase):
    """A supervisor's action on the hall, sent by the web node on the supervisor's behalf."""

    supervisor: Ident = Field(
        description="The supervisor's account (firmware_configs/<site>/supervisors.yaml); "
        "central records it with the action in the ledger's event log."
    )


class SupervisorPauseCounter(SupervisorRequest):
    """Pause a counter from the dashboard; its current ticket stays with it."""

    type: Literal["supervisor_pause_counter"] = "supervisor_pause_counter"
    counter: Ident
    reason: Text | None = None


class SupervisorResumeCounter(SupervisorRequest):
    type: Literal["supervisor_resume_counter"] = "supervisor_resume_counter"
    counter: Ident


class CloseQueue(SupervisorRequest):
    """Stop issuing tickets for a queue for the rest of the business day; tickets already
    issued are still called."""

    type: Literal["close_queue"] = "close_queue"
    queue: Ident


class ReopenQueue(SupervisorRequest):
    """Undo an early close; a queue outside its catalogue hours stays closed."""

    type: Literal["reopen_queue"] = "reopen_queue"
    queue: Ident


class SetQuota(SupervisorRequest):
    """Today's quota of a queue (tickets per day), in place of the catalogue's."""

    type: Literal["set_quota"] = "set_quota"
    queue: Ident
    quota: int | None = Field(ge=0, le=9999, description="None: no cap today.")


class TicketAction(SupervisorRequest):
    """An action on one of today's tickets, named by its id or by its label."""

    ticket_id: Ident | None = Field(default=None, description="Give this or `label`.")
    label: Label | None = Field(
        default=None,
        description="What the citizen holds, e.g. A012: today's ticket with that label.",
    )

    @model_validator(mode="after")
    def _one_ticket(self) -> TicketAction:
        if (self.ticket_id is None) == (self.label is None):
            raise ValueError("give either ticket_id or label")
        return self


class TransferTicket(TicketAction):
    """Move a waiting, called or serving ticket to another queue; it keeps its number and
    its place by issue time. A counter holding it becomes idle."""

    type: Literal["transfer_ticket"] = "transfer_ticket"
    to_queue: Ident


class EndTicket(TicketAction):
    """End a ticket whose citizen left: a waiting or called one becomes no_show, one being
    served becomes served. A counter holding it becomes idle."""

    type: Literal["end_ticket"] = "end_ticket"


class SetRunningText(SupervisorRequest):
    """The running text on the hall boards, in place of each board's configured one."""

    type: Literal["set_running_text"] = "set_running_text"
    text: Annotated[str, Field(max_length=300)] = Field(
        description="Empty: the boards go back to their configured running text."
    )


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
SURVEY_ELEMENTS = 9  # U1-U9 of PermenPANRB 14/2017


class LookupTicket(RequestBase):
    """The web node asks for a ticket by its page token. Read-only: central answers it at
    once and stores nothing, so the same id again gets a fresh answer."""

    type: Literal["lookup_ticket"] = "lookup_ticket"
    token: TicketToken


class SubmitSurvey(RequestBase):
    """A citizen's satisfaction survey (SKM) after service, once per ticket: one answer per
    element U1-U9 of PermenPANRB 14/2017, 1 (tidak baik) to 4 (sangat baik)."""

    type: Literal["submit_survey"] = "submit_survey"
    token: TicketToken
    answers: list[Annotated[int, Field(ge=1, le=4)]] = Field(
        min_length=SURVEY_ELEMENTS, max_length=SURVEY_ELEMENTS
    )


class LeaseBlock(RequestBase):
    """A kiosk asks for a block of numbers it may issue while cut off from central."""

    type: Literal["lease_block"] = "lease_block"
    queue: Ident
    size: int = Field(ge=1, le=500)


class OfflineTicket(Message):
    ticket_id: Ident
    queue: Ident
    number: int = Field(ge=1, le=9999)
    business_day: date
    lease_id: Ident
    priority: bool = False
    issued_at: Instant
    origin_request_id: RequestId | None = Field(
        default=None,
        description="The issue_ticket request that timed out before this offline ticket was "
        "printed. If central did apply it, that online ticket is voided.",
    )


class ReplayTicket(RequestBase):
    """A kiosk reports a ticket it issued from its lease while central was away."""

    type: Literal["replay_ticket"] = "replay_ticket"
    ticket: OfflineTicket


Request = Annotated[
    IssueTicket
    | CallNext
    | Recall
    | NoShow
    | StartService
    | FinishService
    | Transfer
    | PauseCounter
    | ResumeCounter
    | SignIn
    | SignOut
    | RateService
    | LeaseBlock
    | ReplayTicket
    | SupervisorPauseCounter
    | SupervisorResumeCounter
    | CloseQueue
    | ReopenQueue
    | SetQuota
    | TransferTicket
    | EndTicket
    | SetRunningText
    | LookupTicket
    | SubmitSurvey,
    Field(discriminator="type"),
]

# ----------------------------------------------------------------------------- replies


class Refusal(Message):
    code: RefusalCode
    text_id: Text = Field(description="Bahasa Indonesia, for citizens and officers.")
    text_en: Text


class TicketInfo(Message):
    ticket_id: Ident
    label: Label = Field(description="What is printed and spoken, e.g. A012.")
    queue: Ident
    queue_name: Text
    agency: Text
    number: int
    business_day: date
    priority: bool
    status: TicketStatus
    issued_at: Instant
    offline: bool = Field(description="Issued by a kiosk from its lease while central was away.")
    people_ahead: int = Field(ge=0)
    estimated_wait_min: int | None = None
    estimated_wait_low_min: int | None = Field(
        default=None,
        ge=0,
        description="With estimated_wait_high_min: the range the wait falls in about 80 % of "
        "the time, in 5-minute steps ('perkiraan 15-25 menit'). None from an older central.",
    )
    estimated_wait_high_min: int | None = Field(default=None, ge=0)
    counter: Ident | None = None
    counter_name: Text | None = None
    officer: Ident | None = None


class LeaseInfo(Message):
    lease_id: Ident
    queue: Ident
    business_day: date
    first: int
    last: int
    prefix: str


class CounterInfo(Message):
    counter: Ident
    name: Text
    state: CounterState
    officer: Ident | None
    ticket: TicketInfo | None
    queues: list[Ident]


class Reply(Message):
    type: Literal["reply"] = "reply"
    request_id: str
    ok: bool
    refusal: Refusal | None = None
    ticket: TicketInfo | None = None
    lease: LeaseInfo | None = None
    counter: CounterInfo | None = None
    page_token: TicketToken | None = Field(
        default=None,
        description="issue_ticket: the ticket page's token; the kiosk prints "
        "{public_url}/t/{page_token} in the QR when the site has a web address.",
    )
    surveyed: bool | None = Field(
        default=None, description="lookup_ticket: the ticket's survey was answered."
    )


# ----------------------------------------------------------------------------- events

EventKind = Literal[
    "ticket_issued",
    "ticket_replayed",
    "ticket_voided",
    "ticket_called",
    "ticket_recalled",
    "service_started",
    "ticket_served",
    "ticket_no_show",
    "ticket_transferred",
    "ticket_rated",
    "counter_paused",
    "counter_resumed",
    "officer_signed_in",
    "officer_signed_out",
    "day_closed",
    "queue_closed",
    "queue_reopened",
    "quota_changed",
    "ticket_ended",
    "running_text_changed",
    "survey_answered",
]


class Event(Message):
    """A fact central committed to its ledger. `seq` increases by one per event, forever."""

    type: Literal["event"] = "event"
    seq: int = Field(ge=1)
    at: Instant
    kind: EventKind
    business_day: date
    ticket: TicketInfo | None = None
    counter: Ident | None = None
    counter_name: Text | None = None
    officer: Ident | None = None
    from_queue: Ident | None = None
    score: int | None = None
    supervisor: Ident | None = Field(
        default=None, description="The supervisor whose action this is; None for devices."
    )
    queue: Ident | None = Field(default=None, description="queue_closed/_reopened, quota_changed.")
    quota: int | None = Field(default=None, description="quota_changed: None means no cap.")
    text: Text | None = Field(default=None, description="running_text_changed.")
    answers: list[int] | None = Field(
        default=None, description="survey_answered: U1-U9, each 1-4 (PermenPANRB 14/2017)."
    )


# ----------------------------------------------------------------------------- snapshots


class CounterSnapshot(Message):
    """Retained: what one counter serves now."""

    type: Literal["counter_snapshot"] = "counter_snapshot"
    seq: int = Field(ge=0, description="Last event seq reflected in this snapshot.")
    counter: Ident
    name: Text
    state: CounterState
    officer: Ident | None
    ticket: TicketInfo | None
    queues: list[Ident]
    since: Instant | None = None


class QueueSnapshot(Message):
    queue: Ident
    name: Text
    agency: Text
    prefix: str
    open: bool
    waiting: int = Field(ge=0)
    priority_waiting: int = Field(ge=0)
    issued_today: int = Field(ge=0)
    estimated_wait_min: int | None = None
    estimated_wait_low_min: int | None = Field(
        default=None,
        ge=0,
        description="With estimated_wait_high_min: the range the wait falls in about 80 % of "
        "the time, in 5-minute steps ('perkiraan 15-25 menit'). None from an older central.",
    )
    estimated_wait_high_min: int | None = Field(default=None, ge=0)
    oldest_waiting_at: Instant | None = Field(
        default=None, description="Issue time of the longest-waiting ticket; None: nobody waits."
    )
    closed_early: bool = Field(default=False, description="A supervisor closed it for today.")
    quota: int | None = Field(default=None, description="Today's quota; None: no cap.")
    quota_left: int | None = Field(
        default=None, description="Quota minus tickets issued today; None: no cap."
    )


class HallSnapshot(Message):
    """Retained: the whole hall. A consumer that sees an event gap renders from this."""

    type: Literal["hall_snapshot"] = "hall_snapshot"
    seq: int = Field(ge=0)
    at: Instant
    business_day: date
    hall_name: Text
    open: bool
    counters: list[CounterSnapshot]
    queues: list[QueueSnapshot]
    recent_calls: list[Event] = Field(
        default_factory=list, description="Latest ticket_called/ticket_recalled, newest first."
    )
    running_text: Text = Field(
        default="", description="Set by a supervisor; empty: each board shows its own."
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


# ----------------------------------------------------------------------------- provisioning


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

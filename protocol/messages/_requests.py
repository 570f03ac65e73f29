"""Requests: what nodes ask central on request/{node_id}."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from protocol.messages._base import (
    Ident,
    Instant,
    Label,
    Message,
    RequestId,
    Text,
    TicketToken,
)


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


class ReturnLease(RequestBase):
    """A kiosk gives back the unused top of a leased block: numbers from `first_unused` to
    the block's end. Sent when central has no number of the quota left outside the blocks
    (the hall snapshot's `online_left` is 0). The kiosk recorded first that it never issues
    them; central then issues them online. Repeating it changes nothing."""

    type: Literal["return_lease"] = "return_lease"
    queue: Ident
    lease_id: Ident
    first_unused: int = Field(ge=1, le=10000)


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
    | ReturnLease
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
